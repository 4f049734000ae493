//! Refusal log lines name a class, a length and a keyed fingerprint, never
//! the refused key or value (a key that is itself a card number, a value that
//! is an AWS key id). One test in this binary: the first refusal of each kind
//! in the process is the one logged.

use drip_runtime::privacy::sanitize_metadata;
use drip_runtime::{Metadata, Value};

#[path = "../../tests/support/log_buffer.rs"]
mod log_buffer;
use log_buffer::LogBuffer as Logs;

#[test]
fn refusals_are_logged_by_class_length_and_fingerprint_only() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    // The first refusal of each kind in the process is the one logged; this
    // is the only test in the binary, so these are the first.
    let card_key = "4111111111111111";
    let aws_value = "AKIAIOSFODNN7EXAMPLE";
    tracing::subscriber::with_default(subscriber, || {
        let m: Metadata = [
            (card_key, Value::from(1)),
            ("region", Value::from(aws_value)),
        ]
        .into_iter()
        .collect();
        assert!(sanitize_metadata(m).is_empty());
    });
    let text =
        String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(!text.contains(card_key), "{text}");
    assert!(!text.contains(aws_value), "{text}");
    assert!(!text.contains("AKIA"), "{text}");
    assert!(text.contains("class=aws_access_key len=20 fp="), "{text}");
    assert!(text.contains("len=16 fp="), "{text}");
}
