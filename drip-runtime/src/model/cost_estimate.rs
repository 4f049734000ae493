//! Cost estimates: `POST /cost-estimate/from-usage` and `/cost-estimate/hypothetical`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Body of `POST /cost-estimate/from-usage`: what recorded usage in a period would cost.
/// Prices are USDC per unit, finite and not negative (checked before sending).
///
/// ```
/// use drip_runtime::model::CostFromUsage;
/// let q = CostFromUsage::new("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")
///     .customer("cus_1")
///     .meters(["tokens"])
///     .custom_price("tokens", 0.002);
/// let json = serde_json::to_value(&q).unwrap();
/// assert_eq!(json["usageTypes"], serde_json::json!(["tokens"]));
/// assert!(json.get("defaultUnitPrice").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct CostFromUsage {
    /// Only this customer's usage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Period start, RFC 3339.
    pub period_start: String,
    /// Period end (exclusive), RFC 3339.
    pub period_end: String,
    /// Price for meters without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_unit_price: Option<f64>,
    /// Also count usage that was already charged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_charged_events: Option<bool>,
    /// Only these meters (wire `usageTypes`).
    #[serde(rename = "usageTypes", skip_serializing_if = "Option::is_none")]
    pub meters: Option<Vec<String>>,
    /// Prices per meter, overriding the pricing plans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_pricing: Option<BTreeMap<String, f64>>,
}

impl CostFromUsage {
    /// Usage recorded from `period_start` to `period_end` (RFC 3339).
    pub fn new(period_start: impl Into<String>, period_end: impl Into<String>) -> Self {
        CostFromUsage {
            customer_id: None,
            period_start: period_start.into(),
            period_end: period_end.into(),
            default_unit_price: None,
            include_charged_events: None,
            meters: None,
            custom_pricing: None,
        }
    }
    /// Only `customer_id`'s usage.
    pub fn customer(mut self, customer_id: impl Into<String>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }
    /// Price for meters without one.
    pub fn default_unit_price(mut self, price: f64) -> Self {
        self.default_unit_price = Some(price);
        self
    }
    /// Also count usage that was already charged.
    pub fn include_charged_events(mut self, include: bool) -> Self {
        self.include_charged_events = Some(include);
        self
    }
    /// Only these meters.
    pub fn meters<I, S>(mut self, meters: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.meters = Some(meters.into_iter().map(Into::into).collect());
        self
    }
    /// Prices `meter` at `price` USDC per unit.
    pub fn custom_price(mut self, meter: impl Into<String>, price: f64) -> Self {
        self.custom_pricing
            .get_or_insert_with(BTreeMap::new)
            .insert(meter.into(), price);
        self
    }
}

/// One item of a hypothetical estimate.
///
/// ```
/// let item = drip_runtime::model::EstimateItem::new("tokens", 1_000_000.0).unit_price(0.000002);
/// assert_eq!(serde_json::to_value(&item).unwrap()["usageType"], "tokens");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct EstimateItem {
    /// The meter (wire `usageType`).
    #[serde(rename = "usageType")]
    pub meter: String,
    /// Finite, non-negative quantity.
    pub quantity: f64,
    /// This item's price (wire `unitPriceOverride`).
    #[serde(rename = "unitPriceOverride", skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<f64>,
}

impl EstimateItem {
    /// `quantity` of `meter`.
    pub fn new(meter: impl Into<String>, quantity: f64) -> Self {
        EstimateItem {
            meter: meter.into(),
            quantity,
            unit_price: None,
        }
    }
    /// Prices this item at `price` USDC per unit.
    pub fn unit_price(mut self, price: f64) -> Self {
        self.unit_price = Some(price);
        self
    }
}

/// Body of `POST /cost-estimate/hypothetical`: what given usage would cost.
///
/// ```
/// use drip_runtime::model::{EstimateItem, HypotheticalCost};
/// let q = HypotheticalCost::new([EstimateItem::new("tokens", 5_000.0)]).default_unit_price(0.001);
/// assert_eq!(serde_json::to_value(&q).unwrap()["items"][0]["quantity"], 5000.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct HypotheticalCost {
    /// The usage to price (at least one item).
    pub items: Vec<EstimateItem>,
    /// Price for meters without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_unit_price: Option<f64>,
    /// Prices per meter, overriding the pricing plans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_pricing: Option<BTreeMap<String, f64>>,
}

impl HypotheticalCost {
    /// Prices `items`.
    pub fn new(items: impl IntoIterator<Item = EstimateItem>) -> Self {
        HypotheticalCost {
            items: items.into_iter().collect(),
            default_unit_price: None,
            custom_pricing: None,
        }
    }
    /// Price for meters without one.
    pub fn default_unit_price(mut self, price: f64) -> Self {
        self.default_unit_price = Some(price);
        self
    }
    /// Prices `meter` at `price` USDC per unit.
    pub fn custom_price(mut self, meter: impl Into<String>, price: f64) -> Self {
        self.custom_pricing
            .get_or_insert_with(BTreeMap::new)
            .insert(meter.into(), price);
        self
    }
}

/// One line of an estimate.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EstimateLine {
    /// The meter.
    #[serde(rename = "usageType")]
    pub meter: String,
    /// Quantity priced.
    #[serde(default, deserialize_with = "super::wire::opt_f64")]
    pub quantity: Option<f64>,
    /// Price of one unit, exact decimal text.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub unit_price: Option<String>,
    /// The line's cost, exact decimal text.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub estimated_cost_usdc: Option<String>,
}

/// Answer to either estimate.
///
/// ```
/// let e: drip_runtime::model::CostEstimate = serde_json::from_str(
///     r#"{"lineItems":[{"usageType":"tokens","quantity":10,"unitPrice":"0.5","estimatedCostUsdc":"5"}],
///         "estimatedTotalUsdc":"5"}"#,
/// ).unwrap();
/// assert_eq!(e.total(), Some(5.0));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CostEstimate {
    /// One line per meter (or item).
    #[serde(default)]
    pub line_items: Vec<EstimateLine>,
    /// Sum before adjustments, exact decimal text.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub subtotal_usdc: Option<String>,
    /// Estimated total, exact decimal text.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub estimated_total_usdc: Option<String>,
}

impl CostEstimate {
    /// [`CostEstimate::estimated_total_usdc`] as a number, if it parses.
    pub fn total(&self) -> Option<f64> {
        self.estimated_total_usdc.as_deref()?.trim().parse().ok()
    }
}
