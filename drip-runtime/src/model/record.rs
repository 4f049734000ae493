//! A whole run in one call: `POST /runs/record` (with the §2.13 fallback).

use super::{Event, RunStatus};
use crate::metadata::Metadata;
use serde::{Deserialize, Serialize};

/// Body of `POST /runs/record`. Events keep their own `idempotencyKey` and
/// `timestamp`. This one type is the body wherever it goes: the client
/// serialises it, and the delivery pipeline spools and sends it as it is.
///
/// ```
/// use drip_runtime::model::{Event, RecordRun, RunStatus};
/// let r = RecordRun::new("cus_1", "research-agent", RunStatus::Completed)
///     .event(Event::llm_call("gpt-4o", 1_200))
///     .external_run_id("job-7");
/// let json = serde_json::to_value(&r).unwrap();
/// assert_eq!(json["workflow"], "research-agent");
/// assert!(json["events"][0]["idempotencyKey"].is_string());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecordRun {
    /// Drip customer id.
    pub customer_id: String,
    /// Workflow id or slug.
    pub workflow: String,
    /// The run's events.
    pub events: Vec<Event>,
    /// Terminal status.
    pub status: RunStatus,
    /// Error text; redacted before sending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Your run id; made once per call when absent so that retries and the
    /// fallback's event keys are stable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_run_id: Option<String>,
    /// Correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The parent run's id (nested agent runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_run_id: Option<String>,
    /// RFC 3339 start, measured by the caller. Not in the hosted API's
    /// documented body (servers that do not know it ignore it); the emulator
    /// uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// RFC 3339 end, measured by the caller (see `started_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    /// Duration measured by the caller (see `started_at`); without it the
    /// server's own figure is the time of the record call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Metadata; sanitised before sending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Made once per call when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// A run's start and end as the record body carries them.
struct Timing {
    pub started_at: String,
    pub ended_at: String,
    pub duration_ms: Option<u64>,
}

impl Timing {
    fn of(started: std::time::SystemTime, ended: std::time::SystemTime) -> Self {
        Timing {
            started_at: super::time::rfc3339(started),
            ended_at: super::time::rfc3339(ended),
            duration_ms: ended
                .duration_since(started)
                .ok()
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        }
    }
}

impl RecordRun {
    /// A run of `workflow` (id or slug) for `customer_id`, ended with `status`.
    pub fn new(
        customer_id: impl Into<String>,
        workflow: impl Into<String>,
        status: RunStatus,
    ) -> Self {
        RecordRun {
            customer_id: customer_id.into(),
            workflow: workflow.into(),
            events: Vec::new(),
            status,
            error_message: None,
            error_code: None,
            external_run_id: None,
            correlation_id: None,
            parent_run_id: None,
            started_at: None,
            ended_at: None,
            duration_ms: None,
            metadata: None,
            idempotency_key: None,
        }
    }
    /// Appends an event.
    #[must_use]
    pub fn event(mut self, event: Event) -> Self {
        self.events.push(event);
        self
    }
    /// Appends events.
    #[must_use]
    pub fn events(mut self, events: impl IntoIterator<Item = Event>) -> Self {
        self.events.extend(events);
        self
    }
    /// Error text.
    #[must_use]
    pub fn error_message(mut self, message: impl Into<String>) -> Self {
        self.error_message = Some(message.into());
        self
    }
    /// Error code.
    #[must_use]
    pub fn error_code(mut self, code: impl Into<String>) -> Self {
        self.error_code = Some(code.into());
        self
    }
    /// Your run id.
    #[must_use]
    pub fn external_run_id(mut self, id: impl Into<String>) -> Self {
        self.external_run_id = Some(id.into());
        self
    }
    /// Correlation id.
    #[must_use]
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }
    /// Parent run id.
    #[must_use]
    pub fn parent_run_id(mut self, id: impl Into<String>) -> Self {
        self.parent_run_id = Some(id.into());
        self
    }
    /// When the run started and ended, measured by the caller.
    ///
    /// ```
    /// use drip_runtime::model::{RecordRun, RunStatus};
    /// use std::time::{Duration, SystemTime};
    /// let end = SystemTime::now();
    /// let r = RecordRun::new("cus_1", "wf", RunStatus::Completed).timing(end - Duration::from_millis(1_500), end);
    /// assert_eq!(r.duration_ms, Some(1_500));
    /// ```
    #[must_use]
    pub fn timing(mut self, started: std::time::SystemTime, ended: std::time::SystemTime) -> Self {
        let timing = Timing::of(started, ended);
        self.started_at = Some(timing.started_at);
        self.ended_at = Some(timing.ended_at);
        self.duration_ms = timing.duration_ms;
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
}

/// The run part of [`RecordRunResult`].
///
/// ```
/// let r: drip_runtime::model::RecordedRun = serde_json::from_str(r#"{"id":"run_1","status":"COMPLETED","durationMs":12}"#).unwrap();
/// assert_eq!(r.duration_ms, Some(12));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecordedRun {
    /// Run id.
    pub id: String,
    /// Workflow id.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub workflow_id: Option<String>,
    /// Workflow name.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub workflow_name: Option<String>,
    /// Status.
    pub status: RunStatus,
    /// Duration.
    #[serde(default, deserialize_with = "super::wire::opt_u64")]
    pub duration_ms: Option<u64>,
}

/// Event counts of [`RecordRunResult`].
///
/// ```
/// let e: drip_runtime::model::RecordedEvents = serde_json::from_str(r#"{"created":2,"duplicates":1}"#).unwrap();
/// assert_eq!(e.created + e.duplicates, 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecordedEvents {
    /// Newly stored.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub created: u64,
    /// Already stored before.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub duplicates: u64,
}

/// Answer to `record_run` (from `/runs/record`, or built locally by the fallback).
///
/// ```
/// let r: drip_runtime::model::RecordRunResult = serde_json::from_str(
///     r#"{"run":{"id":"run_1","status":"COMPLETED"},"events":{"created":2,"duplicates":0},"summary":"✓ Agent: 2 events recorded (5ms)"}"#,
/// ).unwrap();
/// assert!(!r.via_fallback);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecordRunResult {
    /// The run.
    pub run: RecordedRun,
    /// Event counts.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub events: RecordedEvents,
    /// Decimal string.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub total_cost_units: Option<String>,
    /// One-line summary, e.g. `✓ Research Agent: 3 events recorded (120ms)`.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub summary: Option<String>,
    /// True when `/runs/record` was missing (404) and the run was written
    /// through `POST /runs`, `/run-events/batch` and `PATCH /runs/{id}`.
    #[serde(skip)]
    pub via_fallback: bool,
}
