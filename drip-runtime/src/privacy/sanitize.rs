//! The run-time key and value rules for metadata maps.

use super::Sanitizer;
use super::fingerprint::Refused;
use super::secrets;
use super::tally::Kind;
use crate::fields::{
    KeyRefusal, MAX_STRING_CHARS, SuffixRefusal, ValueRefusal, check_literal_str,
    check_normalized_key, detection_window, find_sensitive, is_normalized, normalize_key,
    suffix_rule,
};
use crate::metadata::{Metadata, Value};

pub(crate) fn sanitize_metadata(rules: &Sanitizer, mut metadata: Metadata) -> Metadata {
    if metadata.iter().all(|(k, _)| is_normalized(k)) {
        // Common case: check in place, no allocation unless something changes.
        metadata.retain(|key, value| key_allowed(rules, key) && value_allowed(rules, key, value));
        return metadata;
    }
    let mut out = Metadata::new();
    for (raw, mut value) in metadata {
        let key = if is_normalized(&raw) {
            raw
        } else {
            normalize_key(&raw)
        };
        if !key_allowed(rules, &key) || !value_allowed(rules, &key, &mut value) {
            continue;
        }
        if out.get(&key).is_some() {
            // `queryHash` and `query_hash` both present: keep the first in key order.
            if rules.count(Kind::DroppedKey) {
                tracing::warn!(target: "drip::privacy",
                    refused = %Refused { class: "duplicate", text: &key },
                    "drip dropped a metadata field whose key duplicates another after normalisation to snake_case"
                );
            }
            continue;
        }
        out.insert(key, value);
    }
    out
}

/// Applies the key rules; counts and (the first time) logs a refusal.
fn key_allowed(rules: &Sanitizer, key: &str) -> bool {
    let Err(refusal) = check_normalized_key(key, |k| rules.extends(k)) else {
        return true;
    };
    if rules.count(Kind::DroppedKey) {
        // The key itself may be a secret or personal data (a card number, an
        // AWS key id): log what kind of refusal, never the key.
        let class = match &refusal {
            KeyRefusal::Empty => "empty",
            KeyRefusal::Secret { .. } => "secret",
            KeyRefusal::Content { .. } => "content",
            KeyRefusal::NotListed { .. } => "not_listed",
            _ => "malformed",
        };
        let suggestion = match &refusal {
            KeyRefusal::NotListed {
                suggestion: Some(s),
                ..
            } => *s,
            _ => "",
        };
        tracing::warn!(target: "drip::privacy",
            refused = %Refused { class, text: key },
            suggestion,
            "drip dropped a metadata field (the key is not logged); further drops are only counted"
        );
    }
    false
}

/// Applies the value rules in place: detection on the whole value in its
/// de-obfuscated form, the key's suffix rule, then the cut to 256
/// characters. False when the value must be dropped.
fn value_allowed(rules: &Sanitizer, key: &str, value: &mut Value) -> bool {
    let rule = suffix_rule(key);
    let refused = match value {
        Value::Str(s) => {
            let found = check_literal_str(detection_window(s))
                .err()
                .map(ValueDrop::Detected);
            let refused = found
                .or_else(|| secrets::appears_in(s).then_some(ValueDrop::RegisteredSecret))
                .or_else(|| rule.check_str_detected(s).err().map(ValueDrop::Suffix));
            if refused.is_none() {
                cut_string(rules, s);
            }
            refused
        }
        Value::Float(f) if !f.is_finite() => Some(ValueDrop::NotFinite),
        // 13+ digits: could be a card number sent as an integer.
        Value::Int(n) if n.unsigned_abs() >= 1_000_000_000_000 => {
            find_sensitive(&n.to_string()).map(|(_, kind)| ValueDrop::Detected(kind))
        }
        Value::Int(_) => None,
        Value::Float(_) => rule.check_scalar(true, false).err().map(ValueDrop::Suffix),
        Value::Bool(_) => rule.check_scalar(false, true).err().map(ValueDrop::Suffix),
    };
    let Some(reason) = refused else {
        return true;
    };
    if rules.count(Kind::DroppedValue) {
        let text = match value {
            Value::Str(s) => std::borrow::Cow::Borrowed(s.as_str()),
            Value::Int(n) => std::borrow::Cow::Owned(n.to_string()),
            Value::Float(f) => std::borrow::Cow::Owned(f.to_string()),
            Value::Bool(b) => std::borrow::Cow::Owned(b.to_string()),
        };
        let refused = Refused {
            class: reason.class(),
            text: &text,
        };
        if key_is_loggable(key) {
            tracing::warn!(target: "drip::privacy",
                key = %key,
                refused = %refused,
                reason = %reason,
                "drip dropped a metadata value (the value is not logged); further drops are only counted"
            );
        } else {
            tracing::warn!(target: "drip::privacy",
                refused = %refused,
                reason = %reason,
                "drip dropped a metadata value (neither key nor value is logged); further drops are only counted"
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
    Suffix(SuffixRefusal),
}

impl ValueDrop {
    fn class(&self) -> &'static str {
        match self {
            ValueDrop::Detected(kind) => kind.class(),
            ValueDrop::RegisteredSecret => "registered_secret",
            ValueDrop::NotFinite => "not_finite",
            ValueDrop::Suffix(SuffixRefusal::NotNumeric) => "measure_not_numeric",
            ValueDrop::Suffix(SuffixRefusal::NotHashShaped) => "hash_not_hash_shaped",
            ValueDrop::Suffix(_) => "id_not_identifier",
        }
    }
}

impl std::fmt::Display for ValueDrop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueDrop::Detected(kind) => kind.fmt(f),
            ValueDrop::RegisteredSecret => f.write_str("value contains a configured secret"),
            ValueDrop::NotFinite => f.write_str("value is not a finite number"),
            ValueDrop::Suffix(refusal) => refusal.fmt(f),
        }
    }
}

/// The trusted path may pass any key: log only keys that pass the key rules
/// and no detector.
fn key_is_loggable(key: &str) -> bool {
    check_normalized_key(key, |_| true).is_ok() && check_literal_str(key).is_ok()
}

/// Cuts `s` to [`MAX_STRING_CHARS`] characters (on a char boundary), counting a cut.
pub(crate) fn cut_string(rules: &Sanitizer, s: &mut String) -> bool {
    if s.len() <= MAX_STRING_CHARS {
        return false;
    }
    match s.char_indices().nth(MAX_STRING_CHARS) {
        Some((end, _)) => {
            s.truncate(end);
            if rules.count(Kind::Truncation) {
                tracing::warn!(target: "drip::privacy",
                    "drip cut a string to {MAX_STRING_CHARS} characters; further cuts are only counted"
                );
            }
            true
        }
        None => false,
    }
}
