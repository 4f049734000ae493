//! Spending caps: `PUT /customers/{id}/spending-cap`, `GET …/spending-caps`,
//! `DELETE …/spending-caps/{capId}`.

use serde::{Deserialize, Serialize};

/// What a cap limits.
///
/// ```
/// use drip_runtime::model::CapType;
/// assert_eq!(serde_json::to_string(&CapType::Daily).unwrap(), "\"DAILY_CHARGE_LIMIT\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CapType {
    /// Total charged per UTC day.
    #[serde(rename = "DAILY_CHARGE_LIMIT")]
    Daily,
    /// Total charged per calendar month.
    #[serde(rename = "MONTHLY_CHARGE_LIMIT")]
    Monthly,
    /// Any one charge.
    #[serde(rename = "SINGLE_CHARGE_LIMIT")]
    Single,
    /// A kind this version does not know.
    #[serde(other)]
    Other,
}

/// Body of `PUT /customers/{id}/spending-cap`. `autoBlock` is always sent
/// (default `true`: charges over the cap are refused).
///
/// ```
/// use drip_runtime::model::{CapType, SetSpendingCap};
/// let cap = SetSpendingCap::new(CapType::Daily, 50.0).auto_block(false);
/// let json = serde_json::to_value(&cap).unwrap();
/// assert_eq!(json, serde_json::json!({"capType": "DAILY_CHARGE_LIMIT", "limitValue": 50.0, "autoBlock": false}));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct SetSpendingCap {
    /// What the cap limits.
    pub cap_type: CapType,
    /// The limit in USDC: finite and above 0.
    pub limit_value: f64,
    /// Whether charges over the cap are refused.
    pub auto_block: bool,
}

impl SetSpendingCap {
    /// A blocking cap of `limit_value` USDC.
    pub fn new(cap_type: CapType, limit_value: f64) -> Self {
        SetSpendingCap {
            cap_type,
            limit_value,
            auto_block: true,
        }
    }

    /// Whether charges over the cap are refused (default `true`).
    pub fn auto_block(mut self, auto_block: bool) -> Self {
        self.auto_block = auto_block;
        self
    }
}

/// A spending cap.
///
/// ```
/// let c: drip_runtime::model::SpendingCap = serde_json::from_str(
///     r#"{"id":"cap_1","capType":"SINGLE_CHARGE_LIMIT","limitValue":"5","autoBlock":true}"#,
/// ).unwrap();
/// assert_eq!(c.limit_value.as_deref(), Some("5"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SpendingCap {
    /// Server id, for [`Client::remove_spending_cap`](crate::Client::remove_spending_cap).
    pub id: String,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// What it limits.
    pub cap_type: CapType,
    /// The limit, as exact decimal text (USDC).
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub limit_value: Option<String>,
    /// Whether charges over it are refused.
    #[serde(default)]
    pub auto_block: Option<bool>,
    /// Whether it is in force.
    #[serde(default)]
    pub is_active: Option<bool>,
    /// RFC 3339 creation time.
    #[serde(default)]
    pub created_at: Option<String>,
}

/// Answer to `GET /customers/{id}/spending-caps`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct SpendingCapList {
    /// The customer's caps.
    #[serde(default)]
    pub caps: Vec<SpendingCap>,
}

/// Answer to `DELETE /customers/{id}/spending-caps/{capId}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct SpendingCapRemoved {
    /// Whether the server removed it.
    #[serde(default)]
    pub success: bool,
}
