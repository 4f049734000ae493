//! Why a request is refused, in domain terms: what kind of refusal, the wire `code`, a message
//! and extra body fields. The store, the billing rules and the handlers return it; only the
//! `api` layer knows HTTP and maps a [`Kind`] to a status (`api::error_response`), so the
//! domain modules sit below the HTTP layer.

use serde_json::Value;

/// The class of a refusal; `api` maps each to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The request is malformed or a field is invalid (400).
    Invalid,
    /// No or an unknown API key (401).
    Unauthenticated,
    /// A billing rule refuses it, such as a spending cap (402).
    PaymentRequired,
    /// The key may not do this (403).
    Forbidden,
    /// The resource does not exist (404).
    NotFound,
    /// The resource is in a state that forbids it (409).
    Conflict,
    /// The body is over the size limit (413).
    TooLarge,
}

/// A refused request: `{"error": message, "code": CODE, ...extra}` on the wire.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) kind: Kind,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) extra: Vec<(&'static str, Value)>,
}

impl Refusal {
    pub(crate) fn new(kind: Kind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            extra: Vec::new(),
        }
    }

    /// `VALIDATION_ERROR`.
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::new(Kind::Invalid, "VALIDATION_ERROR", message)
    }

    /// `NOT_FOUND` with the message `{what} not found`.
    pub(crate) fn not_found(what: &str) -> Self {
        Self::new(Kind::NotFound, "NOT_FOUND", format!("{what} not found"))
    }

    pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, code, message)
    }

    /// Adds a field to the error body.
    pub(crate) fn with(mut self, key: &'static str, value: Value) -> Self {
        self.extra.push((key, value));
        self
    }
}
