//! What the run context hands to delivery. Plain data, independent of the
//! client's request types, so capture and delivery evolve separately.
//!
//! Envelopes are also the spool's record format (one JSON line each), so every
//! idempotency key, `externalRunId` and timestamp made at capture survives a
//! restart unchanged.

use crate::metadata::Metadata;
use crate::model::{Event, RunStatus};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

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
    /// `POST /usage`: a charge (a `StreamMeter` flush), its key fixed before the first attempt.
    Charge(ChargeRecord),
}

impl Envelope {
    /// Billable items inside: events and usage records. Reports count these.
    pub(crate) fn items(&self) -> u64 {
        match self {
            Envelope::Run(run) => run.events.len() as u64,
            Envelope::StreamEvents { events, .. } => events.len() as u64,
            Envelope::Usage(_) | Envelope::Charge(_) => 1,
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
    /// Wall-clock start and end, fixed when the run started and ended, so a
    /// run replayed from the spool still reports its own duration. Absent in
    /// spools written before they existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<SystemTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<SystemTime>,
    /// The application's own id for the customer, resolved to Drip's id
    /// (`customer_id`, empty until then) on the transport thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_customer: Option<String>,
}

impl FinishedRun {
    /// A completed run with `events` and nothing else set.
    #[cfg(any(test, feature = "test-util"))]
    pub(crate) fn new(
        customer_id: &str,
        workflow: &str,
        external_run_id: &str,
        events: Vec<Event>,
    ) -> Self {
        FinishedRun {
            customer_id: customer_id.into(),
            workflow: workflow.into(),
            external_run_id: external_run_id.into(),
            parent_external_run_id: None,
            correlation_id: None,
            status: RunStatus::Completed,
            error_code: None,
            error_message: None,
            metadata: Metadata::new(),
            events,
            started_at: None,
            ended_at: None,
            external_customer: None,
        }
    }
}

/// For each stream-run start, how many of its ancestors are among `starts`:
/// starting them in rising order starts every parent before its children,
/// so a child's request can name its parent's server id.
pub(crate) fn parent_depths(starts: &[&StreamStart]) -> Vec<usize> {
    let index: std::collections::HashMap<&str, usize> = starts
        .iter()
        .enumerate()
        .map(|(i, s)| (s.external_run_id.as_str(), i))
        .collect();
    starts
        .iter()
        .map(|start| {
            let mut depth = 0;
            let mut parent = start.parent_external_run_id.as_deref();
            // Bounded: a cycle (which runs cannot make) ends at `starts.len()`.
            while let Some(&j) = parent.and_then(|p| index.get(p)) {
                if depth == starts.len() {
                    break;
                }
                depth += 1;
                parent = starts[j].parent_external_run_id.as_deref();
            }
            depth
        })
        .collect()
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
    /// The application's own id for the customer, resolved to Drip's id
    /// (`customer_id`, empty until then) on the transport thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_customer: Option<String>,
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
    /// The application's own id for the customer, resolved to Drip's id
    /// (`customer_id`, empty until then) on the transport thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_customer: Option<String>,
}

/// One charge (`POST /usage`), same shape as a usage record.
pub(crate) type ChargeRecord = UsageRecord;

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

    #[test]
    fn a_run_spooled_before_timing_existed_still_reads_back() {
        let line = r#"{"run":{"customer_id":"cus_1","workflow":"w","external_run_id":"run_1","status":"COMPLETED","events":[]}}"#;
        let Envelope::Run(run) = serde_json::from_str(line).unwrap() else {
            panic!("kind changed")
        };
        assert_eq!(run.started_at, None);
        assert_eq!(run.ended_at, None);
    }

    fn start(run: &str, parent: Option<&str>) -> StreamStart {
        StreamStart {
            customer_id: "cus_1".into(),
            workflow: "agent".into(),
            external_run_id: run.into(),
            parent_external_run_id: parent.map(Into::into),
            correlation_id: None,
            metadata: Metadata::new(),
            external_customer: None,
        }
    }

    #[test]
    fn parents_are_shallower_than_their_children() {
        let starts = [
            start("grandchild", Some("child")),
            start("other", None),
            start("child", Some("root")),
            start("orphan", Some("gone")),
            start("root", None),
        ];
        let refs: Vec<&StreamStart> = starts.iter().collect();
        assert_eq!(parent_depths(&refs), [2, 0, 1, 0, 0]);
        // A cycle (which runs cannot make) still ends, with every run given a depth.
        let cycle = [start("a", Some("b")), start("b", Some("a"))];
        assert_eq!(parent_depths(&cycle.iter().collect::<Vec<_>>()).len(), 2);
    }

    #[test]
    fn an_external_customer_survives_the_spool_format_and_older_lines_have_none() {
        let run = FinishedRun {
            customer_id: String::new(),
            external_customer: Some("user_8841".into()),
            ..FinishedRun::new("", "w", "run_1", Vec::new())
        };
        let env = Envelope::Run(run);
        let line = serde_json::to_string(&env).unwrap();
        assert!(
            line.contains(r#""external_customer":"user_8841""#),
            "{line}"
        );
        let back: Envelope = serde_json::from_str(&line).unwrap();
        assert_eq!(back, env);
        let older =
            r#"{"usage":{"customer_id":"cus_1","meter":"m","quantity":1.0,"idempotency_key":"k"}}"#;
        let Envelope::Usage(usage) = serde_json::from_str(older).unwrap() else {
            panic!("kind changed")
        };
        assert_eq!(usage.external_customer, None);
    }

    #[test]
    fn run_timing_survives_the_spool_format() {
        let started = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        let run = FinishedRun {
            started_at: Some(started),
            ended_at: Some(started + std::time::Duration::from_millis(50)),
            ..FinishedRun::new("cus_1", "w", "run_1", Vec::new())
        };
        let env = Envelope::Run(run);
        let back: Envelope = serde_json::from_str(&serde_json::to_string(&env).unwrap()).unwrap();
        assert_eq!(back, env);
    }
}
