//! What the run context hands to delivery. Plain data, independent of the
//! client's request types, so capture and delivery evolve separately.

use crate::metadata::Metadata;
use crate::model::{Event, RunStatus};

/// A unit of work for the transport.
#[derive(Debug, Clone)]
#[allow(dead_code)] // STUB: consumed by the delivery work.
pub(crate) enum Envelope {
    /// A record-mode run, sent whole as one `POST /runs/record`.
    Run(FinishedRun),
    /// Stream mode: `POST /runs` (workflow slug resolved to an id by the transport).
    StreamStart(StreamStart),
    /// Stream mode: events of a started run, batched to `/run-events/batch`.
    StreamEvents {
        /// The run's client-made id (the transport maps it to the server's id).
        external_run_id: String,
        /// Events, keys and timestamps already fixed.
        events: Vec<Event>,
    },
    /// Stream mode: `PATCH /runs/{id}`.
    StreamEnd(StreamEnd),
    /// `POST /usage/internal`.
    Usage(UsageRecord),
}

/// A whole record-mode run.
#[derive(Debug, Clone, PartialEq)]
#[allow(dead_code)]
pub(crate) struct FinishedRun {
    pub customer_id: String,
    pub workflow: String,
    pub external_run_id: String,
    pub parent_external_run_id: Option<String>,
    pub correlation_id: Option<String>,
    pub status: RunStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub metadata: Metadata,
    pub events: Vec<Event>,
}

/// Start of a stream-mode run.
#[derive(Debug, Clone, PartialEq)]
#[allow(dead_code)]
pub(crate) struct StreamStart {
    pub customer_id: String,
    pub workflow: String,
    pub external_run_id: String,
    pub parent_external_run_id: Option<String>,
    pub correlation_id: Option<String>,
    pub metadata: Metadata,
}

/// End of a stream-mode run.
#[derive(Debug, Clone, PartialEq)]
#[allow(dead_code)]
pub(crate) struct StreamEnd {
    pub external_run_id: String,
    pub status: RunStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// One usage record (`trackUsage`).
#[derive(Debug, Clone, PartialEq)]
#[allow(dead_code)]
pub(crate) struct UsageRecord {
    pub customer_id: String,
    pub meter: String,
    pub quantity: f64,
    pub metadata: Metadata,
    pub idempotency_key: String,
}
