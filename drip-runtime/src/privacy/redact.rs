//! Redaction of free text (descriptions, error messages).

use super::sanitize::cut_string;
use super::tally::Kind;
use super::{REDACTED, Sanitizer, secrets};
use crate::fields::{ValueRefusal, deobfuscate, detection_window, find_sensitive_from};
use std::borrow::Cow;

/// Passes after which text that keeps changing is replaced whole (fail closed).
const MAX_PASSES: usize = 4;

pub(crate) fn redact_text(rules: &Sanitizer, text: &str) -> String {
    // Only the window can survive the cut; reading more would only cost time.
    let mut out = detection_window(text).to_owned();
    let redacted = redact_once(rules, &mut out);
    if !cut_string(rules, &mut out) && !redacted {
        // Nothing found, nothing cut: already a fixed point.
        return out;
    }
    // Cutting can expose a shorter match (e.g. the first 16 digits of a longer
    // number); repeat until nothing changes so that redacting twice is a no-op.
    for _ in 0..MAX_PASSES {
        let mut next = out.clone();
        redact_once(rules, &mut next);
        cut_string(rules, &mut next);
        if next == out {
            return out;
        }
        out = next;
    }
    REDACTED.to_owned()
}

/// One pass of replacements; whether anything was replaced.
fn redact_once(rules: &Sanitizer, text: &mut String) -> bool {
    // A secret split by invisible characters or hidden in an encoding is only
    // visible in the plain form: then that form is what gets redacted.
    let plain = match deobfuscate(text) {
        Cow::Owned(plain)
            if find_sensitive_from(&plain, 0).is_some() || secrets::appears_in(&plain) =>
        {
            Some(plain)
        }
        _ => None,
    };
    if let Some(plain) = plain {
        *text = plain;
    }
    let registered = secrets::replace_in(text);
    if registered > 0 {
        count(rules, registered, None);
    }
    let mut pos = 0;
    let mut found = registered > 0;
    while let Some((span, kind)) = find_sensitive_from(text, pos) {
        text.replace_range(span.clone(), REDACTED);
        pos = span.start + REDACTED.len();
        count(rules, 1, Some(kind));
        found = true;
    }
    found
}

fn count(rules: &Sanitizer, n: u64, kind: Option<ValueRefusal>) {
    for _ in 0..n {
        if rules.count(Kind::Redaction) {
            match kind {
                Some(kind) => tracing::warn!(target: "drip::privacy",
                    class = kind.class(),
                    "drip redacted free text ({kind}); the text is not logged and further redactions are only counted"
                ),
                None => tracing::warn!(target: "drip::privacy",
                    "drip redacted a configured secret from free text; further redactions are only counted"
                ),
            }
        }
    }
}
