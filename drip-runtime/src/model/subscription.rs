//! Subscriptions: `POST /subscriptions`, `GET /subscriptions[/{id}]`, `PATCH /subscriptions/{id}`,
//! `POST /subscriptions/{id}/cancel|pause|resume`.

use crate::metadata::Metadata;
use serde::{Deserialize, Serialize};

/// How often a subscription bills.
///
/// ```
/// use drip_runtime::model::SubscriptionInterval;
/// assert_eq!(serde_json::to_string(&SubscriptionInterval::Monthly).unwrap(), "\"MONTHLY\"");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum SubscriptionInterval {
    /// Every day.
    Daily,
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
    /// Every year.
    Annual,
    /// An interval this version does not know (refused in requests).
    #[default]
    #[serde(other)]
    Other,
}

/// The state of a subscription. Unknown states decode as [`SubscriptionStatus::Other`].
///
/// ```
/// use drip_runtime::model::SubscriptionStatus;
/// let s: SubscriptionStatus = serde_json::from_str("\"PAST_DUE\"").unwrap();
/// assert_eq!(s, SubscriptionStatus::PastDue);
/// assert_eq!(SubscriptionStatus::Paused.as_str(), Some("PAUSED"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum SubscriptionStatus {
    /// Billing every interval.
    Active,
    /// In its trial period.
    Trialing,
    /// Paused; not billing.
    Paused,
    /// Cancelled.
    Cancelled,
    /// Ran out.
    Expired,
    /// A payment failed.
    PastDue,
    /// A state this version does not know.
    #[default]
    #[serde(other)]
    Other,
}

impl SubscriptionStatus {
    /// The wire form, e.g. `"ACTIVE"` (`None` for [`SubscriptionStatus::Other`]).
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            SubscriptionStatus::Active => "ACTIVE",
            SubscriptionStatus::Trialing => "TRIALING",
            SubscriptionStatus::Paused => "PAUSED",
            SubscriptionStatus::Cancelled => "CANCELLED",
            SubscriptionStatus::Expired => "EXPIRED",
            SubscriptionStatus::PastDue => "PAST_DUE",
            SubscriptionStatus::Other => return None,
        })
    }
}

/// Body of `POST /subscriptions`. The name and description are redacted and the metadata
/// sanitised before sending.
///
/// ```
/// use drip_runtime::model::{CreateSubscription, SubscriptionInterval};
/// let s = CreateSubscription::new("cus_1", "Pro", SubscriptionInterval::Monthly, 49.0).trial_days(14);
/// let json = serde_json::to_value(&s).unwrap();
/// assert_eq!(json["priceUsdc"], 49.0);
/// assert_eq!(json["trialDays"], 14);
/// assert!(json.get("metadata").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct CreateSubscription {
    /// The customer subscribed.
    pub customer_id: String,
    /// What it is called (shown to the customer).
    pub name: String,
    /// How often it bills.
    pub interval: SubscriptionInterval,
    /// Price per interval in USDC: finite, not negative.
    pub price_usdc: f64,
    /// Longer description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Metadata; sanitised before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Days of free trial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trial_days: Option<u32>,
    /// Units included per period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included_usage: Option<f64>,
    /// The meter billed beyond the included units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overage_unit_type: Option<String>,
}

impl CreateSubscription {
    /// Subscribes `customer_id` to `name` at `price_usdc` every `interval`.
    pub fn new(
        customer_id: impl Into<String>,
        name: impl Into<String>,
        interval: SubscriptionInterval,
        price_usdc: f64,
    ) -> Self {
        CreateSubscription {
            customer_id: customer_id.into(),
            name: name.into(),
            interval,
            price_usdc,
            description: None,
            metadata: None,
            trial_days: None,
            included_usage: None,
            overage_unit_type: None,
        }
    }
    /// A longer description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Metadata.
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }
    /// Starts with `days` of free trial.
    pub fn trial_days(mut self, days: u32) -> Self {
        self.trial_days = Some(days);
        self
    }
    /// Includes `units` of `meter` per period; more is billed on that meter.
    pub fn included_usage(mut self, units: f64, meter: impl Into<String>) -> Self {
        self.included_usage = Some(units);
        self.overage_unit_type = Some(meter.into());
        self
    }
}

/// Body of `PATCH /subscriptions/{id}`: only the fields set are sent.
///
/// ```
/// use drip_runtime::model::UpdateSubscription;
/// let u = UpdateSubscription::new().price_usdc(59.0);
/// assert_eq!(serde_json::to_value(&u).unwrap(), serde_json::json!({"priceUsdc": 59.0}));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct UpdateSubscription {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New price per interval (from the next period).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_usdc: Option<f64>,
    /// New metadata; sanitised before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// New included units per period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included_usage: Option<f64>,
    /// New overage meter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overage_unit_type: Option<String>,
}

impl UpdateSubscription {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Renames it.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Replaces the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Changes the price.
    pub fn price_usdc(mut self, price: f64) -> Self {
        self.price_usdc = Some(price);
        self
    }
    /// Replaces the metadata.
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }
    /// Changes the included units and the overage meter.
    pub fn included_usage(mut self, units: f64, meter: impl Into<String>) -> Self {
        self.included_usage = Some(units);
        self.overage_unit_type = Some(meter.into());
        self
    }
}

/// Body of `POST /subscriptions/{id}/cancel`.
///
/// ```
/// use drip_runtime::model::CancelSubscription;
/// let json = serde_json::to_value(CancelSubscription::immediately()).unwrap();
/// assert_eq!(json, serde_json::json!({"immediate": true}));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct CancelSubscription {
    /// Cancel now instead of at the end of the period.
    pub immediate: bool,
}

impl CancelSubscription {
    /// Cancels at the end of the current period.
    pub fn at_period_end() -> Self {
        CancelSubscription { immediate: false }
    }
    /// Cancels now.
    pub fn immediately() -> Self {
        CancelSubscription { immediate: true }
    }
}

/// Body of `POST /subscriptions/{id}/pause`.
///
/// ```
/// use drip_runtime::model::PauseSubscription;
/// let p = PauseSubscription::until("2027-01-01T00:00:00Z");
/// assert_eq!(serde_json::to_value(&p).unwrap()["resumeDate"], "2027-01-01T00:00:00Z");
/// assert_eq!(serde_json::to_value(PauseSubscription::indefinitely()).unwrap(), serde_json::json!({}));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct PauseSubscription {
    /// When it resumes by itself (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resume_date: Option<String>,
}

impl PauseSubscription {
    /// Paused until resumed.
    pub fn indefinitely() -> Self {
        Self::default()
    }
    /// Paused until `resume_date` (RFC 3339).
    pub fn until(resume_date: impl Into<String>) -> Self {
        PauseSubscription {
            resume_date: Some(resume_date.into()),
        }
    }
}

/// A subscription.
///
/// ```
/// let s: drip_runtime::model::Subscription = serde_json::from_str(
///     r#"{"id":"sub_1","customerId":"cus_1","name":"Pro","interval":"MONTHLY",
///         "priceUsdc":"49","status":"PAUSED","cancelAtPeriodEnd":false}"#,
/// ).unwrap();
/// assert_eq!(s.status, drip_runtime::model::SubscriptionStatus::Paused);
/// assert_eq!(s.price_usdc.as_deref(), Some("49"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Subscription {
    /// Server id, `sub_…`.
    pub id: String,
    /// The customer.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub customer_id: Option<String>,
    /// Its name.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub name: Option<String>,
    /// Its description.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub description: Option<String>,
    /// How often it bills.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub interval: SubscriptionInterval,
    /// Price per interval, as exact decimal text (USDC).
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub price_usdc: Option<String>,
    /// Its state.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub status: SubscriptionStatus,
    /// Start of the current period (RFC 3339).
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub current_period_start: Option<String>,
    /// End of the current period (RFC 3339).
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub current_period_end: Option<String>,
    /// When cancellation was asked for.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub cancelled_at: Option<String>,
    /// Whether it ends with the current period.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub cancel_at_period_end: bool,
    /// When it was paused.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub paused_at: Option<String>,
    /// When it resumes by itself.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub resumes_at: Option<String>,
    /// Start of the trial.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub trial_start: Option<String>,
    /// End of the trial.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub trial_end: Option<String>,
    /// Units included per period.
    #[serde(default, deserialize_with = "super::wire::opt_f64")]
    pub included_usage: Option<f64>,
    /// Meter billed beyond the included units.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub overage_unit_type: Option<String>,
    /// Metadata as stored.
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    /// RFC 3339 creation time.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub created_at: Option<String>,
    /// RFC 3339 last change.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub updated_at: Option<String>,
}

/// Query of `GET /subscriptions`.
///
/// ```
/// use drip_runtime::model::{ListSubscriptions, SubscriptionStatus};
/// let q = ListSubscriptions::new().customer("cus_1").status(SubscriptionStatus::Active).limit(10);
/// assert_eq!(q.limit, Some(10));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
#[must_use]
pub struct ListSubscriptions {
    /// Only this customer's subscriptions.
    pub customer_id: Option<String>,
    /// Only subscriptions in this state.
    pub status: Option<SubscriptionStatus>,
    /// At most this many, 1 to 100.
    pub limit: Option<u32>,
}

impl ListSubscriptions {
    /// Every subscription.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only `customer_id`'s.
    pub fn customer(mut self, customer_id: impl Into<String>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }
    /// Only those in `status`.
    pub fn status(mut self, status: SubscriptionStatus) -> Self {
        self.status = Some(status);
        self
    }
    /// At most `limit`, 1 to 100.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
}

/// Answer to `GET /subscriptions`.
///
/// ```
/// let l: drip_runtime::model::SubscriptionList = serde_json::from_str(r#"{"data":[],"count":0}"#).unwrap();
/// assert!(l.data.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct SubscriptionList {
    /// The subscriptions.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub data: Vec<Subscription>,
    /// How many there are in `data`.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub count: u64,
}
