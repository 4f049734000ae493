//! Spending caps: set, list, remove.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::{Error, Result};
use crate::model::{SetSpendingCap, SpendingCap, SpendingCapList, SpendingCapRemoved};
use reqwest::Method;

impl Client {
    /// `PUT /customers/{id}/spending-cap`: limits what a customer can be charged. A charge
    /// over a blocking cap is refused with `402 SPENDING_CAP_EXCEEDED`. Available with either key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{CapType, CreateCustomer, SetSpendingCap};
    /// let customer = client.create_customer(CreateCustomer::external("user_42")).await?;
    /// let cap = client.set_spending_cap(&customer.id, SetSpendingCap::new(CapType::Daily, 50.0)).await?;
    /// assert_eq!(client.list_spending_caps(&customer.id).await?.caps.len(), 1);
    /// client.remove_spending_cap(&customer.id, &cap.id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_spending_cap(
        &self,
        customer_id: &str,
        cap: SetSpendingCap,
    ) -> Result<SpendingCap> {
        prepare::required("customerId", customer_id)?;
        if !cap.limit_value.is_finite() || cap.limit_value <= 0.0 {
            return Err(Error::Validation {
                field: "limitValue",
                reason: format!("must be a finite amount above 0, got {}", cap.limit_value),
            });
        }
        let url = self.endpoint(&["customers", customer_id, "spending-cap"])?;
        let req = Request::new("PUT /customers/{id}/spending-cap", Method::PUT, url).json(&cap)?;
        self.inner().call(req).await
    }

    /// `GET /customers/{id}/spending-caps`.
    pub async fn list_spending_caps(&self, customer_id: &str) -> Result<SpendingCapList> {
        prepare::required("customerId", customer_id)?;
        let url = self.endpoint(&["customers", customer_id, "spending-caps"])?;
        self.inner()
            .call(Request::new(
                "GET /customers/{id}/spending-caps",
                Method::GET,
                url,
            ))
            .await
    }

    /// `DELETE /customers/{id}/spending-caps/{capId}`.
    pub async fn remove_spending_cap(
        &self,
        customer_id: &str,
        cap_id: &str,
    ) -> Result<SpendingCapRemoved> {
        prepare::required("customerId", customer_id)?;
        prepare::required("capId", cap_id)?;
        let url = self.endpoint(&["customers", customer_id, "spending-caps", cap_id])?;
        self.inner()
            .call(Request::new(
                "DELETE /customers/{id}/spending-caps/{capId}",
                Method::DELETE,
                url,
            ))
            .await
    }
}
