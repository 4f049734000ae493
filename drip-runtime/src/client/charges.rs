//! `charge` and `charge_async`: usage that is billed.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::Result;
use crate::model::{Charge, ChargeResult};
use reqwest::Method;

impl Client {
    /// Bills usage: `POST /usage`. Available with either key.
    ///
    /// The quantity must be finite and not negative (a typed
    /// [`Error::Validation`](crate::Error::Validation) before anything is sent).
    /// The idempotency key is made once per call and re-sent on every retry, so a
    /// retried charge never bills twice. A spending cap that blocks the charge
    /// answers `Error::Api { status: 402, code: Some("SPENDING_CAP_EXCEEDED"), .. }`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::Charge;
    /// let r = client.charge(Charge::new("cus_1", "tokens", 1_200.0)).await?;
    /// println!("charged {:?} USDC", r.charge.amount_usdc);
    /// assert!(client.charge(Charge::new("cus_1", "tokens", f64::NAN)).await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn charge(&self, charge: Charge) -> Result<ChargeResult> {
        self.send_charge(charge, "chg", "POST /usage", &["usage"])
            .await
    }

    /// Bills usage, settled later: `POST /usage/async` (same body as [`Client::charge`];
    /// the answer adds `message` and `charge.estimatedConfirmationTime`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{Charge, ChargeStatus};
    /// let r = client.charge_async(Charge::new("cus_1", "tokens", 10.0)).await?;
    /// assert_eq!(r.charge.status, ChargeStatus::Pending);
    /// # Ok(()) }
    /// ```
    pub async fn charge_async(&self, charge: Charge) -> Result<ChargeResult> {
        self.send_charge(
            charge,
            "chg-async",
            "POST /usage/async",
            &["usage", "async"],
        )
        .await
    }

    async fn send_charge(
        &self,
        mut charge: Charge,
        prefix: &str,
        route: &'static str,
        segments: &[&str],
    ) -> Result<ChargeResult> {
        prepare::required("customerId", &charge.customer_id)?;
        prepare::required("meter", &charge.meter)?;
        prepare::quantity("quantity", charge.quantity)?;
        charge.metadata = prepare::metadata(self.privacy(), charge.metadata.take());
        charge.idempotency_key = Some(prepare::key_or_new(charge.idempotency_key.take(), prefix));
        let url = self.endpoint(segments)?;
        let req = Request::new(route, Method::POST, url).json(&charge)?;
        self.inner().call(req).await
    }
}
