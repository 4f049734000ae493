//! A customer's balance: get, provision, sync.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::Result;
use crate::model::Balance;
use reqwest::Method;

impl Client {
    /// `GET /customers/{id}/balance`: what the customer can still spend. Available with either key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::CreateCustomer;
    /// let customer = client.create_customer(CreateCustomer::external("user_42")).await?;
    /// let balance = client.balance(&customer.id).await?;
    /// println!("{:?} USDC left", balance.balance_usdc);
    /// # Ok(()) }
    /// ```
    pub async fn balance(&self, customer_id: &str) -> Result<Balance> {
        prepare::required("customerId", customer_id)?;
        let url = self.endpoint(&["customers", customer_id, "balance"])?;
        self.inner()
            .call(Request::new(
                "GET /customers/{id}/balance",
                Method::GET,
                url,
            ))
            .await
    }

    /// `POST /customers/{id}/provision` with `{}`: sets up the customer's billing account
    /// (repeating it is harmless). Answers the balance.
    pub async fn provision_customer(&self, customer_id: &str) -> Result<Balance> {
        self.balance_action(customer_id, "provision", "POST /customers/{id}/provision")
            .await
    }

    /// `POST /customers/{id}/sync-balance` with `{}`: re-reads the customer's balance from
    /// its source of funds. Answers the balance.
    pub async fn sync_customer_balance(&self, customer_id: &str) -> Result<Balance> {
        self.balance_action(
            customer_id,
            "sync-balance",
            "POST /customers/{id}/sync-balance",
        )
        .await
    }

    async fn balance_action(
        &self,
        customer_id: &str,
        action: &str,
        route: &'static str,
    ) -> Result<Balance> {
        prepare::required("customerId", customer_id)?;
        let url = self.endpoint(&["customers", customer_id, action])?;
        let req = Request::new(route, Method::POST, url).json(&serde_json::json!({}))?;
        self.inner().call(req).await
    }
}
