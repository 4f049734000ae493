//! `check_entitlement`.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::Result;
use crate::model::{CheckEntitlement, Entitlement};
use reqwest::Method;

impl Client {
    /// `POST /entitlements/check`: may `customer_id` use `quantity` (default
    /// 1) of `feature_key` now?
    ///
    /// **How quotas work.** A plan in Drip gives a customer a limit per
    /// feature and period (`DAILY` or `MONTHLY`). Usage tracked for that
    /// customer on the meter named like the feature consumes it. The answer
    /// ([`Entitlement`]) says whether the requested quantity fits
    /// (`allowed`), what is left (`remaining`, `-1` when `unlimited`), the
    /// `limit`, when the period resets, and a human `reason` when refused.
    /// The check itself consumes nothing: record the use afterwards (a
    /// `#[drip::tool]`, `track_usage`), so a refused request is never billed.
    ///
    /// **Gate before the work.** Check before starting an expensive run and
    /// decide what an unreachable API means for you: fail closed (refuse) for
    /// costly features, fail open (allow, and log) where availability matters
    /// more. The error says which failure it was
    /// ([`Error::is_retryable`](crate::Error::is_retryable)).
    ///
    /// Against the emulator (crate `drip-emulator`), its handle's
    /// `set_entitlement` sets a customer's quota (`POST /_emulator/entitlements`
    /// with the secret key does the same for the standalone emulator):
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use drip_runtime::model::{CheckEntitlement, TrackUsage};
    /// let emulator = drip_emulator::Emulator::start().await?;
    /// emulator.set_entitlement("cus_1", "deep_research", Some(3)); // 3 a month
    /// let client = drip_runtime::Client::builder()
    ///     .api_key(emulator.public_key())
    ///     .base_url(emulator.base_url())
    ///     .build()?;
    ///
    /// // The gate: check, do the work, record what was used.
    /// async fn research(client: &drip_runtime::Client, customer: &str) -> Result<bool, drip_runtime::Error> {
    ///     let gate = client.check_entitlement(CheckEntitlement::new(customer, "deep_research")).await;
    ///     match gate {
    ///         Ok(e) if !e.allowed => return Ok(false), // over quota: e.reason says why
    ///         Ok(_) => {}
    ///         Err(e) => return Err(e), // fail closed: a costly feature
    ///     }
    ///     // … the expensive work …
    ///     client.track_usage(TrackUsage::new(customer, "deep_research", 1.0)).await?;
    ///     Ok(true)
    /// }
    ///
    /// for _ in 0..3 {
    ///     assert!(research(&client, "cus_1").await?);
    /// }
    /// assert!(!research(&client, "cus_1").await?, "the fourth is refused");
    ///
    /// let e = client.check_entitlement(CheckEntitlement::new("cus_1", "deep_research")).await?;
    /// assert_eq!((e.allowed, e.remaining, e.limit), (false, 0, 3));
    /// assert!(e.reason.is_some());
    /// // Features without a quota are unlimited.
    /// let other = client.check_entitlement(CheckEntitlement::new("cus_1", "search")).await?;
    /// assert!(other.allowed && other.unlimited && other.remaining == -1);
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
