//! The run-time sanitiser and redaction on arbitrary input: never panic; the
//! output has only allowed keys and valid values; sanitising and redacting
//! are idempotent; redacted text is at most 256 characters with nothing
//! sensitive left.
#![no_main]

use drip_runtime::fields::{MAX_STRING_CHARS, check_key, check_literal_str, find_sensitive};
use drip_runtime::{Metadata, Value};
use drip_runtime::privacy::{redact_text, sanitize_metadata};
use libfuzzer_sys::fuzz_target;

/// `key=value` lines; the value's first byte picks its type.
fn metadata(text: &str) -> Metadata {
    let mut m = Metadata::new();
    for line in text.lines() {
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        let value = match value.as_bytes().first() {
            Some(b'#') => Value::Int(value[1..].parse().unwrap_or(0)),
            Some(b'~') => Value::Float(value[1..].parse().unwrap_or(f64::NAN)),
            Some(b'!') => Value::Bool(value.len() % 2 == 0),
            _ => Value::Str(value.to_owned()),
        };
        m.insert(key, value);
    }
    m
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    let clean = sanitize_metadata(metadata(&text));
    for (key, value) in clean.iter() {
        assert_eq!(check_key(key, &[]).as_deref(), Ok(key));
        match value {
            Value::Str(s) => {
                assert!(s.chars().count() <= MAX_STRING_CHARS);
                assert_eq!(check_literal_str(s), Ok(()));
            }
            Value::Float(f) => assert!(f.is_finite()),
            _ => {}
        }
    }
    assert_eq!(sanitize_metadata(clean.clone()), clean);

    let redacted = redact_text(&text);
    assert!(redacted.chars().count() <= MAX_STRING_CHARS);
    assert_eq!(find_sensitive(&redacted), None);
    assert_eq!(redact_text(&redacted), redacted);
});
