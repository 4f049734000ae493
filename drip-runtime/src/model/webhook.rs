//! Webhook management (secret key only, through `Admin`).

use serde::{Deserialize, Serialize};

/// Which deliveries a webhook receives.
///
/// ```
/// use drip_runtime::model::WebhookFilters;
/// let f = WebhookFilters::new().usage_types(["tokens"]).severities(["high", "critical"]);
/// assert!(serde_json::to_value(&f).unwrap().get("customerIds").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookFilters {
    /// Only these meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_types: Option<Vec<String>>,
    /// Only these customers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_ids: Option<Vec<String>>,
    /// Only these severities (`low` … `critical`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severities: Option<Vec<String>>,
}

impl WebhookFilters {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only these meters.
    #[must_use]
    pub fn usage_types(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.usage_types = Some(v.into_iter().map(Into::into).collect());
        self
    }
    /// Only these customers.
    #[must_use]
    pub fn customer_ids(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.customer_ids = Some(v.into_iter().map(Into::into).collect());
        self
    }
    /// Only these severities.
    #[must_use]
    pub fn severities(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.severities = Some(v.into_iter().map(Into::into).collect());
        self
    }
}

/// Body of `POST /webhooks`.
///
/// ```
/// use drip_runtime::model::CreateWebhook;
/// let w = CreateWebhook::new("https://example.com/hooks/drip", ["usage.recorded"]);
/// assert_eq!(serde_json::to_value(&w).unwrap()["events"][0], "usage.recorded");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateWebhook {
    /// Where deliveries go.
    pub url: String,
    /// Event types, e.g. `usage.recorded`, `customer.balance.low`.
    pub events: Vec<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Filters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<WebhookFilters>,
}

impl CreateWebhook {
    /// A webhook to `url` for `events`.
    pub fn new(
        url: impl Into<String>,
        events: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        CreateWebhook {
            url: url.into(),
            events: events.into_iter().map(Into::into).collect(),
            description: None,
            filters: None,
        }
    }
    /// Description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Filters.
    #[must_use]
    pub fn filters(mut self, filters: WebhookFilters) -> Self {
        self.filters = Some(filters);
        self
    }
}

/// Body of `PATCH /webhooks/{id}`; only the fields set are sent.
///
/// ```
/// use drip_runtime::model::UpdateWebhook;
/// let u = UpdateWebhook::new().active(false).clear_filters();
/// let json = serde_json::to_value(&u).unwrap();
/// assert_eq!(json["isActive"], false);
/// assert!(json["filters"].is_null()); // null removes the filters
/// assert!(json.get("url").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdateWebhook {
    /// New URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// New event types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// New description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enable or disable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// `Some(None)` sends `null`, which removes the filters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Option<WebhookFilters>>,
}

impl UpdateWebhook {
    /// Changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// New URL.
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }
    /// New event types.
    #[must_use]
    pub fn events(mut self, events: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.events = Some(events.into_iter().map(Into::into).collect());
        self
    }
    /// New description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Enable or disable.
    #[must_use]
    pub fn active(mut self, active: bool) -> Self {
        self.is_active = Some(active);
        self
    }
    /// New filters.
    #[must_use]
    pub fn filters(mut self, filters: WebhookFilters) -> Self {
        self.filters = Some(Some(filters));
        self
    }
    /// Removes the filters.
    #[must_use]
    pub fn clear_filters(mut self) -> Self {
        self.filters = Some(None);
        self
    }
}

/// Delivery counters of a webhook.
///
/// ```
/// let s: drip_runtime::model::WebhookStats = serde_json::from_str(r#"{"total":3,"delivered":2,"failed":1}"#).unwrap();
/// assert_eq!(s.pending, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookStats {
    /// All deliveries.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub total: u64,
    /// Delivered.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub delivered: u64,
    /// Failed.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub failed: u64,
    /// Pending.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub pending: u64,
}

/// A webhook endpoint.
///
/// ```
/// let w: drip_runtime::model::Webhook = serde_json::from_str(
///     r#"{"id":"wh_1","url":"https://example.com/h","events":["usage.recorded"],"isActive":true,"healthStatus":"HEALTHY"}"#,
/// ).unwrap();
/// assert!(w.is_active);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Webhook {
    /// Id.
    pub id: String,
    /// URL.
    #[serde(default)]
    pub url: String,
    /// Event types.
    #[serde(default)]
    pub events: Vec<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Filters.
    #[serde(default)]
    pub filters: Option<WebhookFilters>,
    /// Active.
    #[serde(default)]
    pub is_active: bool,
    /// `HEALTHY`, `DEGRADED`, `UNHEALTHY`.
    #[serde(default)]
    pub health_status: Option<String>,
    /// Consecutive failed deliveries.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub consecutive_failures: u64,
    /// RFC 3339.
    #[serde(default)]
    pub last_health_change: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Delivery counters.
    #[serde(default)]
    pub stats: Option<WebhookStats>,
}

/// Answer to `POST /webhooks`: the webhook and its signing secret (shown only once).
///
/// Its `Debug` output hides the secret.
///
/// ```
/// let c: drip_runtime::model::WebhookCreated = serde_json::from_str(
///     r#"{"id":"wh_1","url":"https://example.com/h","events":[],"secret":"whsec_abc"}"#,
/// ).unwrap();
/// assert_eq!(c.webhook.id, "wh_1");
/// assert!(!format!("{c:?}").contains("whsec_abc"));
/// ```
#[derive(Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookCreated {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// Signing secret for [`crate::webhook::verify_webhook_signature`].
    #[serde(default)]
    pub secret: String,
    /// Note.
    #[serde(default)]
    pub message: Option<String>,
}

impl std::fmt::Debug for WebhookCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookCreated")
            .field("webhook", &self.webhook)
            .field("secret", &"<redacted>")
            .field("message", &self.message)
            .finish()
    }
}

/// `{data, count}` of `GET /webhooks`.
///
/// ```
/// let l: drip_runtime::model::WebhookList = serde_json::from_str(r#"{"data":[],"count":0}"#).unwrap();
/// assert!(l.data.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookList {
    /// Webhooks.
    #[serde(default)]
    pub data: Vec<Webhook>,
    /// Count.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub count: u64,
}

/// Answer to `POST /webhooks/{id}/test`.
///
/// ```
/// let t: drip_runtime::model::WebhookTestResult = serde_json::from_str(r#"{"status":"DELIVERED","responseCode":200}"#).unwrap();
/// assert_eq!(t.response_code, Some(200));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookTestResult {
    /// Note.
    #[serde(default)]
    pub message: Option<String>,
    /// Delivery id.
    #[serde(default)]
    pub delivery_id: Option<String>,
    /// Delivery status.
    #[serde(default)]
    pub status: Option<String>,
    /// The endpoint's HTTP status.
    #[serde(default, deserialize_with = "super::wire::opt_u64")]
    pub response_code: Option<u64>,
}

/// Answer to `POST /webhooks/{id}/rotate-secret`. Its `Debug` hides the secret.
///
/// ```
/// let r: drip_runtime::model::WebhookSecretRotated = serde_json::from_str(r#"{"secret":"whsec_new"}"#).unwrap();
/// assert!(!format!("{r:?}").contains("whsec_new"));
/// ```
#[derive(Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookSecretRotated {
    /// The new signing secret.
    pub secret: String,
    /// Note.
    #[serde(default)]
    pub message: Option<String>,
}

impl std::fmt::Debug for WebhookSecretRotated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSecretRotated")
            .field("secret", &"<redacted>")
            .field("message", &self.message)
            .finish()
    }
}

/// Answer to `DELETE /webhooks/{id}` (a 204 reads as success).
///
/// ```
/// let d: drip_runtime::model::WebhookDeleted = serde_json::from_str(r#"{"success":true}"#).unwrap();
/// assert!(d.success);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookDeleted {
    /// Deleted.
    #[serde(default)]
    pub success: bool,
}
