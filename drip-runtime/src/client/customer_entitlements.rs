//! A customer's entitlement plan: assign and read.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::Result;
use crate::model::{AssignEntitlement, CustomerEntitlement};
use reqwest::Method;

impl Client {
    /// `PUT /customers/{id}/entitlement`: assigns an entitlement plan, replacing any earlier
    /// one. Available with either key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{AssignEntitlement, CreateCustomer};
    /// let customer = client.create_customer(CreateCustomer::external("user_42")).await?;
    /// client.set_customer_entitlement(&customer.id, AssignEntitlement::new("plan_pro")).await?;
    /// assert_eq!(client.customer_entitlement(&customer.id).await?.plan_id, "plan_pro");
    /// # Ok(()) }
    /// ```
    pub async fn set_customer_entitlement(
        &self,
        customer_id: &str,
        assign: AssignEntitlement,
    ) -> Result<CustomerEntitlement> {
        prepare::required("customerId", customer_id)?;
        prepare::required("planId", &assign.plan_id)?;
        let url = self.endpoint(&["customers", customer_id, "entitlement"])?;
        let req =
            Request::new("PUT /customers/{id}/entitlement", Method::PUT, url).json(&assign)?;
        self.inner().call(req).await
    }

    /// `GET /customers/{id}/entitlement`: the assigned plan (`404` when none is).
    pub async fn customer_entitlement(&self, customer_id: &str) -> Result<CustomerEntitlement> {
        prepare::required("customerId", customer_id)?;
        let url = self.endpoint(&["customers", customer_id, "entitlement"])?;
        self.inner()
            .call(Request::new(
                "GET /customers/{id}/entitlement",
                Method::GET,
                url,
            ))
            .await
    }
}
