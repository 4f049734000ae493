//! Run-time half of the privacy contract: the sanitiser, redaction, counters and `hash_id`.
//!
//! Every path that carries metadata or free text to Drip passes through here
//! before anything is queued, using the same rules as the compile-time checks
//! of the macros ([`crate::fields`]):
//!
//! * [`sanitize_metadata`]: keys normalised to snake_case and checked against
//!   the allowlist (with the project's extension, [`set_allowed_metadata`]);
//!   values kept only when they are finite, not secret- or personal-looking,
//!   and not a registered secret; strings cut to 256 characters.
//! * [`redact_text`]: secret and personal spans in free text become
//!   `[redacted]`; the text is cut to 256 characters.
//! * [`counters`]: what was dropped, redacted or cut; the first of each kind
//!   is logged through `tracing` (never the value).
//! * [`hash_id`](crate::hash_id): HMAC-SHA256 identifiers for things like `query_hash`.
//!
//! ```
//! use drip_runtime::Metadata;
//! use drip_runtime::privacy::{redact_text, sanitize_metadata};
//!
//! let mut m = Metadata::new();
//! m.insert("model", "gpt-4o");
//! m.insert("promptTokens", 812);
//! m.insert("prompt", "Summarise my medical history");
//! m.insert("customer_id", "ada@example.com");
//! let clean = sanitize_metadata(m);
//! assert_eq!(clean.len(), 2); // model, prompt_tokens
//! assert!(clean.get("prompt_tokens").is_some());
//!
//! assert_eq!(redact_text("no account for ada@example.com"), "no account for [redacted]");
//! ```

mod extension;
mod fingerprint;
mod hash;
mod redact;
mod sanitize;
mod secrets;
mod tally;

pub(crate) use hash::keyed_id;
pub use hash::{HASH_KEY_ENV, HashId};
pub use tally::PrivacyCounters;

use crate::metadata::{Metadata, Value};

pub(crate) use fingerprint::Refused;
pub(crate) use tally::{Kind, record};

/// What replaces a secret or personal span in free text.
pub const REDACTED: &str = "[redacted]";

/// Applies the key and value rules of [`crate::fields`] to `metadata`,
/// dropping (and counting) what is refused.
///
/// Keys are normalised to snake_case (`queryHash` → `query_hash`); a key
/// refused by [`check_key`](crate::fields::check_key) with the project's
/// extension is dropped; a value that is a non-finite float, a string that
/// (after being cut to 256 characters) looks like a secret or personal data,
/// or contains a registered secret is dropped. When two keys normalise to the
/// same one, the first in key order is kept. A map that needs no change is
/// returned without allocating. Sanitising the result again changes nothing.
///
/// ```
/// use drip_runtime::{Metadata, Value};
/// use drip_runtime::privacy::sanitize_metadata;
///
/// let m: Metadata = [
///     ("queryHash", Value::from("9f86d081884c7d65")),
///     ("latency_ms", Value::from(f64::NAN)),
///     ("api_key", Value::from("x")),
///     ("region", Value::from("sk_live_0123456789")),
/// ].into_iter().collect();
/// let clean = sanitize_metadata(m);
/// assert_eq!(clean.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["query_hash"]);
/// ```
pub fn sanitize_metadata(metadata: Metadata) -> Metadata {
    sanitize::sanitize_metadata(metadata)
}

/// Redacts secret-looking and personal data inside free text (descriptions,
/// error messages) and cuts it to 256 characters.
///
/// Detected spans (see [`crate::fields::find_sensitive`]) and registered
/// secrets become `[redacted]`. Redacting the result again changes nothing.
///
/// ```
/// use drip_runtime::privacy::redact_text;
/// assert_eq!(
///     redact_text("401 for Bearer abc123def456 (card 4111 1111 1111 1111)"),
///     "401 for [redacted] (card [redacted])"
/// );
/// assert_eq!(redact_text(&"x".repeat(1000)).chars().count(), 256);
/// ```
pub fn redact_text(text: &str) -> String {
    redact::redact_text(text)
}

/// Applies only the value rules, for a value whose key is trusted: keys that
/// `drip-macros` checked at compile time against the allowlist and the user's
/// manifest (generated code passes them as `&'static str`) and keys the SDK
/// itself writes. Returns `None` (and counts the drop) when the value must not
/// be sent; strings come back cut to 256 characters.
pub(crate) fn sanitize_value(key: &str, value: Value) -> Option<Value> {
    sanitize::sanitize_value(key, value)
}

/// Sets the project's own allowed metadata keys at run time, replacing any
/// earlier list (`Config::allow_metadata([...])` calls this at init).
///
/// Entries may be spelt in any case style. A key the rules deny (secrets,
/// content, personal data) stays refused even when listed.
///
/// ```
/// use drip_runtime::Metadata;
/// use drip_runtime::privacy::{sanitize_metadata, set_allowed_metadata};
///
/// set_allowed_metadata(["plan_tier", "deploymentRing"]);
/// let m: Metadata = [("planTier", "pro"), ("deployment_ring", "canary"), ("favorite_color", "red")]
///     .into_iter().collect();
/// assert_eq!(sanitize_metadata(m).len(), 2);
/// ```
pub fn set_allowed_metadata(keys: impl IntoIterator<Item = impl Into<String>>) {
    extension::set(keys.into_iter().map(Into::into).collect());
}

/// Adds the `[package.metadata.drip] allowed-metadata` list that `drip-macros`
/// read from the user's manifest at compile time, so hand-built metadata
/// (`drip::metadata!`) with those keys also passes the run-time sanitiser.
/// Generated code calls it; registering the same list again is cheap.
///
/// ```
/// use drip_runtime::Metadata;
/// use drip_runtime::privacy::{register_manifest_keys, sanitize_metadata};
/// static MANIFEST_KEYS: &[&str] = &["rolloutWave"];
/// let m: Metadata = [("rollout_wave", "w3")].into_iter().collect();
/// assert!(sanitize_metadata(m.clone()).is_empty(), "not a built-in key");
/// register_manifest_keys(MANIFEST_KEYS);
/// register_manifest_keys(MANIFEST_KEYS); // again: no change
/// assert_eq!(sanitize_metadata(m).len(), 1);
/// ```
#[doc(hidden)]
pub fn register_manifest_keys(keys: &'static [&'static str]) {
    extension::register_manifest(keys);
}

/// Totals of what the privacy rules removed since the process started.
///
/// ```
/// let c = drip_runtime::privacy::counters();
/// assert!(c.dropped_keys <= drip_runtime::privacy::counters().dropped_keys);
/// ```
pub fn counters() -> PrivacyCounters {
    tally::snapshot()
}

/// Registers a secret (the configured API key, a webhook signing secret)
/// that must never be sent as a value: values containing it are dropped,
/// free text has it redacted, and server answers have it scrubbed before they
/// reach an error, a log line or the dead-letter file. Strings shorter than 8
/// characters are ignored. A runtime registers its `hash_id` key
/// (`Config::hash_key`) when it starts.
///
/// ```
/// use drip_runtime::Metadata;
/// drip_runtime::privacy::register_secret("whsec_project_signing_secret_0001");
/// let m: Metadata = [("region", "x-whsec_project_signing_secret_0001")].into_iter().collect();
/// assert!(drip_runtime::privacy::sanitize_metadata(m).is_empty());
/// ```
pub fn register_secret(secret: &str) {
    secrets::register(secret);
}

/// A server answer with every registered secret scrubbed (`None`: nothing to
/// scrub, use the body as it is).
pub(crate) fn scrub_server_bytes(body: &[u8]) -> Option<Vec<u8>> {
    secrets::scrub_bytes(body)
}

/// Server-supplied or transport text with every registered secret scrubbed.
pub(crate) fn scrub_server_text(text: &str) -> String {
    secrets::scrub(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_never_sent() {
        let key = "pk_emulator_0123456789abcdef";
        register_secret(key);
        register_secret("short");
        let m: Metadata = [
            ("region", Value::from(format!("x{key}y"))),
            ("model", Value::from("short")),
        ]
        .into_iter()
        .collect();
        let clean = sanitize_metadata(m);
        assert_eq!(clean.get("region"), None);
        assert_eq!(clean.get("model"), Some(&Value::from("short")));
        assert_eq!(
            sanitize_value("region", Value::from(key)),
            None,
            "the trusted path checks values too"
        );
        let text = format!("auth failed with {key}!");
        assert_eq!(redact_text(&text), "auth failed with [redacted]!");
    }

    #[test]
    fn checked_keys_skip_the_key_rules_but_not_the_value_rules() {
        assert_eq!(
            sanitize_value("plan_tier", Value::from("pro")),
            Some(Value::from("pro"))
        );
        assert_eq!(
            sanitize_value("deployment", Value::from("ada@example.com")),
            None
        );
    }

    #[test]
    fn trusted_values_are_cut_and_checked() {
        assert_eq!(
            sanitize_value("tool_name", Value::from("web-search")),
            Some(Value::from("web-search"))
        );
        assert_eq!(
            sanitize_value("model", Value::from("ada@example.com")),
            None
        );
        assert_eq!(sanitize_value("latency_ms", Value::from(f64::NAN)), None);
        let Some(Value::Str(cut)) = sanitize_value("route", Value::from("a".repeat(500))) else {
            panic!("long value dropped");
        };
        assert_eq!(cut.len(), 256);
    }
}
