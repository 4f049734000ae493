//! Property tests: whatever metadata and text a user hands over, what leaves
//! the sanitiser only has allowed keys and valid values, and sanitising is
//! idempotent and never panics.
#![cfg(feature = "client")]

use drip_runtime::fields::{
    BUILTIN_KEYS, MAX_STRING_CHARS, check_key, check_literal_str, find_sensitive, normalize_key,
};
use drip_runtime::privacy::{redact_text, sanitize_metadata};
use drip_runtime::{Metadata, Value};
use proptest::prelude::*;

const HOSTILE: &[&str] = &[
    "ada@example.com",
    "sk_live_51NzQpL2eZvKYlo2C",
    "pk_test_abcdef012345",
    "sk-proj-Abc123_def456-ghi789jkl012",
    "AKIAIOSFODNN7EXAMPLE",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "Bearer 8f2a9c1d7e6b5a4f",
    "4242 4242 4242 4242",
    "4242424242424242",
    "378282246310005",
];

const KEY_WORDS: &[&str] = &[
    "prompt", "Prompt", "api", "Key", "key", "token", "tokens", "hash", "id", "ID", "user",
    "email", "model", "family", "secret", "count", "ms", "query", "Hash", "input", "output",
    "password", "access", "-", "_", ".", "len",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(BUILTIN_KEYS).prop_map(str::to_owned),
        prop::collection::vec(prop::sample::select(KEY_WORDS), 1..5).prop_map(|w| w.concat()),
        "[a-zA-Z0-9_.\\- ]{0,24}",
        any::<String>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,300}",
        "[0-9 \\-]{10,40}",
        (
            "[ -~]{0,200}",
            prop::sample::select(HOSTILE),
            "[ -~é✓]{0,80}"
        )
            .prop_map(|(a, h, b)| format!("{a} {h} {b}")),
        (prop::sample::select(HOSTILE), prop::sample::select(HOSTILE))
            .prop_map(|(a, b)| format!("{a}\n{b}")),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::Str),
        any::<i64>().prop_map(Value::Int),
        any::<f64>().prop_map(Value::Float),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)]
            .prop_map(Value::Float),
        any::<bool>().prop_map(Value::Bool),
    ]
}

fn metadata() -> impl Strategy<Value = Metadata> {
    prop::collection::vec((key(), value()), 0..8).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn sanitised_metadata_has_only_allowed_keys_and_valid_values(m in metadata()) {
        let clean = sanitize_metadata(m);
        for (key, value) in clean.iter() {
            prop_assert_eq!(check_key(key, &[]), Ok(key.to_owned()));
            match value {
                Value::Str(s) => {
                    prop_assert!(s.chars().count() <= MAX_STRING_CHARS);
                    prop_assert_eq!(check_literal_str(s), Ok(()));
                    for hostile in HOSTILE {
                        prop_assert!(!s.contains(hostile));
                    }
                }
                Value::Float(f) => prop_assert!(f.is_finite()),
                _ => {}
            }
        }
    }

    #[test]
    fn sanitising_is_idempotent(m in metadata()) {
        let once = sanitize_metadata(m);
        prop_assert_eq!(sanitize_metadata(once.clone()), once);
    }

    #[test]
    // Below 13 digits: larger integers are dropped when they are card numbers.
    fn allowed_entries_survive_unchanged(
        k in prop::sample::select(BUILTIN_KEYS),
        n in -999_999_999_999_i64..=999_999_999_999,
    ) {
        let m: Metadata = [(k, Value::Int(n))].into_iter().collect();
        prop_assert_eq!(sanitize_metadata(m.clone()), m);
    }

    #[test]
    fn redacted_text_is_short_clean_and_stable(t in text()) {
        let out = redact_text(&t);
        prop_assert!(out.chars().count() <= MAX_STRING_CHARS);
        prop_assert_eq!(find_sensitive(&out), None);
        for hostile in HOSTILE {
            prop_assert!(!out.contains(hostile));
        }
        prop_assert_eq!(redact_text(&out), out);
    }

    #[test]
    fn clean_short_text_is_untouched(t in "[a-zA-Z ,.:;!?()]{0,200}") {
        prop_assert_eq!(redact_text(&t), t);
    }

    #[test]
    fn normalising_is_idempotent_and_checking_agrees(k in key()) {
        let once = normalize_key(&k);
        prop_assert_eq!(normalize_key(&once), once.clone());
        prop_assert_eq!(check_key(&k, &[]), check_key(&once, &[]));
    }
}
