//! Checkout: `POST /checkout`, the hosted page where a customer adds funds. The one
//! snake_case body of the API besides withdrawals.

use crate::metadata::Metadata;
use serde::{Deserialize, Serialize};

/// Body of `POST /checkout` (snake_case on the wire). The amount is in cents, from 500 ($5)
/// to 1 000 000 ($10 000); the return and cancel URLs must be `http(s)` and free of personal
/// data; the metadata is sanitised before sending.
///
/// ```
/// use drip_runtime::model::Checkout;
/// let c = Checkout::new(5_000, "https://app.example/paid").customer("cus_1");
/// let json = serde_json::to_value(&c).unwrap();
/// assert_eq!(json["customer_id"], "cus_1");
/// assert_eq!(json["return_url"], "https://app.example/paid");
/// assert!(json.get("cancel_url").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct Checkout {
    /// The Drip customer paying (else a customer is made after payment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Your id for a new customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_customer_id: Option<String>,
    /// Amount in cents.
    pub amount: u64,
    /// Where the customer goes after paying.
    pub return_url: String,
    /// Where the customer goes after cancelling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
    /// Metadata; sanitised before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl Checkout {
    /// A checkout of `amount_cents`, returning to `return_url`.
    pub fn new(amount_cents: u64, return_url: impl Into<String>) -> Self {
        Checkout {
            customer_id: None,
            external_customer_id: None,
            amount: amount_cents,
            return_url: return_url.into(),
            cancel_url: None,
            metadata: None,
        }
    }
    /// The Drip customer paying.
    pub fn customer(mut self, customer_id: impl Into<String>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }
    /// Your id for the customer made after payment.
    pub fn external_customer(mut self, external_customer_id: impl Into<String>) -> Self {
        self.external_customer_id = Some(external_customer_id.into());
        self
    }
    /// Where the customer goes after cancelling.
    pub fn cancel_url(mut self, url: impl Into<String>) -> Self {
        self.cancel_url = Some(url.into());
        self
    }
    /// Metadata.
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// Answer to `POST /checkout`. The official SDKs disagree on its case (Node reads
/// `expires_at`/`amount_usd`, Python `expiresAt`/`amountUsd`); both are accepted.
///
/// ```
/// use drip_runtime::model::CheckoutSession;
/// let snake: CheckoutSession = serde_json::from_str(
///     r#"{"id":"cs_1","url":"https://pay.example/cs_1","expires_at":"2026-01-01T00:30:00Z","amount_usd":50}"#,
/// ).unwrap();
/// let camel: CheckoutSession = serde_json::from_str(
///     r#"{"id":"cs_1","url":"https://pay.example/cs_1","expiresAt":"2026-01-01T00:30:00Z","amountUsd":50}"#,
/// ).unwrap();
/// assert_eq!(snake, camel);
/// assert_eq!(snake.amount_usd, Some(50.0));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct CheckoutSession {
    /// Session id.
    pub id: String,
    /// The payment page to send the customer to.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub url: String,
    /// When the session expires (RFC 3339).
    #[serde(
        default,
        alias = "expiresAt",
        deserialize_with = "super::wire::lenient"
    )]
    pub expires_at: Option<String>,
    /// The amount in USD.
    #[serde(
        default,
        alias = "amountUsd",
        deserialize_with = "super::wire::opt_f64"
    )]
    pub amount_usd: Option<f64>,
}
