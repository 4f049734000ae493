//! Meters: `GET /pricing-plans`.

use super::Client;
use super::http::Request;
use crate::error::Result;
use crate::model::MeterList;
use reqwest::Method;

impl Client {
    /// `GET /pricing-plans`: the meters that have a price. Available with either key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # emulator.set_pricing_plan("tokens", 0.002);
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// let meters = client.list_meters().await?;
    /// assert_eq!(meters.data[0].meter, "tokens");
    /// # Ok(()) }
    /// ```
    pub async fn list_meters(&self) -> Result<MeterList> {
        let url = self.endpoint(&["pricing-plans"])?;
        self.inner()
            .call(Request::new("GET /pricing-plans", Method::GET, url))
            .await
    }
}
