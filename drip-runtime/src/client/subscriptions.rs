//! Subscriptions: create, read, list, update, cancel, pause and resume.

use super::Client;
use super::billing_input::{self, Query};
use super::http::Request;
use super::prepare;
use crate::error::{Error, Result};
use crate::model::{
    CancelSubscription, CreateSubscription, ListSubscriptions, PauseSubscription, Subscription,
    SubscriptionInterval, SubscriptionList, SubscriptionStatus, UpdateSubscription,
};
use reqwest::Method;

impl Client {
    /// `POST /subscriptions`: bills a customer a fixed price every interval. Available with
    /// either key.
    ///
    /// The price and included units must be finite and not negative; the name and
    /// description are redacted and the metadata sanitised before sending, like every other
    /// free text and metadata drip sends.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{
    ///     CancelSubscription, CreateCustomer, CreateSubscription, PauseSubscription,
    ///     SubscriptionInterval, SubscriptionStatus,
    /// };
    /// let customer = client.create_customer(CreateCustomer::external("user_42")).await?;
    /// let sub = client
    ///     .create_subscription(CreateSubscription::new(&customer.id, "Pro", SubscriptionInterval::Monthly, 49.0))
    ///     .await?;
    /// let paused = client.pause_subscription(&sub.id, PauseSubscription::indefinitely()).await?;
    /// assert_eq!(paused.status, SubscriptionStatus::Paused);
    /// assert_eq!(client.resume_subscription(&sub.id).await?.status, SubscriptionStatus::Active);
    /// let cancelled = client.cancel_subscription(&sub.id, CancelSubscription::immediately()).await?;
    /// assert_eq!(cancelled.status, SubscriptionStatus::Cancelled);
    /// // Cancelling twice is a typed 409.
    /// let again = client.cancel_subscription(&sub.id, CancelSubscription::immediately()).await;
    /// assert_eq!(again.unwrap_err().code(), Some("SUBSCRIPTION_ALREADY_CANCELLED"));
    /// # Ok(()) }
    /// ```
    pub async fn create_subscription(&self, mut sub: CreateSubscription) -> Result<Subscription> {
        prepare::required("customerId", &sub.customer_id)?;
        prepare::non_empty("name", &sub.name)?;
        if sub.interval == SubscriptionInterval::Other {
            return Err(Error::Validation {
                field: "interval",
                reason: "choose DAILY, WEEKLY, MONTHLY or ANNUAL".into(),
            });
        }
        prepare::quantity("priceUsdc", sub.price_usdc)?;
        if let Some(u) = sub.included_usage {
            prepare::quantity("includedUsage", u)?;
        }
        prepare::identifier("overageUnitType", sub.overage_unit_type.as_deref())?;
        sub.name = billing_input::text(self.privacy(), sub.name);
        sub.description = prepare::text(self.privacy(), sub.description.take());
        sub.metadata = prepare::metadata(self.privacy(), sub.metadata.take());
        let url = self.endpoint(&["subscriptions"])?;
        let req = Request::new("POST /subscriptions", Method::POST, url).json(&sub)?;
        self.inner().call(req).await
    }

    /// `GET /subscriptions/{id}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let customer = client.create_customer(drip_runtime::model::CreateCustomer::external("user_42")).await?;
    /// # let sub = client.create_subscription(drip_runtime::model::CreateSubscription::new(&customer.id, "Pro", drip_runtime::model::SubscriptionInterval::Monthly, 49.0)).await?;
    /// let read = client.subscription(&sub.id).await?;
    /// assert_eq!(read.name.as_deref(), Some("Pro"));
    /// # Ok(()) }
    /// ```
    pub async fn subscription(&self, subscription_id: &str) -> Result<Subscription> {
        prepare::required("subscriptionId", subscription_id)?;
        let url = self.endpoint(&["subscriptions", subscription_id])?;
        self.inner()
            .call(Request::new("GET /subscriptions/{id}", Method::GET, url))
            .await
    }

    /// `GET /subscriptions?customerId&status&limit`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let customer = client.create_customer(drip_runtime::model::CreateCustomer::external("user_42")).await?;
    /// # let sub = client.create_subscription(drip_runtime::model::CreateSubscription::new(&customer.id, "Pro", drip_runtime::model::SubscriptionInterval::Monthly, 49.0)).await?;
    /// use drip_runtime::model::ListSubscriptions;
    /// let subs = client.list_subscriptions(ListSubscriptions::new().customer(&customer.id)).await?;
    /// assert_eq!(subs.data[0].id, sub.id);
    /// # Ok(()) }
    /// ```
    pub async fn list_subscriptions(&self, query: ListSubscriptions) -> Result<SubscriptionList> {
        let q = Query::default()
            .id("customerId", query.customer_id)?
            .state("status", query.status.map(SubscriptionStatus::as_str))?
            .limit(query.limit)?;
        let url = self.endpoint(&["subscriptions"])?;
        let req = Request::new("GET /subscriptions", Method::GET, url).query(&q.pairs);
        self.inner().call(req).await
    }

    /// `PATCH /subscriptions/{id}`: a cancelled subscription answers `409
    /// SUBSCRIPTION_CANCELLED`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let customer = client.create_customer(drip_runtime::model::CreateCustomer::external("user_42")).await?;
    /// # let sub = client.create_subscription(drip_runtime::model::CreateSubscription::new(&customer.id, "Pro", drip_runtime::model::SubscriptionInterval::Monthly, 49.0)).await?;
    /// use drip_runtime::model::UpdateSubscription;
    /// let sub = client.update_subscription(&sub.id, UpdateSubscription::new().price_usdc(59.0)).await?;
    /// assert_eq!(sub.price_usdc.as_deref(), Some("59"));
    /// # Ok(()) }
    /// ```
    pub async fn update_subscription(
        &self,
        subscription_id: &str,
        mut update: UpdateSubscription,
    ) -> Result<Subscription> {
        prepare::required("subscriptionId", subscription_id)?;
        if let Some(name) = &update.name {
            prepare::non_empty("name", name)?;
        }
        if let Some(p) = update.price_usdc {
            prepare::quantity("priceUsdc", p)?;
        }
        if let Some(u) = update.included_usage {
            prepare::quantity("includedUsage", u)?;
        }
        prepare::identifier("overageUnitType", update.overage_unit_type.as_deref())?;
        update.name = prepare::text(self.privacy(), update.name.take());
        update.description = prepare::text(self.privacy(), update.description.take());
        update.metadata = prepare::metadata(self.privacy(), update.metadata.take());
        let url = self.endpoint(&["subscriptions", subscription_id])?;
        let req = Request::new("PATCH /subscriptions/{id}", Method::PATCH, url).json(&update)?;
        self.inner().call(req).await
    }

    /// `POST /subscriptions/{id}/cancel`: now, or at the end of the period
    /// (`cancelAtPeriodEnd`). Cancelling a cancelled subscription answers `409
    /// SUBSCRIPTION_ALREADY_CANCELLED`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let customer = client.create_customer(drip_runtime::model::CreateCustomer::external("user_42")).await?;
    /// # let sub = client.create_subscription(drip_runtime::model::CreateSubscription::new(&customer.id, "Pro", drip_runtime::model::SubscriptionInterval::Monthly, 49.0)).await?;
    /// use drip_runtime::model::CancelSubscription;
    /// let sub = client.cancel_subscription(&sub.id, CancelSubscription::at_period_end()).await?;
    /// assert!(sub.cancel_at_period_end);
    /// # Ok(()) }
    /// ```
    pub async fn cancel_subscription(
        &self,
        subscription_id: &str,
        cancel: CancelSubscription,
    ) -> Result<Subscription> {
        self.subscription_action(
            subscription_id,
            "cancel",
            "POST /subscriptions/{id}/cancel",
            Some(&cancel),
        )
        .await
    }

    /// `POST /subscriptions/{id}/pause`: stops billing, until resumed or until the resume
    /// date (RFC 3339). Pausing a paused subscription answers `409 SUBSCRIPTION_ALREADY_PAUSED`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let customer = client.create_customer(drip_runtime::model::CreateCustomer::external("user_42")).await?;
    /// # let sub = client.create_subscription(drip_runtime::model::CreateSubscription::new(&customer.id, "Pro", drip_runtime::model::SubscriptionInterval::Monthly, 49.0)).await?;
    /// use drip_runtime::model::{PauseSubscription, SubscriptionStatus};
    /// let sub = client.pause_subscription(&sub.id, PauseSubscription::until("2030-01-01T00:00:00Z")).await?;
    /// assert_eq!(sub.status, SubscriptionStatus::Paused);
    /// # Ok(()) }
    /// ```
    pub async fn pause_subscription(
        &self,
        subscription_id: &str,
        pause: PauseSubscription,
    ) -> Result<Subscription> {
        if let Some(date) = &pause.resume_date
            && !super::cost_estimates::is_date_time(date)
        {
            return Err(Error::Validation {
                field: "resumeDate",
                reason: "must be an RFC 3339 date-time such as 2027-01-31T00:00:00Z".into(),
            });
        }
        self.subscription_action(
            subscription_id,
            "pause",
            "POST /subscriptions/{id}/pause",
            Some(&pause),
        )
        .await
    }

    /// `POST /subscriptions/{id}/resume` (no body): a subscription that is not paused answers
    /// `409 SUBSCRIPTION_NOT_PAUSED`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let customer = client.create_customer(drip_runtime::model::CreateCustomer::external("user_42")).await?;
    /// # let sub = client.create_subscription(drip_runtime::model::CreateSubscription::new(&customer.id, "Pro", drip_runtime::model::SubscriptionInterval::Monthly, 49.0)).await?;
    /// use drip_runtime::model::{PauseSubscription, SubscriptionStatus};
    /// client.pause_subscription(&sub.id, PauseSubscription::indefinitely()).await?;
    /// let sub = client.resume_subscription(&sub.id).await?;
    /// assert_eq!(sub.status, SubscriptionStatus::Active);
    /// # Ok(()) }
    /// ```
    pub async fn resume_subscription(&self, subscription_id: &str) -> Result<Subscription> {
        self.subscription_action::<()>(
            subscription_id,
            "resume",
            "POST /subscriptions/{id}/resume",
            None,
        )
        .await
    }

    async fn subscription_action<B: serde::Serialize>(
        &self,
        subscription_id: &str,
        action: &str,
        route: &'static str,
        body: Option<&B>,
    ) -> Result<Subscription> {
        prepare::required("subscriptionId", subscription_id)?;
        let url = self.endpoint(&["subscriptions", subscription_id, action])?;
        let mut req = Request::new(route, Method::POST, url);
        if let Some(body) = body {
            req = req.json(body)?;
        }
        self.inner().call(req).await
    }
}
