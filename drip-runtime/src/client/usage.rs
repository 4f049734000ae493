//! `track_usage`: usage without billing.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::Result;
use crate::model::{TrackUsage, UsageMode, UsageTracked};
use reqwest::Method;

impl Client {
    /// Records usage: `POST /usage/internal` ([`UsageMode::Sync`]) or
    /// `/usage/internal/batch` ([`UsageMode::Batch`], queued by the server).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::TrackUsage;
    /// let r = client.track_usage(TrackUsage::new("cus_1", "tokens", 1_200.0).units("tokens")).await?;
    /// assert!(r.success);
    /// # Ok(()) }
    /// ```
    pub async fn track_usage(&self, mut usage: TrackUsage) -> Result<UsageTracked> {
        prepare::required("customerId", &usage.customer_id)?;
        prepare::required("meter", &usage.meter)?;
        prepare::quantity("quantity", usage.quantity)?;
        prepare::identifier("units", usage.units.as_deref())?;
        usage.metadata = prepare::metadata(self.privacy(), usage.metadata.take());
        usage.description = prepare::text(self.privacy(), usage.description.take());
        usage.idempotency_key = Some(prepare::key_or_new(usage.idempotency_key.take(), "track"));
        let (route, segments): (&'static str, &[&str]) = match usage.mode {
            UsageMode::Sync => ("POST /usage/internal", &["usage", "internal"]),
            UsageMode::Batch => (
                "POST /usage/internal/batch",
                &["usage", "internal", "batch"],
            ),
        };
        let url = self.endpoint(segments)?;
        let req = Request::new(route, Method::POST, url).json(&usage)?;
        self.inner().call(req).await
    }
}
