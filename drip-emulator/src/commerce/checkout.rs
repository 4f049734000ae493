//! Checkout sessions: a hosted page where a customer adds funds. The emulator serves no page;
//! [`crate::EmulatorHandle::complete_checkout`] plays the customer paying, which funds the
//! balance.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Smallest and largest amount of one checkout, in cents.
pub(crate) const AMOUNT_CENTS: std::ops::RangeInclusive<u64> = 500..=1_000_000;

/// How long a session stays open.
pub(crate) const TTL_MS: u64 = 30 * 60 * 1000;

/// A checkout session made with `POST /checkout`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CheckoutRecord {
    pub(crate) id: String,
    pub(crate) customer_id: Option<String>,
    pub(crate) external_customer_id: Option<String>,
    pub(crate) amount_cents: u64,
    pub(crate) return_url: String,
    pub(crate) cancel_url: Option<String>,
    pub(crate) metadata: Option<Value>,
    /// `OPEN` until paid, then `COMPLETE`.
    pub(crate) status: String,
    pub(crate) created_at: String,
    pub(crate) expires_at: String,
}

impl CheckoutRecord {
    /// The amount in USD (= USDC credited when paid).
    pub(crate) fn amount_usd(&self) -> f64 {
        self.amount_cents as f64 / 100.0
    }

    /// The payment page of the session (a reserved, never-resolving host: the emulator serves
    /// no page).
    pub(crate) fn url(&self) -> String {
        format!("https://checkout.emulator.invalid/{}", self.id)
    }
}
