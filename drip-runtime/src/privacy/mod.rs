//! Run-time half of the privacy contract: the sanitiser, redaction, counters and `hash_id`.
//!
//! Every path that carries metadata or free text to Drip passes through here
//! before anything is spooled or sent, using the same rules as the
//! compile-time checks of the macros ([`crate::fields`]):
//!
//! * [`Sanitizer`]: the rules with a project's own allowed keys, and the
//!   counters of what they removed. Each runtime has its own (from
//!   `Config::allow_metadata`), shared by its pipeline and its client.
//! * [`sanitize_metadata`]: keys normalised to snake_case and checked against
//!   the allowlist; values kept only when they are finite, not secret- or
//!   personal-looking, and not a registered secret; strings cut to 256
//!   characters.
//! * [`redact_text`]: secret and personal spans in free text become
//!   `[redacted]`; the text is cut to 256 characters.
//! * [`PrivacyCounters`]: what was dropped, redacted or cut, per runtime in
//!   `drip::stats().privacy`; the first of each kind is logged through
//!   `tracing` (never the value).
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

mod fingerprint;
mod hash;
mod manifest;
mod redact;
mod sanitize;
mod sanitizer;
mod secrets;
mod tally;

pub(crate) use hash::keyed_id;
pub use hash::{HASH_KEY_ENV, HashId};
pub use sanitizer::Sanitizer;
pub use tally::PrivacyCounters;

pub(crate) use fingerprint::Refused;
pub(crate) use manifest::register as register_manifest_keys;
pub(crate) use tally::Kind;

/// What replaces a secret or personal span in free text.
pub const REDACTED: &str = "[redacted]";

use crate::metadata::Metadata;

/// Applies the key and value rules of [`crate::fields`] to `metadata`,
/// dropping what is refused.
///
/// Keys are normalised to snake_case (`queryHash` → `query_hash`); a key
/// refused by [`check_key`](crate::fields::check_key) (with the keys of
/// `[package.metadata.drip] allowed-metadata`) is dropped; a value that is a
/// non-finite float, a string that (after being cut to 256 characters) looks
/// like a secret or personal data, or contains a registered secret is
/// dropped. When two keys normalise to the same one, the first in key order
/// is kept. A map that needs no change is returned without allocating.
/// Sanitising the result again changes nothing.
///
/// The drops are counted by no runtime; a runtime applies its own
/// [`Sanitizer`] (with its `Config::allow_metadata` keys) to what it sends.
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
    Sanitizer::new().sanitize_metadata(metadata)
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
    Sanitizer::new().redact_text(text)
}

/// Registers a secret (the configured API key, a webhook signing secret)
/// that must never be sent as a value: values containing it are dropped,
/// free text has it redacted, and server answers have it scrubbed before they
/// reach an error, a log line or the dead-letter file. Strings shorter than 8
/// characters are ignored. A runtime registers its `hash_id` key
/// (`Config::hash_key`) when it starts.
///
/// Secrets are known to the whole process, not to one runtime: a secret one
/// runtime or client holds (its API key) must not leave through another
/// either, whose own settings know nothing of it.
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
    use crate::metadata::Value;

    #[test]
    fn configured_keys_belong_to_their_sanitizer() {
        let listed = Sanitizer::new().allow_metadata(["rolloutCohort"]);
        let plain = Sanitizer::new();
        let m: Metadata = [("rollout_cohort", "b")].into_iter().collect();
        assert_eq!(listed.sanitize_metadata(m.clone()), m);
        assert!(plain.sanitize_metadata(m).is_empty());
        assert_eq!(listed.counters(), PrivacyCounters::default());
        assert_eq!(plain.counters().dropped_keys, 1);
    }

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
        let text = format!("auth failed with {key}!");
        assert_eq!(redact_text(&text), "auth failed with [redacted]!");
    }
}
