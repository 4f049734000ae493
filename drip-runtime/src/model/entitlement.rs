//! `POST /entitlements/check`.

use serde::{Deserialize, Serialize};

/// Body of `POST /entitlements/check`.
///
/// ```
/// use drip_runtime::model::CheckEntitlement;
/// let c = CheckEntitlement::new("cus_1", "deep-research");
/// assert_eq!(c.quantity, 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CheckEntitlement {
    /// Drip customer id.
    pub customer_id: String,
    /// Feature key.
    pub feature_key: String,
    /// Quantity wanted (default 1, always sent).
    pub quantity: f64,
}

impl CheckEntitlement {
    /// Checks one unit of `feature_key` for `customer_id`.
    pub fn new(customer_id: impl Into<String>, feature_key: impl Into<String>) -> Self {
        CheckEntitlement {
            customer_id: customer_id.into(),
            feature_key: feature_key.into(),
            quantity: 1.0,
        }
    }
    /// Quantity wanted.
    #[must_use]
    pub fn quantity(mut self, quantity: f64) -> Self {
        self.quantity = quantity;
        self
    }
}

/// Answer to an entitlement check. `-1` means unlimited.
///
/// ```
/// let e: drip_runtime::model::Entitlement = serde_json::from_str(
///     r#"{"allowed":true,"featureKey":"search","remaining":-1,"limit":-1,"unlimited":true,"period":"MONTHLY"}"#,
/// ).unwrap();
/// assert!(e.unlimited && e.remaining == -1);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Entitlement {
    /// Allowed.
    pub allowed: bool,
    /// Feature key.
    #[serde(default)]
    pub feature_key: Option<String>,
    /// Remaining in the period (-1 = unlimited).
    #[serde(default, deserialize_with = "super::wire::i64_lenient")]
    pub remaining: i64,
    /// Limit (-1 = unlimited).
    #[serde(default, deserialize_with = "super::wire::i64_lenient")]
    pub limit: i64,
    /// Unlimited.
    #[serde(default)]
    pub unlimited: bool,
    /// `DAILY` or `MONTHLY`.
    #[serde(default)]
    pub period: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub period_resets_at: Option<String>,
    /// Why not allowed.
    #[serde(default)]
    pub reason: Option<String>,
}
