//! Charges (usage that is billed): `POST /usage`, `POST /usage/async`.

use crate::metadata::Metadata;
use serde::{Deserialize, Serialize};

/// A charge request (`charge` / `chargeAsync`). The meter goes out as `usageType`.
///
/// The quantity must be finite and not negative: unlike the official SDKs,
/// NaN and infinities are refused before sending.
///
/// ```
/// use drip_runtime::model::Charge;
/// let c = Charge::new("cus_1", "tokens", 1_200.0).idempotency_key("order-7");
/// let json = serde_json::to_value(&c).unwrap();
/// assert_eq!(json["usageType"], "tokens");
/// assert_eq!(json["idempotencyKey"], "order-7");
/// assert!(json.get("metadata").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct Charge {
    /// Drip customer id.
    pub customer_id: String,
    /// The meter (wire `usageType`).
    #[serde(rename = "usageType")]
    pub meter: String,
    /// Finite, non-negative quantity.
    pub quantity: f64,
    /// Made once per call when absent; reused on every retry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Metadata; sanitised before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl Charge {
    /// Charges `customer_id` for `quantity` of `meter`.
    pub fn new(customer_id: impl Into<String>, meter: impl Into<String>, quantity: f64) -> Self {
        Charge {
            customer_id: customer_id.into(),
            meter: meter.into(),
            quantity,
            idempotency_key: None,
            metadata: None,
        }
    }

    /// Uses `key` instead of an automatic idempotency key: the same key never charges twice.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Metadata.
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// Settlement state of a charge. Unknown states decode as [`ChargeStatus::Other`].
///
/// ```
/// use drip_runtime::model::ChargeStatus;
/// let s: ChargeStatus = serde_json::from_str("\"PENDING_SETTLEMENT\"").unwrap();
/// assert_eq!(s, ChargeStatus::PendingSettlement);
/// let s: ChargeStatus = serde_json::from_str("\"SOMETHING_NEW\"").unwrap();
/// assert_eq!(s, ChargeStatus::Other);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ChargeStatus {
    /// Recorded, not yet settled.
    Pending,
    /// Submitted for settlement.
    PendingSettlement,
    /// Settled.
    Confirmed,
    /// Settlement failed.
    Failed,
    /// Refunded.
    Refunded,
    /// Voided.
    Voided,
    /// Adjusted.
    Adjusted,
    /// A state this version does not know.
    #[serde(other)]
    Other,
}

impl ChargeStatus {
    /// The wire form, e.g. `"CONFIRMED"` (`None` for [`ChargeStatus::Other`]).
    ///
    /// ```
    /// assert_eq!(drip_runtime::model::ChargeStatus::Confirmed.as_str(), Some("CONFIRMED"));
    /// ```
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            ChargeStatus::Pending => "PENDING",
            ChargeStatus::PendingSettlement => "PENDING_SETTLEMENT",
            ChargeStatus::Confirmed => "CONFIRMED",
            ChargeStatus::Failed => "FAILED",
            ChargeStatus::Refunded => "REFUNDED",
            ChargeStatus::Voided => "VOIDED",
            ChargeStatus::Adjusted => "ADJUSTED",
            ChargeStatus::Other => return None,
        })
    }
}

/// One charge, as answered by a charge call and by `GET /charges[/{id}]`.
///
/// ```
/// let c: drip_runtime::model::ChargeInfo = serde_json::from_str(
///     r#"{"id":"chg_1","amountUsdc":"0.12","amountToken":0.12,"txHash":null,"status":"CONFIRMED"}"#,
/// ).unwrap();
/// assert_eq!(c.amount_usdc.as_deref(), Some("0.12"));
/// assert_eq!(c.amount_token.as_deref(), Some("0.12"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChargeInfo {
    /// Server id, `chg_…`.
    pub id: String,
    /// Amount in USDC, as exact decimal text.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub amount_usdc: Option<String>,
    /// Amount in the settlement token, as exact decimal text.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub amount_token: Option<String>,
    /// Settlement transaction, once there is one.
    #[serde(default)]
    pub tx_hash: Option<String>,
    /// Settlement state.
    pub status: ChargeStatus,
    /// Customer charged (listings).
    #[serde(default)]
    pub customer_id: Option<String>,
    /// Meter (listings).
    #[serde(default)]
    pub usage_type: Option<String>,
    /// Quantity charged (listings).
    #[serde(default, deserialize_with = "super::wire::opt_f64")]
    pub quantity: Option<f64>,
    /// When settlement is expected (async charges).
    #[serde(default)]
    pub estimated_confirmation_time: Option<String>,
    /// RFC 3339 creation time.
    #[serde(default)]
    pub created_at: Option<String>,
}

/// Answer to `charge` and `charge_async`.
///
/// ```
/// let r: drip_runtime::model::ChargeResult = serde_json::from_str(
///     r#"{"success":true,"usageEventId":"usg_1","isDuplicate":false,
///         "charge":{"id":"chg_1","amountUsdc":"0.5","status":"PENDING"}}"#,
/// ).unwrap();
/// assert!(r.success && !r.is_duplicate);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChargeResult {
    /// Whether the server accepted it.
    #[serde(default)]
    pub success: bool,
    /// The usage record billed.
    #[serde(default)]
    pub usage_event_id: Option<String>,
    /// The key had been charged before; nothing new was charged.
    #[serde(default)]
    pub is_duplicate: bool,
    /// The charge.
    pub charge: ChargeInfo,
    /// Human-readable note (async).
    #[serde(default)]
    pub message: Option<String>,
}

/// Query of `GET /charges`: filters and a page.
///
/// ```
/// use drip_runtime::model::{ChargeStatus, ListCharges};
/// let q = ListCharges::new().customer("cus_1").status(ChargeStatus::Confirmed).limit(20);
/// assert_eq!(q.limit, Some(20));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
#[must_use]
pub struct ListCharges {
    /// Only this customer's charges.
    pub customer_id: Option<String>,
    /// Only charges in this state.
    pub status: Option<ChargeStatus>,
    /// Page size, 1 to 100.
    pub limit: Option<u32>,
    /// Charges to skip.
    pub offset: Option<u32>,
}

impl ListCharges {
    /// Every charge, first page.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only `customer_id`'s charges.
    pub fn customer(mut self, customer_id: impl Into<String>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }
    /// Only charges in `status`.
    pub fn status(mut self, status: ChargeStatus) -> Self {
        self.status = Some(status);
        self
    }
    /// Page size, 1 to 100.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Charges to skip.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }
}

/// A page of `GET /charges`.
///
/// ```
/// let page: drip_runtime::model::ChargeList =
///     serde_json::from_str(r#"{"data":[],"count":0,"total":3}"#).unwrap();
/// assert_eq!(page.total, Some(3));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ChargeList {
    /// The page.
    #[serde(default)]
    pub data: Vec<ChargeInfo>,
    /// Length of the page.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub count: u64,
    /// All matching charges, when the server says.
    #[serde(default, deserialize_with = "super::wire::opt_u64")]
    pub total: Option<u64>,
}
