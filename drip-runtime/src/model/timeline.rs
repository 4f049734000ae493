//! `GET /runs/{id}/timeline`: events, anomalies, summary, pagination.

use super::RunStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Query of a timeline page.
///
/// ```
/// use drip_runtime::model::TimelineQuery;
/// let q = TimelineQuery::new().limit(50).collapse_retries(true);
/// assert_eq!(q.limit, Some(50));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct TimelineQuery {
    /// Page size (1–500, server default 100).
    pub limit: Option<u32>,
    /// Cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Include detected anomalies.
    pub include_anomalies: Option<bool>,
    /// Collapse retry chains.
    pub collapse_retries: Option<bool>,
}

impl TimelineQuery {
    /// Server defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Page size.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Start after this cursor.
    #[must_use]
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }
    /// Include anomalies.
    #[must_use]
    pub fn include_anomalies(mut self, yes: bool) -> Self {
        self.include_anomalies = Some(yes);
        self
    }
    /// Collapse retries.
    #[must_use]
    pub fn collapse_retries(mut self, yes: bool) -> Self {
        self.collapse_retries = Some(yes);
        self
    }

    /// Query pairs in the order the official SDK sends them.
    pub(crate) fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(l) = self.limit {
            q.push(("limit", l.to_string()));
        }
        if let Some(c) = &self.cursor {
            q.push(("cursor", c.clone()));
        }
        if let Some(b) = self.include_anomalies {
            q.push(("includeAnomalies", b.to_string()));
        }
        if let Some(b) = self.collapse_retries {
            q.push(("collapseRetries", b.to_string()));
        }
        q
    }
}

/// The metadata the server returns with a timeline event: the usage
/// (`usageType`, `quantity`, `units`), what drip's tool calls carry
/// (`tool_name`, `status`, `error_type`, `duration_ms`), and every other key
/// as sent, in [`TimelineUsage::extra`].
///
/// ```
/// use drip_runtime::model::{TimelineUsage, ToolStatus};
/// let u: TimelineUsage = serde_json::from_str(
///     r#"{"usageType":"tool.call","quantity":"1","units":"calls",
///         "tool_name":"web-search","status":"error","error_type":"io::Error",
///         "duration_ms":0.42,"provider":"bing"}"#,
/// ).unwrap();
/// assert_eq!(u.quantity, Some(1.0));
/// assert_eq!(u.tool_name.as_deref(), Some("web-search"));
/// assert_eq!(u.status, Some(ToolStatus::Error));
/// assert_eq!(u.error_type.as_deref(), Some("io::Error"));
/// assert_eq!(u.duration_ms, Some(0.42));
/// assert_eq!(u.extra["provider"], "bing");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TimelineUsage {
    /// Meter / event type.
    #[serde(default)]
    pub usage_type: Option<String>,
    /// Quantity.
    #[serde(default, deserialize_with = "super::wire::opt_f64")]
    pub quantity: Option<f64>,
    /// Units.
    #[serde(default)]
    pub units: Option<String>,
    /// The tool's name (`tool.call` events).
    #[serde(
        default,
        rename = "tool_name",
        alias = "toolName",
        skip_serializing_if = "Option::is_none"
    )]
    pub tool_name: Option<String>,
    /// How the tool call ended; `None` when absent or not a status drip knows.
    #[serde(
        default,
        deserialize_with = "lenient_status",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<super::ToolStatus>,
    /// The error's type name when the call failed.
    #[serde(
        default,
        rename = "error_type",
        alias = "errorType",
        alias = "error_code",
        alias = "errorCode",
        skip_serializing_if = "Option::is_none"
    )]
    pub error_type: Option<String>,
    /// The call's duration in milliseconds, with any fraction the event carried.
    #[serde(
        default,
        rename = "duration_ms",
        alias = "durationMs",
        deserialize_with = "super::wire::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub duration_ms: Option<f64>,
    /// Every other metadata key, as the server returned it.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A known status, or `None` (an unknown spelling is not an error: the
/// server may return statuses this version does not know).
fn lenient_status<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<super::ToolStatus>, D::Error> {
    let raw = Option::<serde_json::Value>::deserialize(d)?;
    Ok(raw.and_then(|v| serde_json::from_value(v).ok()))
}

/// One event in a timeline.
///
/// ```
/// let e: drip_runtime::model::TimelineEvent = serde_json::from_str(
///     r#"{"id":"evt_1","eventType":"llm.call","outcome":"SUCCESS","isRetry":false,"attemptNumber":1}"#,
/// ).unwrap();
/// assert_eq!(e.outcome.as_deref(), Some("SUCCESS"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TimelineEvent {
    /// Event id.
    pub id: String,
    /// Event type.
    #[serde(default)]
    pub event_type: String,
    /// Action name.
    #[serde(default)]
    pub action_name: Option<String>,
    /// `SUCCESS`, `FAILED`, `PENDING`, `TIMEOUT`, `RETRYING`.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Explanation.
    #[serde(default)]
    pub explanation: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// Duration.
    #[serde(default, deserialize_with = "super::wire::opt_u64")]
    pub duration_ms: Option<u64>,
    /// Parent event.
    #[serde(default)]
    pub parent_event_id: Option<String>,
    /// Retried event.
    #[serde(default)]
    pub retry_of_event_id: Option<String>,
    /// Attempt number.
    #[serde(default, deserialize_with = "super::wire::opt_u64")]
    pub attempt_number: Option<u64>,
    /// Retrying event.
    #[serde(default)]
    pub retried_by_event_id: Option<String>,
    /// Decimal string.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub cost_usdc: Option<String>,
    /// Is a retry.
    #[serde(default)]
    pub is_retry: bool,
    /// Retry chain, as sent.
    #[serde(default)]
    pub retry_chain: Option<serde_json::Value>,
    /// Usage (type, quantity, units) and the event's metadata: tool name,
    /// status, error type, duration.
    #[serde(default)]
    pub metadata: Option<TimelineUsage>,
}

/// An anomaly detected in a run.
///
/// ```
/// let a: drip_runtime::model::Anomaly = serde_json::from_str(r#"{"id":"an_1","type":"COST_SPIKE","severity":"HIGH"}"#).unwrap();
/// assert_eq!(a.kind.as_deref(), Some("COST_SPIKE"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Anomaly {
    /// Id.
    pub id: String,
    /// Kind (wire `type`).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// `LOW` … `CRITICAL`.
    #[serde(default)]
    pub severity: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Explanation.
    #[serde(default)]
    pub explanation: Option<String>,
    /// Related events.
    #[serde(default)]
    pub related_event_ids: Vec<String>,
    /// RFC 3339.
    #[serde(default)]
    pub detected_at: Option<String>,
    /// `OPEN`, `RESOLVED` …
    #[serde(default)]
    pub status: Option<String>,
}

/// Summary of a whole run (not only this page).
///
/// ```
/// let s: drip_runtime::model::TimelineSummary = serde_json::from_str(r#"{"totalEvents":3,"byType":{"llm.call":2,"tool.call":1}}"#).unwrap();
/// assert_eq!(s.by_type["llm.call"], 2);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TimelineSummary {
    /// Events in the run.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub total_events: u64,
    /// Count per event type.
    #[serde(default)]
    pub by_type: BTreeMap<String, u64>,
    /// Count per outcome.
    #[serde(default)]
    pub by_outcome: BTreeMap<String, u64>,
    /// Retried events.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub retried_events: u64,
    /// Failed events.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub failed_events: u64,
    /// Decimal string.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub total_cost_usdc: Option<String>,
}

/// One page of a run's timeline.
///
/// ```
/// let t: drip_runtime::model::Timeline = serde_json::from_str(
///     r#"{"runId":"run_1","status":"COMPLETED","events":[],"hasMore":true,"nextCursor":"c2"}"#,
/// ).unwrap();
/// assert!(t.has_more && t.next_cursor.as_deref() == Some("c2"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Timeline {
    /// Run id.
    pub run_id: String,
    /// Workflow id.
    #[serde(default)]
    pub workflow_id: Option<String>,
    /// Workflow name.
    #[serde(default)]
    pub workflow_name: Option<String>,
    /// Customer.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// Status.
    pub status: RunStatus,
    /// Correlation id.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// Metadata as stored.
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    /// Error text.
    #[serde(default)]
    pub error_message: Option<String>,
    /// Error code.
    #[serde(default)]
    pub error_code: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub started_at: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub ended_at: Option<String>,
    /// Duration.
    #[serde(default, deserialize_with = "super::wire::opt_u64")]
    pub duration_ms: Option<u64>,
    /// Events of this page.
    #[serde(default)]
    pub events: Vec<TimelineEvent>,
    /// Anomalies.
    #[serde(default)]
    pub anomalies: Vec<Anomaly>,
    /// Summary.
    #[serde(default)]
    pub summary: TimelineSummary,
    /// More pages follow.
    #[serde(default)]
    pub has_more: bool,
    /// Cursor of the next page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}
