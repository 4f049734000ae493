//! Checkout: a hosted payment page that funds a customer's balance.

use super::Client;
use super::billing_input;
use super::http::Request;
use super::prepare;
use crate::error::{Error, Result};
use crate::model::{Checkout, CheckoutSession};
use reqwest::Method;

/// Smallest and largest checkout, in cents.
const AMOUNT_CENTS: std::ops::RangeInclusive<u64> = 500..=1_000_000;

impl Client {
    /// `POST /checkout`: a payment page for adding funds; send the customer to
    /// [`CheckoutSession::url`]. Available with either key.
    ///
    /// The amount (cents) must be from 500 to 1 000 000; the customer ids are identifiers
    /// (an e-mail address is refused); a return or cancel URL that carries personal data or
    /// a secret is refused rather than altered; the metadata is sanitised.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{Checkout, CreateCustomer};
    /// let customer = client.create_customer(CreateCustomer::external("user_42")).await?;
    /// let session = client
    ///     .create_checkout(Checkout::new(5_000, "https://app.example/paid").customer(&customer.id))
    ///     .await?;
    /// assert_eq!(session.amount_usd, Some(50.0));
    /// println!("pay at {}", session.url);
    /// # Ok(()) }
    /// ```
    pub async fn create_checkout(&self, mut checkout: Checkout) -> Result<CheckoutSession> {
        prepare::identifier("customer_id", checkout.customer_id.as_deref())?;
        prepare::identifier(
            "external_customer_id",
            checkout.external_customer_id.as_deref(),
        )?;
        if !AMOUNT_CENTS.contains(&checkout.amount) {
            return Err(Error::Validation {
                field: "amount",
                reason: format!(
                    "must be from {} to {} cents, got {}",
                    AMOUNT_CENTS.start(),
                    AMOUNT_CENTS.end(),
                    checkout.amount
                ),
            });
        }
        billing_input::redirect_url("return_url", &checkout.return_url)?;
        if let Some(cancel) = &checkout.cancel_url {
            billing_input::redirect_url("cancel_url", cancel)?;
        }
        checkout.metadata = prepare::metadata(self.privacy(), checkout.metadata.take());
        let url = self.endpoint(&["checkout"])?;
        let req = Request::new("POST /checkout", Method::POST, url).json(&checkout)?;
        self.inner().call(req).await
    }
}
