//! Withdrawals of your USDC to a bank: `/withdrawals…` (snake_case both ways, the one other
//! snake_case resource besides checkout).

use serde::{Deserialize, Serialize, Serializer};

fn usdc_text<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&value.to_string())
}

/// Body of `POST /withdrawals`. The amount (USDC, sent as decimal text) must be finite and
/// positive; the idempotency key is made once per call when absent and reused on retries, so
/// a retried withdrawal never pays out twice; the bank description is redacted.
///
/// ```
/// use drip_runtime::model::Withdraw;
/// let w = Withdraw::new(100.0).idempotency_key("payout-2026-01").bank_description("Main account");
/// let json = serde_json::to_value(&w).unwrap();
/// assert_eq!(json["amount_usdc"], "100");
/// assert_eq!(json["idempotency_key"], "payout-2026-01");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct Withdraw {
    /// Amount in USDC.
    #[serde(serialize_with = "usdc_text")]
    pub amount_usdc: f64,
    /// Made once per call when absent; reused on every retry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// How the bank account is shown (e.g. `Main account`); redacted before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_description: Option<String>,
}

impl Withdraw {
    /// Withdraws `amount_usdc`.
    pub fn new(amount_usdc: f64) -> Self {
        Withdraw {
            amount_usdc,
            idempotency_key: None,
            bank_description: None,
        }
    }
    /// Uses `key` instead of an automatic one: the same key never pays out twice.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
    /// How the bank account is shown.
    pub fn bank_description(mut self, description: impl Into<String>) -> Self {
        self.bank_description = Some(description.into());
        self
    }
}

/// The state of a withdrawal.
///
/// ```
/// use drip_runtime::model::WithdrawalStatus;
/// let s: WithdrawalStatus = serde_json::from_str("\"OFFRAMP_PENDING\"").unwrap();
/// assert_eq!(s, WithdrawalStatus::OfframpPending);
/// assert_eq!(WithdrawalStatus::Cancelled.as_str(), Some("CANCELLED"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum WithdrawalStatus {
    /// Accepted, not started.
    Pending,
    /// On-chain transfer sent.
    OnchainPending,
    /// On-chain transfer confirmed.
    OnchainConfirmed,
    /// Waiting for the off-ramp.
    OfframpPending,
    /// The off-ramp is paying out.
    OfframpProcessing,
    /// Paid out.
    Complete,
    /// Failed.
    Failed,
    /// Cancelled.
    Cancelled,
    /// A state this version does not know.
    #[default]
    #[serde(other)]
    Other,
}

impl WithdrawalStatus {
    /// The wire form (`None` for [`WithdrawalStatus::Other`]).
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            WithdrawalStatus::Pending => "PENDING",
            WithdrawalStatus::OnchainPending => "ONCHAIN_PENDING",
            WithdrawalStatus::OnchainConfirmed => "ONCHAIN_CONFIRMED",
            WithdrawalStatus::OfframpPending => "OFFRAMP_PENDING",
            WithdrawalStatus::OfframpProcessing => "OFFRAMP_PROCESSING",
            WithdrawalStatus::Complete => "COMPLETE",
            WithdrawalStatus::Failed => "FAILED",
            WithdrawalStatus::Cancelled => "CANCELLED",
            WithdrawalStatus::Other => return None,
        })
    }
}

/// A withdrawal. Amounts are exact decimal text (USDC).
///
/// ```
/// let w: drip_runtime::model::Withdrawal = serde_json::from_str(
///     r#"{"id":"wd_1","status":"PENDING","amount_usdc":"100","fee_usdc":"1","net_amount_usdc":"99",
///         "fiat_currency":"USD","bank_description":null,"created_at":"2026-01-01T00:00:00Z","completed_at":null}"#,
/// ).unwrap();
/// assert_eq!(w.net_amount_usdc.as_deref(), Some("99"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Withdrawal {
    /// Server id.
    pub id: String,
    /// Its state.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub status: WithdrawalStatus,
    /// Gross amount.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub amount_usdc: Option<String>,
    /// The off-ramp fee.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub fee_usdc: Option<String>,
    /// What arrives.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub net_amount_usdc: Option<String>,
    /// The fiat currency paid out.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub fiat_currency: Option<String>,
    /// How the bank account is shown.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub bank_description: Option<String>,
    /// RFC 3339 creation time.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub created_at: Option<String>,
    /// RFC 3339 completion time.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub completed_at: Option<String>,
}

/// Query of `GET /withdrawals`.
///
/// ```
/// use drip_runtime::model::{ListWithdrawals, WithdrawalStatus};
/// let q = ListWithdrawals::new().status(WithdrawalStatus::Pending).limit(10);
/// assert_eq!(q.limit, Some(10));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
#[must_use]
pub struct ListWithdrawals {
    /// Only withdrawals in this state.
    pub status: Option<WithdrawalStatus>,
    /// Page size, 1 to 100.
    pub limit: Option<u32>,
    /// Withdrawals to skip.
    pub offset: Option<u32>,
}

impl ListWithdrawals {
    /// Every withdrawal, first page.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only those in `status`.
    pub fn status(mut self, status: WithdrawalStatus) -> Self {
        self.status = Some(status);
        self
    }
    /// Page size, 1 to 100.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Withdrawals to skip.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }
}

/// A page of `GET /withdrawals` (`{withdrawals, total}`).
///
/// ```
/// let l: drip_runtime::model::WithdrawalList = serde_json::from_str(r#"{"withdrawals":[],"total":4}"#).unwrap();
/// assert_eq!(l.total, 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct WithdrawalList {
    /// The page.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub withdrawals: Vec<Withdrawal>,
    /// All matching withdrawals.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub total: u64,
}

/// Answer to `GET /withdrawals/fee-estimate`.
///
/// ```
/// let f: drip_runtime::model::WithdrawalFeeEstimate = serde_json::from_str(
///     r#"{"amount_usdc":"100","fee_usdc":"1","net_amount_usdc":"99","fee_bps":100,
///         "fee_percent":"1%","method":"ACH","estimated_arrival":"1-3 business days"}"#,
/// ).unwrap();
/// assert_eq!(f.fee_bps, Some(100));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct WithdrawalFeeEstimate {
    /// Gross amount.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub amount_usdc: Option<String>,
    /// The fee.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub fee_usdc: Option<String>,
    /// What would arrive.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub net_amount_usdc: Option<String>,
    /// The fee in basis points.
    #[serde(default, deserialize_with = "super::wire::opt_u64")]
    pub fee_bps: Option<u64>,
    /// The fee as a percentage text.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub fee_percent: Option<String>,
    /// Payout method, e.g. `ACH`.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub method: Option<String>,
    /// When it would arrive.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub estimated_arrival: Option<String>,
}

/// Answer to `DELETE /withdrawals/{id}`.
///
/// ```
/// use drip_runtime::model::{WithdrawalCancelled, WithdrawalStatus};
/// let c: WithdrawalCancelled = serde_json::from_str(r#"{"id":"wd_1","status":"CANCELLED","cancelled":true}"#).unwrap();
/// assert_eq!(c.status, WithdrawalStatus::Cancelled);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct WithdrawalCancelled {
    /// The withdrawal.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub id: String,
    /// Its state now.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub status: WithdrawalStatus,
    /// Whether it was cancelled.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub cancelled: bool,
}
