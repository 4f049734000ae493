//! Per-customer pricing contracts: `/contracts…`.

use crate::metadata::Metadata;
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;

/// Sends an amount the way the API writes money: as decimal text.
fn usdc_text<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.serialize_str(&v.to_string()),
        None => s.serialize_none(),
    }
}

/// Body of `POST /contracts`. Amounts are USDC (finite, not negative; sent as decimal text);
/// the name is redacted and the metadata sanitised before sending.
///
/// ```
/// use drip_runtime::model::CreateContract;
/// let c = CreateContract::new("cus_1", "Enterprise", "2026-01-01T00:00:00Z")
///     .minimum_usdc(1_000.0)
///     .discount_pct(10.0)
///     .included_units("tokens", 1e6);
/// let json = serde_json::to_value(&c).unwrap();
/// assert_eq!(json["minimumUsdc"], "1000");
/// assert_eq!(json["includedUnits"]["tokens"], 1e6);
/// assert!(json.get("endDate").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct CreateContract {
    /// The customer.
    pub customer_id: String,
    /// Its name.
    pub name: String,
    /// Start (RFC 3339).
    pub start_date: String,
    /// End (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Minimum spend.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "usdc_text")]
    pub minimum_usdc: Option<f64>,
    /// Maximum spend.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "usdc_text")]
    pub maximum_usdc: Option<f64>,
    /// Discount on every charge, 0 to 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_pct: Option<f64>,
    /// Prepaid amount.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "usdc_text")]
    pub prepaid_amount_usdc: Option<f64>,
    /// Whether unused prepaid balance rolls over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepaid_rollover: Option<bool>,
    /// Units included per meter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included_units: Option<BTreeMap<String, f64>>,
    /// Metadata; sanitised before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl CreateContract {
    /// A contract for `customer_id` from `start_date` (RFC 3339).
    pub fn new(
        customer_id: impl Into<String>,
        name: impl Into<String>,
        start_date: impl Into<String>,
    ) -> Self {
        CreateContract {
            customer_id: customer_id.into(),
            name: name.into(),
            start_date: start_date.into(),
            end_date: None,
            minimum_usdc: None,
            maximum_usdc: None,
            discount_pct: None,
            prepaid_amount_usdc: None,
            prepaid_rollover: None,
            included_units: None,
            metadata: None,
        }
    }
    /// Ends at `end_date` (RFC 3339).
    pub fn end_date(mut self, end_date: impl Into<String>) -> Self {
        self.end_date = Some(end_date.into());
        self
    }
    /// Minimum spend in USDC.
    pub fn minimum_usdc(mut self, usdc: f64) -> Self {
        self.minimum_usdc = Some(usdc);
        self
    }
    /// Maximum spend in USDC.
    pub fn maximum_usdc(mut self, usdc: f64) -> Self {
        self.maximum_usdc = Some(usdc);
        self
    }
    /// Discount on every charge, in percent.
    pub fn discount_pct(mut self, pct: f64) -> Self {
        self.discount_pct = Some(pct);
        self
    }
    /// Prepaid amount in USDC, and whether what is unused rolls over.
    pub fn prepaid(mut self, usdc: f64, rollover: bool) -> Self {
        self.prepaid_amount_usdc = Some(usdc);
        self.prepaid_rollover = Some(rollover);
        self
    }
    /// Includes `units` of `meter`.
    pub fn included_units(mut self, meter: impl Into<String>, units: f64) -> Self {
        self.included_units
            .get_or_insert_with(BTreeMap::new)
            .insert(meter.into(), units);
        self
    }
    /// Metadata.
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// Body of `PATCH /contracts/{id}`: only the fields set are sent.
///
/// ```
/// use drip_runtime::model::UpdateContract;
/// let u = UpdateContract::new().maximum_usdc(5_000.0);
/// assert_eq!(serde_json::to_value(&u).unwrap(), serde_json::json!({"maximumUsdc": "5000"}));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct UpdateContract {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New end (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// New minimum spend.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "usdc_text")]
    pub minimum_usdc: Option<f64>,
    /// New maximum spend.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "usdc_text")]
    pub maximum_usdc: Option<f64>,
    /// New discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_pct: Option<f64>,
    /// Whether unused prepaid balance rolls over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepaid_rollover: Option<bool>,
    /// New included units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included_units: Option<BTreeMap<String, f64>>,
    /// New metadata; sanitised before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl UpdateContract {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Renames it.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Moves its end (RFC 3339).
    pub fn end_date(mut self, end_date: impl Into<String>) -> Self {
        self.end_date = Some(end_date.into());
        self
    }
    /// Changes the minimum spend.
    pub fn minimum_usdc(mut self, usdc: f64) -> Self {
        self.minimum_usdc = Some(usdc);
        self
    }
    /// Changes the maximum spend.
    pub fn maximum_usdc(mut self, usdc: f64) -> Self {
        self.maximum_usdc = Some(usdc);
        self
    }
    /// Changes the discount.
    pub fn discount_pct(mut self, pct: f64) -> Self {
        self.discount_pct = Some(pct);
        self
    }
    /// Whether unused prepaid balance rolls over.
    pub fn prepaid_rollover(mut self, rollover: bool) -> Self {
        self.prepaid_rollover = Some(rollover);
        self
    }
    /// Replaces the included units.
    pub fn included_units(mut self, units: BTreeMap<String, f64>) -> Self {
        self.included_units = Some(units);
        self
    }
    /// Replaces the metadata.
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// The state of a contract.
///
/// ```
/// use drip_runtime::model::ContractStatus;
/// assert_eq!(ContractStatus::Cancelled.as_str(), Some("CANCELLED"));
/// assert_eq!(serde_json::from_str::<ContractStatus>("\"NEW\"").unwrap(), ContractStatus::Other);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ContractStatus {
    /// In force.
    Active,
    /// Past its end.
    Expired,
    /// Cancelled.
    Cancelled,
    /// A state this version does not know.
    #[default]
    #[serde(other)]
    Other,
}

impl ContractStatus {
    /// The wire form (`None` for [`ContractStatus::Other`]).
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            ContractStatus::Active => "ACTIVE",
            ContractStatus::Expired => "EXPIRED",
            ContractStatus::Cancelled => "CANCELLED",
            ContractStatus::Other => return None,
        })
    }
}

/// A contract's price for one meter (answer to adding an override, and part of [`Contract`]).
///
/// ```
/// let o: drip_runtime::model::ContractPriceOverride =
///     serde_json::from_str(r#"{"unitType":"tokens","unitPriceUsdc":"0.0005"}"#).unwrap();
/// assert_eq!(o.unit_price_usdc.as_deref(), Some("0.0005"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ContractPriceOverride {
    /// The meter.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub unit_type: String,
    /// Its price, as exact decimal text (USDC).
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub unit_price_usdc: Option<String>,
}

/// Body of `POST /contracts/{id}/overrides` (`unitPriceUsd`, as the Node SDK sends it).
///
/// ```
/// use drip_runtime::model::SetContractPrice;
/// let o = SetContractPrice::new("tokens", 0.0005);
/// assert_eq!(
///     serde_json::to_value(&o).unwrap(),
///     serde_json::json!({"unitType": "tokens", "unitPriceUsd": "0.0005"}),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct SetContractPrice {
    /// The meter.
    pub unit_type: String,
    /// Price of one unit in USDC: finite, not negative.
    #[serde(rename = "unitPriceUsd", serialize_with = "usdc_text_required")]
    pub unit_price_usdc: f64,
}

fn usdc_text_required<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&value.to_string())
}

impl SetContractPrice {
    /// Prices `meter` at `unit_price_usdc` a unit.
    pub fn new(meter: impl Into<String>, unit_price_usdc: f64) -> Self {
        SetContractPrice {
            unit_type: meter.into(),
            unit_price_usdc,
        }
    }
}

/// A contract.
///
/// ```
/// let c: drip_runtime::model::Contract = serde_json::from_str(
///     r#"{"id":"ctr_1","customerId":"cus_1","name":"Enterprise","status":"ACTIVE",
///         "startDate":"2026-01-01T00:00:00Z","discountPct":10,"overrides":[]}"#,
/// ).unwrap();
/// assert_eq!(c.discount_pct, Some(10.0));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Contract {
    /// Server id.
    pub id: String,
    /// The customer.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub customer_id: Option<String>,
    /// Its name.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub name: Option<String>,
    /// Its state.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub status: ContractStatus,
    /// Start (RFC 3339).
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub start_date: Option<String>,
    /// End (RFC 3339).
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub end_date: Option<String>,
    /// Minimum spend, as exact decimal text.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub minimum_usdc: Option<String>,
    /// Maximum spend, as exact decimal text.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub maximum_usdc: Option<String>,
    /// Discount, in percent.
    #[serde(default, deserialize_with = "super::wire::opt_f64")]
    pub discount_pct: Option<f64>,
    /// Prepaid amount, as exact decimal text.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub prepaid_amount_usdc: Option<String>,
    /// What is left of the prepaid amount.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub prepaid_balance_usdc: Option<String>,
    /// Whether unused prepaid balance rolls over.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub prepaid_rollover: bool,
    /// Units included per meter.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub included_units: Option<BTreeMap<String, f64>>,
    /// Metadata as stored.
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    /// Price overrides.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub overrides: Vec<ContractPriceOverride>,
    /// RFC 3339 creation time.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub created_at: Option<String>,
    /// RFC 3339 last change.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub updated_at: Option<String>,
}

/// Query of `GET /contracts`.
///
/// ```
/// use drip_runtime::model::{ContractStatus, ListContracts};
/// let q = ListContracts::new().customer("cus_1").status(ContractStatus::Active);
/// assert_eq!(q.status, Some(ContractStatus::Active));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
#[must_use]
pub struct ListContracts {
    /// Only this customer's contracts.
    pub customer_id: Option<String>,
    /// Only contracts in this state.
    pub status: Option<ContractStatus>,
}

impl ListContracts {
    /// Every contract.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only `customer_id`'s.
    pub fn customer(mut self, customer_id: impl Into<String>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }
    /// Only those in `status`.
    pub fn status(mut self, status: ContractStatus) -> Self {
        self.status = Some(status);
        self
    }
}

/// Answer to `GET /contracts` (`{contracts}`).
///
/// ```
/// let l: drip_runtime::model::ContractList = serde_json::from_str(r#"{"contracts":[{"id":"ctr_1"}]}"#).unwrap();
/// assert_eq!(l.contracts[0].id, "ctr_1");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ContractList {
    /// The contracts.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub contracts: Vec<Contract>,
}
