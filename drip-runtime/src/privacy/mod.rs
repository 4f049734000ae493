//! Run-time half of the privacy contract: sanitiser, redaction, `hash_id`.
//!
//! STUB written at project set-up (identity functions); the privacy work
//! replaces the bodies, keeping these signatures.

use crate::metadata::Metadata;

/// Applies the key and value rules of `crate::fields` to `metadata`,
/// dropping (and counting) what is refused.
pub fn sanitize_metadata(metadata: Metadata) -> Metadata {
    metadata
}

/// Redacts secret-looking and personal data inside free text (descriptions,
/// error messages) and cuts it to 256 characters.
pub fn redact_text(text: &str) -> String {
    text.to_owned()
}

/// Registers a secret (the configured API key) that must never be sent as a value.
#[allow(dead_code)] // STUB
pub(crate) fn register_secret(_secret: &str) {}
