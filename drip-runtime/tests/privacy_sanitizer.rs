//! The run-time sanitiser as a user sees it: which metadata and text reach Drip.
#![cfg(feature = "client")]

use drip_runtime::privacy::{Sanitizer, redact_text, sanitize_metadata};
use drip_runtime::{Metadata, Value};

fn map(entries: &[(&str, Value)]) -> Metadata {
    entries.iter().cloned().collect()
}

#[test]
fn keeps_allowed_fields_and_token_counts_drops_the_rest() {
    let sanitizer = Sanitizer::new();
    let clean = sanitizer.sanitize_metadata(map(&[
        ("model", "gpt-4o".into()),
        ("inputTokens", 812.into()),
        ("output_tokens", 95.into()),
        ("prompt_tokens", 812.into()),
        ("queryHash", "c0535e4be2b79ffd".into()),
        ("latencyMs", 12.5.into()),
        ("cached", true.into()),
        ("prompt", "Summarise the attached contract".into()),
        ("user_email", "ada@example.com".into()),
        ("apiKey", "sk_live_0123456789".into()),
        ("favorite_color", "teal".into()),
    ]));
    let keys: Vec<&str> = clean.iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            "input_tokens",
            "latency_ms",
            "model",
            "output_tokens",
            "prompt_tokens",
            "query_hash"
        ]
    );
    assert_eq!(clean.get("input_tokens"), Some(&Value::Int(812)));
    assert_eq!(clean.get("latency_ms"), Some(&Value::Float(12.5)));
    assert_eq!(sanitizer.counters().dropped_keys, 5);
    assert_eq!(
        sanitize_metadata(map(&[("prompt", "x".into())])),
        Metadata::new()
    );
}

#[test]
fn drops_secret_and_personal_values_under_allowed_keys() {
    let sanitizer = Sanitizer::new();
    let clean = sanitizer.sanitize_metadata(map(&[
        ("region", "eu-west-1".into()),
        ("customer_id", "ada@example.com".into()),
        ("tool_name", "sk-proj-abcdefghijklmnopqrstuvwx".into()),
        ("route", "Bearer abc123def456ghi".into()),
        ("provider", "AKIAIOSFODNN7EXAMPLE".into()),
        ("method", "4242 4242 4242 4242".into()),
        (
            "status",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl".into(),
        ),
        ("attempt", f64::NAN.into()),
        ("status_code", 4242424242424242_i64.into()),
        ("duration_ms", f64::INFINITY.into()),
    ]));
    assert_eq!(clean, map(&[("region", "eu-west-1".into())]));
    let timestamps = map(&[
        ("started_ms", 1_732_867_200_000_i64.into()),
        ("deadline_ms", 1_732_867_200_123_456_789_i64.into()),
        ("total_tokens", 4_242_i64.into()),
    ]);
    assert_eq!(sanitizer.sanitize_metadata(timestamps.clone()), timestamps);
    assert_eq!(sanitizer.counters().dropped_values, 9);
}

#[test]
fn cuts_long_strings_on_a_char_boundary() {
    let sanitizer = Sanitizer::new();
    let long = "é".repeat(300);
    let clean = sanitizer.sanitize_metadata(map(&[("environment", long.clone().into())]));
    let Some(Value::Str(cut)) = clean.get("environment") else {
        panic!("value dropped: {clean:?}");
    };
    assert_eq!(cut.chars().count(), 256);
    assert!(long.starts_with(cut.as_str()));
    assert_eq!(sanitizer.counters().truncations, 1);
}

#[test]
fn normalised_duplicates_keep_one_value() {
    let clean = sanitize_metadata(map(&[
        ("queryHash", "aaaaaaaaaaaaaaaa".into()),
        ("query_hash", "bbbbbbbbbbbbbbbb".into()),
    ]));
    assert_eq!(clean.len(), 1);
    assert_eq!(
        clean.get("query_hash"),
        Some(&Value::from("aaaaaaaaaaaaaaaa"))
    );
}

#[test]
fn project_extension_allows_listed_keys_but_never_denied_ones() {
    let sanitizer =
        Sanitizer::new().allow_metadata(["planTier", "deployment", "prompt", "api_key"]);
    let clean = sanitizer.sanitize_metadata(map(&[
        ("plan_tier", "pro".into()),
        ("deployment", "canary".into()),
        ("prompt", "hello".into()),
        ("api_key", "k".into()),
        ("favorite_color", "teal".into()),
    ]));
    let keys: Vec<&str> = clean.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["deployment", "plan_tier"]);
    // The list is the sanitiser's: the plain rules still refuse those keys.
    let plain = sanitize_metadata(map(&[("plan_tier", "pro".into())]));
    assert!(plain.is_empty());
}

#[test]
fn free_text_is_redacted_in_place_and_cut() {
    let sanitizer = Sanitizer::new();
    let text = "charge failed for ada@example.com with card 4242-4242-4242-4242 \
                using key sk_live_51NzQpL2eZvKYlo2C and header Bearer 8f2a9c1d7e6b";
    let out = sanitizer.redact_text(text);
    assert_eq!(
        out,
        "charge failed for [redacted] with card [redacted] using key [redacted] and header [redacted]"
    );
    assert_eq!(sanitizer.counters().redactions, 4);
    assert_eq!(redact_text(&out), out);

    let long = format!("{} ada@example.com", "word ".repeat(100));
    let out = redact_text(&long);
    assert_eq!(out.chars().count(), 256);
    assert!(!out.contains('@'));
    assert_eq!(
        redact_text("search timed out after 30 s"),
        "search timed out after 30 s"
    );
}
