//! Execution events (the billing view of run events): `GET /events`, `/events/{id}`,
//! `/events/{id}/trace`.

use serde::{Deserialize, Serialize};

/// How an execution event ended. Unknown outcomes decode as [`EventOutcome::Other`].
///
/// ```
/// use drip_runtime::model::EventOutcome;
/// let o: EventOutcome = serde_json::from_str("\"FAILURE\"").unwrap();
/// assert_eq!(o, EventOutcome::Failure);
/// assert_eq!(serde_json::from_str::<EventOutcome>("\"NEW\"").unwrap(), EventOutcome::Other);
/// assert_eq!(EventOutcome::Success.as_str(), Some("SUCCESS"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum EventOutcome {
    /// It succeeded.
    Success,
    /// It failed.
    Failure,
    /// It was cancelled.
    Cancelled,
    /// An outcome this version does not know (or none was given).
    #[default]
    #[serde(other)]
    Other,
}

impl EventOutcome {
    /// The wire form, e.g. `"SUCCESS"` (`None` for [`EventOutcome::Other`]).
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            EventOutcome::Success => "SUCCESS",
            EventOutcome::Failure => "FAILURE",
            EventOutcome::Cancelled => "CANCELLED",
            EventOutcome::Other => return None,
        })
    }
}

/// One execution event.
///
/// ```
/// let e: drip_runtime::model::ExecutionEvent = serde_json::from_str(
///     r#"{"id":"evt_1","customerId":"cus_1","runId":"run_1","eventType":"tool.call",
///         "outcome":"SUCCESS","createdAt":"2026-01-01T00:00:00Z","metadata":{"tool_name":"search"}}"#,
/// ).unwrap();
/// assert_eq!(e.event_type, "tool.call");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExecutionEvent {
    /// Server id, `evt_…`.
    pub id: String,
    /// The customer.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub customer_id: Option<String>,
    /// The run, if the event belongs to one.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub run_id: Option<String>,
    /// Event type, e.g. `tool.call`.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub event_type: String,
    /// How it ended.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub outcome: EventOutcome,
    /// Human-readable explanation.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub explanation: Option<String>,
    /// RFC 3339 creation time.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub created_at: Option<String>,
    /// Metadata as stored.
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
}

/// Query of `GET /events`: filters and a page.
///
/// ```
/// use drip_runtime::model::{EventOutcome, ListExecutionEvents};
/// let q = ListExecutionEvents::new().customer("cus_1").outcome(EventOutcome::Failure).limit(20);
/// assert_eq!(q.limit, Some(20));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
#[must_use]
pub struct ListExecutionEvents {
    /// Only this customer's events.
    pub customer_id: Option<String>,
    /// Only this run's events.
    pub run_id: Option<String>,
    /// Only events of this type.
    pub event_type: Option<String>,
    /// Only events with this outcome.
    pub outcome: Option<EventOutcome>,
    /// Page size, 1 to 100.
    pub limit: Option<u32>,
    /// Events to skip.
    pub offset: Option<u32>,
}

impl ListExecutionEvents {
    /// Every event, first page.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only `customer_id`'s events.
    pub fn customer(mut self, customer_id: impl Into<String>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }
    /// Only the events of run `run_id` (the server's run id).
    pub fn run(mut self, run_id: impl Into<String>) -> Self {
        self.run_id = Some(run_id.into());
        self
    }
    /// Only events of type `event_type`.
    pub fn event_type(mut self, event_type: impl Into<String>) -> Self {
        self.event_type = Some(event_type.into());
        self
    }
    /// Only events with `outcome`.
    pub fn outcome(mut self, outcome: EventOutcome) -> Self {
        self.outcome = Some(outcome);
        self
    }
    /// Page size, 1 to 100.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Events to skip.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }
}

/// A page of `GET /events`.
///
/// ```
/// let page: drip_runtime::model::ExecutionEventList =
///     serde_json::from_str(r#"{"data":[],"total":3,"limit":10,"offset":0}"#).unwrap();
/// assert_eq!(page.total, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ExecutionEventList {
    /// The page.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub data: Vec<ExecutionEvent>,
    /// All matching events.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub total: u64,
    /// The page size applied.
    #[serde(default, deserialize_with = "super::wire::opt_u64")]
    pub limit: Option<u64>,
    /// The events skipped.
    #[serde(default, deserialize_with = "super::wire::opt_u64")]
    pub offset: Option<u64>,
}

/// Answer to `GET /events/{id}/trace`: what caused an event and what it caused.
///
/// ```
/// let t: drip_runtime::model::EventTrace = serde_json::from_str(
///     r#"{"eventId":"evt_2","ancestors":[],"children":[],"retryChain":[]}"#,
/// ).unwrap();
/// assert_eq!(t.event_id, "evt_2");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventTrace {
    /// The traced event.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub event_id: String,
    /// Its parent chain, root first.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub ancestors: Vec<ExecutionEvent>,
    /// The events it caused directly.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub children: Vec<ExecutionEvent>,
    /// Every attempt, when it was retried.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub retry_chain: Vec<ExecutionEvent>,
}
