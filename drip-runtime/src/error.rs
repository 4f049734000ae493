//! The one error type of the drip runtime.

use std::time::Duration;

/// Everything that can go wrong in drip. Every message says what to do next.
///
/// The API key never appears in any variant.
///
/// ```
/// use drip_runtime::Error;
/// let e = Error::Validation { field: "quantity", reason: "must be finite".into() };
/// assert!(e.to_string().contains("quantity"));
/// assert!(!e.is_retryable());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration (key, base URL, spool directory …) is unusable.
    #[error("invalid drip configuration: {reason}")]
    Config {
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A public (`pk_`) key was used for an operation that needs a secret (`sk_`) key.
    #[error(
        "PUBLIC_KEY_NOT_ALLOWED: `{operation}` needs a secret key (sk_…); public keys (pk_…) cannot manage webhooks, rotate API keys or toggle feature flags"
    )]
    PublicKeyNotAllowed {
        /// The refused operation.
        operation: &'static str,
    },
    /// Input refused before anything was sent.
    #[error("invalid `{field}`: {reason}")]
    Validation {
        /// The offending field.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The API answered with an error status.
    #[error("Drip API error {status}{}: {message}", code.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default())]
    Api {
        /// HTTP status.
        status: u16,
        /// Machine-readable code from the body, e.g. `VALIDATION_ERROR`.
        code: Option<String>,
        /// Message from the body.
        message: String,
    },
    /// HTTP 429 after all retries.
    #[error("rate limited by the Drip API{}; slow down or retry later", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// The request did not complete within the configured timeout.
    #[error("request to the Drip API timed out; check connectivity or raise the timeout")]
    Timeout,
    /// The connection failed or broke before a response arrived.
    #[error(
        "network error talking to the Drip API: {message}; check DRIP_API_URL and connectivity"
    )]
    Network {
        /// What failed (never contains the key).
        message: String,
    },
    /// The response could not be decoded.
    #[error("could not decode the Drip API response: {message}")]
    Decode {
        /// What failed.
        message: String,
    },
    /// A local file operation (spool, dead letters) failed.
    #[error("{context}: {source}")]
    Io {
        /// What drip was doing.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// HTTP statuses worth another attempt: the one list both the client's
/// attempt loop and [`Error::is_retryable`] use.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

impl Error {
    /// Whether the same request may succeed if sent again (408, 429, 5xx that are
    /// retryable, timeouts, connection failures).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } => is_retryable_status(*status),
            Error::RateLimited { .. } | Error::Timeout | Error::Network { .. } => true,
            _ => false,
        }
    }

    /// The server's requested delay before a retry, if it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            Error::PublicKeyNotAllowed { .. } => Some(403),
            _ => None,
        }
    }

    /// The machine-readable code, for API errors and key-scope refusals.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => code.as_deref(),
            Error::PublicKeyNotAllowed { .. } => Some("PUBLIC_KEY_NOT_ALLOWED"),
            _ => None,
        }
    }
}
