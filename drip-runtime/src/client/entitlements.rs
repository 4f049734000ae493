//! `check_entitlement`.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::Result;
use crate::model::{CheckEntitlement, Entitlement};
use reqwest::Method;

impl Client {
    /// `POST /entitlements/check`: may `customer_id` use `quantity` of `feature_key` now?
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::CheckEntitlement;
    /// let e = client.check_entitlement(CheckEntitlement::new("cus_1", "deep-research")).await?;
    /// if !e.allowed { println!("over quota: {:?}", e.reason); }
    /// # Ok(()) }
    /// ```
    pub async fn check_entitlement(&self, check: CheckEntitlement) -> Result<Entitlement> {
        prepare::required("customerId", &check.customer_id)?;
        prepare::required("featureKey", &check.feature_key)?;
        prepare::quantity("quantity", check.quantity)?;
        let url = self.endpoint(&["entitlements", "check"])?;
        let req = Request::new("POST /entitlements/check", Method::POST, url).json(&check)?;
        self.inner().call(req).await
    }
}
