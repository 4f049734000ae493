//! Reading charges back: list (with filters) and one by id.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::{Error, Result};
use crate::model::{ChargeInfo, ChargeList, ChargeStatus, ListCharges};
use reqwest::Method;

impl Client {
    /// `GET /charges?customerId&status&limit&offset`. Available with either key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{Charge, ListCharges};
    /// let made = client.charge(Charge::new("cus_1", "tokens", 10.0)).await?;
    /// let page = client.list_charges(ListCharges::new().customer("cus_1").limit(10)).await?;
    /// assert_eq!(page.data[0].id, made.charge.id);
    /// assert_eq!(client.charge_by_id(&made.charge.id).await?.id, made.charge.id);
    /// # Ok(()) }
    /// ```
    pub async fn list_charges(&self, query: ListCharges) -> Result<ChargeList> {
        if let Some(limit) = query.limit
            && !(1..=100).contains(&limit)
        {
            return Err(Error::Validation {
                field: "limit",
                reason: format!("must be between 1 and 100, got {limit}"),
            });
        }
        let mut pairs = Vec::new();
        if let Some(c) = query.customer_id.filter(|c| !c.trim().is_empty()) {
            pairs.push(("customerId", c));
        }
        match query.status.map(ChargeStatus::as_str) {
            Some(Some(s)) => pairs.push(("status", s.to_owned())),
            Some(None) => {
                return Err(Error::Validation {
                    field: "status",
                    reason: "filter by a known charge status, e.g. CONFIRMED".into(),
                });
            }
            None => {}
        }
        if let Some(l) = query.limit {
            pairs.push(("limit", l.to_string()));
        }
        if let Some(o) = query.offset {
            pairs.push(("offset", o.to_string()));
        }
        let url = self.endpoint(&["charges"])?;
        let req = Request::new("GET /charges", Method::GET, url).query(&pairs);
        self.inner().call(req).await
    }

    /// `GET /charges/{id}`.
    pub async fn charge_by_id(&self, charge_id: &str) -> Result<ChargeInfo> {
        prepare::required("chargeId", charge_id)?;
        let url = self.endpoint(&["charges", charge_id])?;
        self.inner()
            .call(Request::new("GET /charges/{id}", Method::GET, url))
            .await
    }
}
