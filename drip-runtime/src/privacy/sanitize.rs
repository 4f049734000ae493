//! The run-time key and value rules for metadata maps.

use super::counters::{Kind, record};
use super::{extension, secrets};
use crate::fields::{
    KeyRefusal, MAX_STRING_CHARS, ValueRefusal, check_normalized_key, find_sensitive,
    is_normalized, normalize_key,
};
use crate::metadata::{Metadata, Value};

pub(crate) fn sanitize_metadata(mut metadata: Metadata) -> Metadata {
    if metadata.iter().all(|(k, _)| is_normalized(k)) {
        // Common case: check in place, no allocation unless something changes.
        metadata.retain(|key, value| key_allowed(key) && value_allowed(key, value));
        return metadata;
    }
    let mut out = Metadata::new();
    for (raw, mut value) in metadata {
        let key = if is_normalized(&raw) {
            raw
        } else {
            normalize_key(&raw)
        };
        if !key_allowed(&key) || !value_allowed(&key, &mut value) {
            continue;
        }
        if out.get(&key).is_some() {
            // `queryHash` and `query_hash` both present: keep the first in key order.
            if record(Kind::DroppedKey) {
                tracing::warn!(target: "drip::privacy",
                    key = %key,
                    "drip dropped a metadata field whose key duplicates another after normalisation to snake_case"
                );
            }
            continue;
        }
        out.insert(key, value);
    }
    out
}

pub(crate) fn sanitize_value(key: &str, mut value: Value) -> Option<Value> {
    value_allowed(key, &mut value).then_some(value)
}

/// Applies the key rules; counts and (the first time) logs a refusal.
fn key_allowed(key: &str) -> bool {
    let Err(refusal) = check_normalized_key(key, extension::contains) else {
        return true;
    };
    if record(Kind::DroppedKey) {
        match &refusal {
            // The key itself may be sensitive: do not log it.
            KeyRefusal::Secret { .. } | KeyRefusal::Malformed { .. } => {
                tracing::warn!(target: "drip::privacy",
                    "drip dropped a metadata field whose key names a secret or is not a valid field name; further drops are only counted"
                )
            }
            other => tracing::warn!(target: "drip::privacy",
                key = %key,
                reason = %other,
                hint = %other.hint(),
                "drip dropped a metadata field; further drops are only counted"
            ),
        }
    }
    false
}

/// Applies the value rules in place (cuts long strings); false when the value
/// must be dropped.
fn value_allowed(key: &str, value: &mut Value) -> bool {
    let refused = match value {
        Value::Str(s) => {
            cut_string(s);
            match find_sensitive(s) {
                Some((_, kind)) => Some(ValueDrop::Detected(kind)),
                None if secrets::appears_in(s) => Some(ValueDrop::RegisteredSecret),
                None => None,
            }
        }
        Value::Float(f) if !f.is_finite() => Some(ValueDrop::NotFinite),
        // 13+ digits: could be a card number sent as an integer.
        Value::Int(n) if n.unsigned_abs() >= 1_000_000_000_000 => {
            find_sensitive(&n.to_string()).map(|(_, kind)| ValueDrop::Detected(kind))
        }
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => None,
    };
    let Some(reason) = refused else {
        return true;
    };
    if record(Kind::DroppedValue) {
        if key_is_loggable(key) {
            tracing::warn!(target: "drip::privacy",
                key = %key,
                reason = %reason,
                "drip dropped a metadata value (the value is not logged); further drops are only counted"
            );
        } else {
            tracing::warn!(target: "drip::privacy",
                reason = %reason,
                "drip dropped a metadata value (the value is not logged); further drops are only counted"
            );
        }
    }
    false
}

/// Why a value was dropped, for the log line (never the value itself).
enum ValueDrop {
    Detected(ValueRefusal),
    RegisteredSecret,
    NotFinite,
}

impl std::fmt::Display for ValueDrop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueDrop::Detected(kind) => kind.fmt(f),
            ValueDrop::RegisteredSecret => f.write_str("value contains a configured secret"),
            ValueDrop::NotFinite => f.write_str("value is not a finite number"),
        }
    }
}

/// The trusted path may pass any key: log only keys that pass the key rules.
fn key_is_loggable(key: &str) -> bool {
    check_normalized_key(key, |_| true).is_ok()
}

/// Cuts `s` to [`MAX_STRING_CHARS`] characters (on a char boundary), counting a cut.
pub(crate) fn cut_string(s: &mut String) -> bool {
    if s.len() <= MAX_STRING_CHARS {
        return false;
    }
    match s.char_indices().nth(MAX_STRING_CHARS) {
        Some((end, _)) => {
            s.truncate(end);
            if record(Kind::Truncation) {
                tracing::warn!(target: "drip::privacy",
                    "drip cut a string to {MAX_STRING_CHARS} characters; further cuts are only counted"
                );
            }
            true
        }
        None => false,
    }
}
