//! A customer's balance: `GET /customers/{id}/balance`, and the answers of
//! `POST /customers/{id}/provision` and `/sync-balance`.

use serde::{Deserialize, Serialize};

/// A customer's balance. Amounts are exact decimal text (USDC).
///
/// ```
/// let b: drip_runtime::model::Balance = serde_json::from_str(
///     r#"{"customerId":"cus_1","balanceUsdc":"24.5","totalChargedUsdc":0.5}"#,
/// ).unwrap();
/// assert_eq!(b.balance_usdc.as_deref(), Some("24.5"));
/// assert_eq!(b.total_charged_usdc.as_deref(), Some("0.5"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Balance {
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// What the customer can still spend.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub balance_usdc: Option<String>,
    /// What was funded in total.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub funded_usdc: Option<String>,
    /// What was charged in total.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub total_charged_usdc: Option<String>,
    /// Whether the customer's account is provisioned.
    #[serde(default)]
    pub provisioned: Option<bool>,
    /// Last on-chain sync, RFC 3339.
    #[serde(default)]
    pub last_synced_at: Option<String>,
    /// Set on provision and sync answers.
    #[serde(default)]
    pub success: Option<bool>,
    /// Provision answers: the account existed already.
    #[serde(default)]
    pub already_provisioned: Option<bool>,
}

impl Balance {
    /// [`Balance::balance_usdc`] as a number, if it parses.
    ///
    /// ```
    /// let b: drip_runtime::model::Balance =
    ///     serde_json::from_str(r#"{"balanceUsdc":"1.25"}"#).unwrap();
    /// assert_eq!(b.balance(), Some(1.25));
    /// ```
    pub fn balance(&self) -> Option<f64> {
        self.balance_usdc.as_deref()?.trim().parse().ok()
    }
}
