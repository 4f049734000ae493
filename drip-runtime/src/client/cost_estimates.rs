//! Cost estimates: from recorded usage, and hypothetical.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::{Error, Result};
use crate::model::{CostEstimate, CostFromUsage, HypotheticalCost};
use reqwest::Method;
use std::collections::BTreeMap;

/// Refuses a NaN, infinite or negative price.
fn prices(default: Option<f64>, custom: Option<&BTreeMap<String, f64>>) -> Result<()> {
    if let Some(p) = default {
        prepare::quantity("defaultUnitPrice", p)?;
    }
    for p in custom.into_iter().flat_map(BTreeMap::values) {
        prepare::quantity("customPricing", *p)?;
    }
    Ok(())
}

/// `YYYY-MM-DDTHH:MM:SS` followed by an optional fraction and `Z` or an offset.
pub(super) fn is_date_time(t: &str) -> bool {
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (t.ends_with('Z')
            || t.ends_with('z')
            || b[b.len() - 6] == b'+'
            || b[b.len() - 6] == b'-')
}

impl Client {
    /// `POST /cost-estimate/from-usage`: what the usage recorded in a period would cost.
    /// Available with either key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::CostFromUsage;
    /// let e = client
    ///     .estimate_cost_from_usage(CostFromUsage::new("2026-01-01T00:00:00Z", "2100-01-01T00:00:00Z"))
    ///     .await?;
    /// println!("{:?} USDC", e.estimated_total_usdc);
    /// # Ok(()) }
    /// ```
    pub async fn estimate_cost_from_usage(&self, query: CostFromUsage) -> Result<CostEstimate> {
        for (field, t) in [
            ("periodStart", &query.period_start),
            ("periodEnd", &query.period_end),
        ] {
            if !is_date_time(t) {
                return Err(Error::Validation {
                    field,
                    reason: format!("must be an RFC 3339 date-time, got {t:?}"),
                });
            }
        }
        prices(query.default_unit_price, query.custom_pricing.as_ref())?;
        let url = self.endpoint(&["cost-estimate", "from-usage"])?;
        let req = Request::new("POST /cost-estimate/from-usage", Method::POST, url).json(&query)?;
        self.inner().call(req).await
    }

    /// `POST /cost-estimate/hypothetical`: what the given usage would cost.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{EstimateItem, HypotheticalCost};
    /// let e = client
    ///     .estimate_hypothetical_cost(HypotheticalCost::new([EstimateItem::new("tokens", 10.0).unit_price(0.5)]))
    ///     .await?;
    /// assert_eq!(e.total(), Some(5.0));
    /// # Ok(()) }
    /// ```
    pub async fn estimate_hypothetical_cost(
        &self,
        query: HypotheticalCost,
    ) -> Result<CostEstimate> {
        if query.items.is_empty() {
            return Err(Error::Validation {
                field: "items",
                reason: "an estimate needs at least one item".into(),
            });
        }
        for item in &query.items {
            prepare::required("items[].usageType", &item.meter)?;
            prepare::quantity("items[].quantity", item.quantity)?;
            if let Some(p) = item.unit_price {
                prepare::quantity("items[].unitPriceOverride", p)?;
            }
        }
        prices(query.default_unit_price, query.custom_pricing.as_ref())?;
        let url = self.endpoint(&["cost-estimate", "hypothetical"])?;
        let req =
            Request::new("POST /cost-estimate/hypothetical", Method::POST, url).json(&query)?;
        self.inner().call(req).await
    }
}
