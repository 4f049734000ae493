//! Answers of `POST /run-events` and `POST /run-events/batch`.

use serde::{Deserialize, Serialize};

/// Answer to `POST /run-events`.
///
/// ```
/// let e: drip_runtime::model::EventEmitted = serde_json::from_str(r#"{"id":"evt_1","isDuplicate":true}"#).unwrap();
/// assert!(e.is_duplicate);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventEmitted {
    /// Event id.
    pub id: String,
    /// Run id.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub run_id: Option<String>,
    /// Event type.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub event_type: Option<String>,
    /// Quantity.
    #[serde(default, deserialize_with = "super::wire::opt_f64")]
    pub quantity: Option<f64>,
    /// Cost units (decimal string).
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub cost_units: Option<String>,
    /// The key had been seen before; nothing new was stored.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub is_duplicate: bool,
    /// RFC 3339.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub timestamp: Option<String>,
}

/// Per-event outcome inside a batch.
///
/// ```
/// let o: drip_runtime::model::BatchEventOutcome = serde_json::from_str(r#"{"skipped":true,"reason":"run ended"}"#).unwrap();
/// assert!(o.skipped && o.id.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchEventOutcome {
    /// Event id (absent when skipped).
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub id: Option<String>,
    /// Event type.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub event_type: Option<String>,
    /// Already stored.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub is_duplicate: bool,
    /// Not stored.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub skipped: bool,
    /// Why it was skipped.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub reason: Option<String>,
}

/// Answer to `POST /run-events/batch`.
///
/// ```
/// let r: drip_runtime::model::EventBatchResult = serde_json::from_str(
///     r#"{"success":true,"created":2,"duplicates":1,"skipped":0,"events":[]}"#,
/// ).unwrap();
/// assert_eq!(r.created + r.duplicates, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventBatchResult {
    /// Accepted.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub success: bool,
    /// Newly stored.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub created: u64,
    /// Already stored before.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub duplicates: u64,
    /// Not stored.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub skipped: u64,
    /// Per event, in request order.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub events: Vec<BatchEventOutcome>,
}
