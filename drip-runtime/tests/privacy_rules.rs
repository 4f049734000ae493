//! The rules a user notices one by one: detection before the cut, suffix
//! semantics, the identifier rule in the client (typed error, nothing sent).

use drip_runtime::model::{CreateCustomer, StartRun, TrackUsage};
use drip_runtime::privacy::{Sanitizer, redact_text, sanitize_metadata};
use drip_runtime::{Client, Error};
use drip_runtime::{Metadata, Value};

fn one(key: &str, value: impl Into<Value>) -> Metadata {
    let mut m = Metadata::new();
    m.insert(key, value);
    m
}

#[test]
fn a_secret_straddling_the_cut_is_found_before_cutting() {
    let key = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123";
    for pad in [240, 245, 248, 250, 255] {
        let value = format!("{} {key}", "x".repeat(pad));
        assert!(
            sanitize_metadata(one("region", value.as_str())).is_empty(),
            "pad {pad}: dropped, not cut and sent"
        );
        let redacted = redact_text(&value);
        assert!(!redacted.contains("sk-proj"), "pad {pad}: {redacted}");
        assert!(redacted.chars().count() <= 256);
    }
    // A long benign value is still cut, not dropped.
    let clean = sanitize_metadata(one("region", "y".repeat(400)));
    assert_eq!(clean.get("region"), Some(&Value::from("y".repeat(256))));
}

#[test]
fn suffixes_mean_what_they_say_at_run_time() {
    let _cap = drip_runtime::testing::capture(); // a runtime with a hash key
    let hash = drip_runtime::hash_id("what is my balance").expect("keyed");
    let sanitizer = Sanitizer::new();
    let m: Metadata = [
        ("prompt_hash", Value::from("Summarise my medical history")),
        ("query_hash", Value::from(hash.clone())),
        (
            "document_hash",
            Value::from("e3b0c44298fc1c149afbf4c8996fb924"),
        ),
        ("prompt_tokens", Value::from("812")),
        ("input_tokens", Value::from(812)),
        ("latency_ms", Value::from(true)),
        ("duration_ms", Value::from(12.5)),
        ("customer_id", Value::from("summarise  my\nhistory")),
        ("request_id", Value::from("req_01J9Z3K4X5")),
        ("model", Value::from("gpt-4o")),
        ("tool_name", Value::from("a".repeat(200))),
    ]
    .into_iter()
    .collect();
    let clean = sanitizer.sanitize_metadata(m);
    let mut kept: Vec<&str> = clean.iter().map(|(k, _)| k).collect();
    kept.sort_unstable();
    assert_eq!(
        kept,
        [
            "document_hash",
            "duration_ms",
            "input_tokens",
            "model",
            "query_hash",
            "request_id"
        ]
    );
    assert_eq!(clean.get("query_hash"), Some(&Value::from(hash.as_str())));
    assert_eq!(sanitizer.counters().dropped_values, 5);
}

async fn client(emulator: &drip_emulator::EmulatorHandle) -> Client {
    Client::builder()
        .api_key(emulator.secret_key())
        .base_url(emulator.base_url())
        .build()
        .expect("client")
}

#[tokio::test]
async fn identifiers_are_refused_before_any_request() {
    let emulator = drip_emulator::Emulator::start().await.expect("emulator");
    let client = client(&emulator).await;
    let refused = [
        client
            .track_usage(TrackUsage::new("ada@example.com", "api_calls", 1.0))
            .await
            .map(drop),
        client
            .track_usage(TrackUsage::new("cus_1", "sk_live_51HxYzAbCdEfGh", 1.0))
            .await
            .map(drop),
        client
            .start_run(StartRun::new("cus_1", "wf_1").correlation_id("a  b"))
            .await
            .map(drop),
        client
            .create_customer(CreateCustomer::external("x".repeat(129)))
            .await
            .map(drop),
        client.get_customer("078-05-1120").await.map(drop),
    ];
    for (i, result) in refused.into_iter().enumerate() {
        match result {
            Err(Error::Validation { field, reason }) => {
                assert!(!field.is_empty());
                for value in ["ada@example.com", "sk_live_51HxYzAbCdEfGh", "078-05-1120"] {
                    assert!(!reason.contains(value), "{reason}");
                }
            }
            other => panic!("call {i}: {other:?}"),
        }
    }
    assert!(emulator.requests().is_empty(), "nothing was sent");
    // Ordinary identifiers go through.
    client
        .track_usage(TrackUsage::new("cus_8f14e45f", "api_calls", 1.0))
        .await
        .expect("an opaque id is accepted");
    assert_eq!(emulator.requests().len(), 1);
}

#[test]
fn a_huge_value_costs_a_bounded_scan_and_is_cut() {
    // Pathological for checksum patterns: endless IBAN-like candidates.
    let huge = "GB00 0000 ".repeat(200_000);
    let redacted = redact_text(&huge);
    assert!(redacted.chars().count() <= 256);
    let clean = sanitize_metadata(one("region", huge.as_str()));
    if let Some(Value::Str(kept)) = clean.get("region") {
        assert_eq!(kept.chars().count(), 256);
    }
    let tail_secret = format!("{}{}", "y ".repeat(10_000), "sk_live_51HxYzAbCdEfGh");
    let clean = sanitize_metadata(one("region", tail_secret.as_str()));
    let sent = clean
        .get("region")
        .map(|v| format!("{v:?}"))
        .unwrap_or_default();
    assert!(
        !sent.contains("sk_live"),
        "what lies past the window is never sent"
    );
}
