//! Meters: `GET /pricing-plans`, each plan's `unitType` being a meter.

use serde::{Deserialize, Serialize};

/// A meter and its price (a pricing plan).
///
/// ```
/// let m: drip_runtime::model::Meter = serde_json::from_str(
///     r#"{"id":"plan_1","name":"Tokens","unitType":"tokens","unitPriceUsd":"0.002"}"#,
/// ).unwrap();
/// assert_eq!(m.meter, "tokens");
/// assert_eq!(m.unit_price_usd.as_deref(), Some("0.002"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Meter {
    /// Plan id.
    #[serde(default)]
    pub id: Option<String>,
    /// Plan name.
    #[serde(default)]
    pub name: Option<String>,
    /// The meter (wire `unitType`): what `Charge::new`'s `meter` names.
    #[serde(rename = "unitType")]
    pub meter: String,
    /// Price of one unit, as exact decimal text.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub unit_price_usd: Option<String>,
    /// Whether the plan is in force.
    #[serde(default)]
    pub is_active: Option<bool>,
}

/// Answer to `GET /pricing-plans`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct MeterList {
    /// The meters.
    #[serde(default)]
    pub data: Vec<Meter>,
}
