//! Per-customer pricing contracts: price overrides per meter and a discount, applied to the
//! customer's charges while the contract is `ACTIVE` (`Store::customer_unit_price`).
//! `DELETE` cancels a contract (it stays listed as `CANCELLED`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::refusal::Refusal;

/// A contract made with `POST /contracts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ContractRecord {
    pub(crate) id: String,
    pub(crate) customer_id: String,
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) start_date: String,
    pub(crate) end_date: Option<String>,
    pub(crate) minimum_usdc: Option<f64>,
    pub(crate) maximum_usdc: Option<f64>,
    pub(crate) discount_pct: Option<f64>,
    pub(crate) prepaid_amount_usdc: Option<f64>,
    pub(crate) prepaid_rollover: bool,
    pub(crate) included_units: Option<BTreeMap<String, f64>>,
    pub(crate) metadata: Option<Value>,
    pub(crate) overrides: Vec<OverrideRecord>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

/// A contract's price for one meter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct OverrideRecord {
    pub(crate) unit_type: String,
    pub(crate) unit_price_usdc: f64,
}

/// The statuses a listing may filter by.
pub(crate) const STATUSES: [&str; 3] = ["ACTIVE", "EXPIRED", "CANCELLED"];

impl ContractRecord {
    /// Refuses changes to a cancelled contract.
    pub(crate) fn check_open(&self) -> Result<(), Refusal> {
        if self.status == "CANCELLED" {
            return Err(Refusal::conflict(
                "CONTRACT_CANCELLED",
                format!("contract {} is cancelled; it cannot change", self.id),
            ));
        }
        Ok(())
    }

    /// Cancels it; a second cancellation is a `409`.
    pub(crate) fn cancel(&mut self, now: &str) -> Result<(), Refusal> {
        if self.status == "CANCELLED" {
            return Err(Refusal::conflict(
                "CONTRACT_ALREADY_CANCELLED",
                format!("contract {} is already cancelled", self.id),
            ));
        }
        self.status = "CANCELLED".into();
        self.updated_at = now.to_owned();
        Ok(())
    }

    /// Sets (replaces) the price of `unit_type`.
    pub(crate) fn set_override(&mut self, unit_type: String, unit_price_usdc: f64, now: &str) {
        self.overrides.retain(|o| o.unit_type != unit_type);
        self.overrides.push(OverrideRecord {
            unit_type,
            unit_price_usdc,
        });
        self.updated_at = now.to_owned();
    }

    /// The contract price of one unit, given the list price: the override if any, less the
    /// discount.
    pub(crate) fn unit_price(&self, unit_type: &str, list_price: f64) -> f64 {
        let base = self
            .overrides
            .iter()
            .find(|o| o.unit_type == unit_type)
            .map_or(list_price, |o| o.unit_price_usdc);
        base * (1.0 - self.discount_pct.unwrap_or(0.0) / 100.0)
    }
}
