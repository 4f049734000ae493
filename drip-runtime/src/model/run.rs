//! Runs: `POST /runs`, `PATCH /runs/{id}`, `GET /runs/{id}`.

use super::RunStatus;
use crate::metadata::Metadata;
use serde::{Deserialize, Serialize};

/// Body of `POST /runs`. `workflow_id` must be a workflow **id**; use
/// `Client::resolve_workflow_id` to turn a slug into one.
///
/// ```
/// use drip_runtime::model::StartRun;
/// let r = StartRun::new("cus_1", "wf_1").external_run_id("job-7");
/// let json = serde_json::to_value(&r).unwrap();
/// assert_eq!(json["workflowId"], "wf_1");
/// assert!(json.get("parentRunId").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StartRun {
    /// Drip customer id.
    pub customer_id: String,
    /// Workflow id.
    pub workflow_id: String,
    /// Your own run id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_run_id: Option<String>,
    /// Correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Parent run's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_run_id: Option<String>,
    /// Metadata; sanitised before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Made once per call when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

impl StartRun {
    /// A run of workflow `workflow_id` for `customer_id`.
    pub fn new(customer_id: impl Into<String>, workflow_id: impl Into<String>) -> Self {
        StartRun {
            customer_id: customer_id.into(),
            workflow_id: workflow_id.into(),
            external_run_id: None,
            correlation_id: None,
            parent_run_id: None,
            metadata: None,
            idempotency_key: None,
        }
    }
    /// Your own run id.
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
    /// Parent run.
    #[must_use]
    pub fn parent_run_id(mut self, id: impl Into<String>) -> Self {
        self.parent_run_id = Some(id.into());
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

/// Answer to `POST /runs`.
///
/// ```
/// use drip_runtime::model::{RunStarted, RunStatus};
/// let r: RunStarted = serde_json::from_str(r#"{"id":"run_1","status":"RUNNING","workflowName":"Agent"}"#).unwrap();
/// assert_eq!(r.status, RunStatus::Running);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunStarted {
    /// The run's id.
    pub id: String,
    /// Customer.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub customer_id: Option<String>,
    /// Workflow id.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub workflow_id: Option<String>,
    /// Workflow name.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub workflow_name: Option<String>,
    /// Status (normally `RUNNING`; missing or unknown reads as `RUNNING`).
    #[serde(
        default = "super::wire::running",
        deserialize_with = "super::wire::status_or_running"
    )]
    pub status: RunStatus,
    /// Correlation id.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub correlation_id: Option<String>,
    /// RFC 3339.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub created_at: Option<String>,
    /// The key had been seen before; this is the run it created.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub is_duplicate: bool,
}

/// Body of `PATCH /runs/{id}`. The server computes the duration.
///
/// ```
/// use drip_runtime::model::{EndRun, RunStatus};
/// let e = EndRun::new(RunStatus::Failed).error_code("Timeout").error_message("upstream timed out");
/// let json = serde_json::to_value(&e).unwrap();
/// assert_eq!(json["status"], "FAILED");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EndRun {
    /// A terminal status (`COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`).
    pub status: RunStatus,
    /// Error text; redacted before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Error code (e.g. the error type's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Metadata; sanitised before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Made once per call when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

impl EndRun {
    /// Ends with `status`.
    pub fn new(status: RunStatus) -> Self {
        EndRun {
            status,
            error_message: None,
            error_code: None,
            metadata: None,
            idempotency_key: None,
        }
    }
    /// `COMPLETED`.
    pub fn completed() -> Self {
        EndRun::new(RunStatus::Completed)
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

/// Answer to `PATCH /runs/{id}`.
///
/// ```
/// let r: drip_runtime::model::RunEnded = serde_json::from_str(
///     r#"{"id":"run_1","status":"COMPLETED","durationMs":1520,"eventCount":3,"totalCostUnits":"0.25"}"#,
/// ).unwrap();
/// assert_eq!(r.total_cost_units.as_deref(), Some("0.25"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunEnded {
    /// Run id.
    pub id: String,
    /// Final status.
    pub status: RunStatus,
    /// RFC 3339.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub ended_at: Option<String>,
    /// Server-computed duration.
    #[serde(default, deserialize_with = "super::wire::opt_u64")]
    pub duration_ms: Option<u64>,
    /// Events of the run.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub event_count: u64,
    /// Decimal string.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub total_cost_units: Option<String>,
}

/// Totals of a run.
///
/// ```
/// let t: drip_runtime::model::RunTotals = serde_json::from_str(r#"{"eventCount":2,"totalQuantity":1700}"#).unwrap();
/// assert_eq!(t.total_quantity.as_deref(), Some("1700")); // numbers are kept as exact text
/// ```
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunTotals {
    /// Events.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub event_count: u64,
    /// Decimal string.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub total_quantity: Option<String>,
    /// Decimal string.
    #[serde(default, deserialize_with = "super::wire::opt_decimal_string")]
    pub total_cost_units: Option<String>,
}

/// Answer to `GET /runs/{id}`.
///
/// ```
/// let r: drip_runtime::model::RunDetails = serde_json::from_str(
///     r#"{"id":"run_1","status":"FAILED","errorCode":"Timeout","totals":{"eventCount":4},"_links":{}}"#,
/// ).unwrap();
/// assert_eq!(r.totals.event_count, 4);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunDetails {
    /// Run id.
    pub id: String,
    /// Customer.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// Customer's name.
    #[serde(default)]
    pub customer_name: Option<String>,
    /// Workflow id.
    #[serde(default)]
    pub workflow_id: Option<String>,
    /// Workflow name.
    #[serde(default)]
    pub workflow_name: Option<String>,
    /// Status.
    pub status: RunStatus,
    /// RFC 3339.
    #[serde(default)]
    pub started_at: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub ended_at: Option<String>,
    /// Server-computed duration.
    #[serde(default, deserialize_with = "super::wire::opt_u64")]
    pub duration_ms: Option<u64>,
    /// Error text.
    #[serde(default)]
    pub error_message: Option<String>,
    /// Error code.
    #[serde(default)]
    pub error_code: Option<String>,
    /// Correlation id.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// Metadata as stored.
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    /// Totals.
    #[serde(default)]
    pub totals: RunTotals,
}
