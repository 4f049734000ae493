//! What the run context hands to delivery. Plain data, independent of the
//! client's request types, so capture and delivery evolve separately.
//!
//! Envelopes are also the spool's record format (one JSON line each), so every
//! idempotency key, `externalRunId` and timestamp made at capture survives a
//! restart unchanged.

use crate::metadata::Metadata;
use crate::model::{Event, RunStatus};
use serde::{Deserialize, Serialize};

/// A unit of work for the transport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// Externally tagged: reading a spool line back needs no buffering.
#[serde(rename_all = "snake_case")]
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

impl Envelope {
    /// Billable items inside: events and usage records. Reports count these.
    pub(crate) fn items(&self) -> u64 {
        match self {
            Envelope::Run(run) => run.events.len() as u64,
            Envelope::StreamEvents { events, .. } => events.len() as u64,
            Envelope::Usage(_) => 1,
            Envelope::StreamStart(_) | Envelope::StreamEnd(_) => 0,
        }
    }
}

/// A whole record-mode run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FinishedRun {
    pub customer_id: String,
    pub workflow: String,
    pub external_run_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_external_run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub status: RunStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    pub events: Vec<Event>,
}

/// Start of a stream-mode run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StreamStart {
    pub customer_id: String,
    pub workflow: String,
    pub external_run_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_external_run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

/// End of a stream-mode run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StreamEnd {
    pub external_run_id: String,
    pub status: RunStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// One usage record (`trackUsage`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct UsageRecord {
    pub customer_id: String,
    pub meter: String,
    pub quantity: f64,
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    pub idempotency_key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_survive_the_spool_format_unchanged() {
        let event = Event::llm_call("gpt-4o", 12);
        let env = Envelope::StreamEvents {
            external_run_id: "run_x".into(),
            events: vec![event.clone()],
        };
        let line = serde_json::to_string(&env).unwrap();
        let back: Envelope = serde_json::from_str(&line).unwrap();
        assert_eq!(back, env);
        let Envelope::StreamEvents { events, .. } = back else {
            panic!("kind changed")
        };
        assert_eq!(events[0].idempotency_key, event.idempotency_key);
        assert_eq!(events[0].timestamp, event.timestamp);
    }
}
