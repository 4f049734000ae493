//! The compile-time check (`fields::check_key`, what `drip-macros` runs) and
//! the run-time sanitiser accept exactly the same keys, with the same project
//! extension. One test in this binary: it sets the process-wide extension.
#![cfg(feature = "client")]

use drip_runtime::Metadata;
use drip_runtime::fields::check_key;
use drip_runtime::privacy::Sanitizer;
use proptest::prelude::*;

const WORDS: &[&str] = &[
    "plan",
    "Tier",
    "tier",
    "prompt",
    "api",
    "Key",
    "tokens",
    "hash",
    "id",
    "user",
    "email",
    "model",
    "family",
    "secret",
    "count",
    "color",
    "deployment",
    "query",
    "-",
    "_",
    "ms",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(WORDS), 1..4).prop_map(|w| w.concat()),
        "[a-zA-Z_\\- ]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn compile_time_and_run_time_accept_the_same_keys(
        k in key(),
        extension in prop::collection::vec(key(), 0..4),
    ) {
        let ext: Vec<&str> = extension.iter().map(String::as_str).collect();
        let sanitizer = Sanitizer::new().allow_metadata(&extension);
        let compile_time = check_key(&k, &ext);
        let m: Metadata = [(k.clone(), 1)].into_iter().collect();
        let run_time: Vec<String> = sanitizer.sanitize_metadata(m).into_iter().map(|(k, _)| k).collect();
        match compile_time {
            Ok(normalised) => prop_assert_eq!(run_time, vec![normalised]),
            Err(_) => prop_assert!(run_time.is_empty(), "{k:?} refused at compile time, kept at run time"),
        }
    }
}
