//! Withdrawals of the business's USDC to a bank: a fee of 1 % (100 basis points), `PENDING`
//! until settled; only a pending withdrawal can be cancelled.

use serde::{Deserialize, Serialize};

use crate::refusal::Refusal;

/// Smallest and largest withdrawal, in USDC.
pub(crate) const AMOUNT_USDC: std::ops::RangeInclusive<f64> = 10.0..=100_000.0;

/// The fee, in basis points.
pub(crate) const FEE_BPS: u32 = 100;

/// The statuses a listing may filter by.
pub(crate) const STATUSES: [&str; 8] = [
    "PENDING",
    "ONCHAIN_PENDING",
    "ONCHAIN_CONFIRMED",
    "OFFRAMP_PENDING",
    "OFFRAMP_PROCESSING",
    "COMPLETE",
    "FAILED",
    "CANCELLED",
];

/// A withdrawal made with `POST /withdrawals`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct WithdrawalRecord {
    pub(crate) id: String,
    pub(crate) status: String,
    pub(crate) amount_usdc: f64,
    pub(crate) bank_description: Option<String>,
    pub(crate) idempotency_key: String,
    pub(crate) created_at: String,
    pub(crate) completed_at: Option<String>,
}

/// The fee on `amount` USDC.
pub(crate) fn fee(amount: f64) -> f64 {
    (amount * f64::from(FEE_BPS) / 10_000.0 * 1e6).round() / 1e6
}

impl WithdrawalRecord {
    /// Cancels a pending withdrawal.
    pub(crate) fn cancel(&mut self) -> Result<(), Refusal> {
        if self.status != "PENDING" {
            return Err(Refusal::conflict(
                "WITHDRAWAL_NOT_CANCELLABLE",
                format!(
                    "withdrawal {} is {}; only a PENDING one can be cancelled",
                    self.id, self.status
                ),
            ));
        }
        self.status = "CANCELLED".into();
        Ok(())
    }
}
