//! Usage without billing: `POST /usage/internal` and `/usage/internal/batch`.

use crate::metadata::Metadata;
use serde::{Deserialize, Serialize};

/// Where a usage record is written.
///
/// ```
/// assert_eq!(drip_runtime::model::UsageMode::default(), drip_runtime::model::UsageMode::Sync);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum UsageMode {
    /// `POST /usage/internal`: stored before the call returns.
    #[default]
    Sync,
    /// `POST /usage/internal/batch`: queued by the server, written shortly after.
    Batch,
}

/// A usage record (`trackUsage`). The meter goes out as `usageType`.
///
/// ```
/// use drip_runtime::model::{TrackUsage, UsageMode};
/// let u = TrackUsage::new("cus_1", "tokens", 1_200.0).units("tokens").mode(UsageMode::Batch);
/// let json = serde_json::to_value(&u).unwrap();
/// assert_eq!(json["usageType"], "tokens");
/// assert!(json.get("description").is_none()); // omitted, not null
/// assert!(json.get("mode").is_none()); // chooses the path, not a body field
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TrackUsage {
    /// Drip customer id.
    pub customer_id: String,
    /// The meter (wire `usageType`).
    #[serde(rename = "usageType")]
    pub meter: String,
    /// Finite, non-negative quantity.
    pub quantity: f64,
    /// Unit label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
    /// Short description; redacted before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Metadata; sanitised before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Made once per call when absent; reused on every retry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Sync or server-queued.
    #[serde(skip)]
    pub mode: UsageMode,
}

impl TrackUsage {
    /// `quantity` of `meter` used by `customer_id`.
    pub fn new(customer_id: impl Into<String>, meter: impl Into<String>, quantity: f64) -> Self {
        TrackUsage {
            customer_id: customer_id.into(),
            meter: meter.into(),
            quantity,
            units: None,
            description: None,
            metadata: None,
            idempotency_key: None,
            mode: UsageMode::Sync,
        }
    }
    /// Unit label.
    #[must_use]
    pub fn units(mut self, units: impl Into<String>) -> Self {
        self.units = Some(units.into());
        self
    }
    /// Description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Metadata.
    #[must_use]
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }
    /// Uses `key` instead of an automatic idempotency key.
    #[must_use]
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
    /// Sync or batch.
    #[must_use]
    pub fn mode(mut self, mode: UsageMode) -> Self {
        self.mode = mode;
        self
    }
}

/// Answer to a usage record, sync or batch (fields of the other mode are `None`).
///
/// ```
/// let r: drip_runtime::model::UsageTracked = serde_json::from_str(
///     r#"{"success":true,"usageEventId":"ue_1","customerId":"cus_1","usageType":"tokens","quantity":5}"#,
/// ).unwrap();
/// assert_eq!(r.usage_event_id.as_deref(), Some("ue_1"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UsageTracked {
    /// Whether the server accepted it.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub success: bool,
    /// Stored event id (sync).
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub usage_event_id: Option<String>,
    /// Customer.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub customer_id: Option<String>,
    /// Meter.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub usage_type: Option<String>,
    /// Quantity as recorded.
    #[serde(default, deserialize_with = "super::wire::opt_f64")]
    pub quantity: Option<f64>,
    /// Internal customer (sync).
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub is_internal: Option<bool>,
    /// The key the server saw.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub idempotency_key: Option<String>,
    /// Queue depth (batch).
    #[serde(default, deserialize_with = "super::wire::opt_u64")]
    pub pending_events: Option<u64>,
    /// The key had been seen before; nothing new was stored.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub is_duplicate: bool,
    /// Human-readable note.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub message: Option<String>,
}
