//! Spool lines of the earlier format, in which each envelope kind had a
//! struct of its own (`run`, `stream_start`, `stream_end`, `usage`,
//! `charge`; `stream_events` is unchanged): read so that a spool left by an
//! older drip replays after an upgrade, with the keys, ids and timing it
//! was written with. Nothing writes this format.

use super::{Envelope, end_run};
use crate::metadata::Metadata;
use crate::model::{Charge, Event, RecordRun, RunStatus, StartRun, TrackUsage};
use serde::Deserialize;
use std::time::SystemTime;

/// One line of the earlier format.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    Run(FinishedRun),
    StreamStart(StreamStart),
    StreamEnd(StreamEnd),
    Usage(UsageRecord),
    Charge(UsageRecord),
}

/// What a run's start and a whole run both carried.
#[derive(Deserialize)]
struct RunIdentity {
    customer_id: String,
    workflow: String,
    external_run_id: String,
    #[serde(default)]
    parent_external_run_id: Option<String>,
    #[serde(default)]
    correlation_id: Option<String>,
}

#[derive(Deserialize)]
struct FinishedRun {
    #[serde(flatten)]
    id: RunIdentity,
    status: RunStatus,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    error_message: Option<String>,
    #[serde(default)]
    metadata: Metadata,
    events: Vec<Event>,
    #[serde(default)]
    started_at: Option<SystemTime>,
    #[serde(default)]
    ended_at: Option<SystemTime>,
}

#[derive(Deserialize)]
struct StreamStart {
    #[serde(flatten)]
    id: RunIdentity,
    #[serde(default)]
    metadata: Metadata,
}

#[derive(Deserialize)]
struct StreamEnd {
    external_run_id: String,
    status: RunStatus,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    error_message: Option<String>,
}

#[derive(Deserialize)]
struct UsageRecord {
    customer_id: String,
    meter: String,
    quantity: f64,
    #[serde(default)]
    metadata: Metadata,
    idempotency_key: String,
}

fn non_empty(metadata: Metadata) -> Option<Metadata> {
    (!metadata.is_empty()).then_some(metadata)
}

/// The envelope an earlier-format line holds; `None` when it is not one.
pub(super) fn read(line: &[u8]) -> Option<Envelope> {
    Some(match serde_json::from_slice::<Line>(line).ok()? {
        Line::Run(old) => {
            let mut run = RecordRun::new(old.id.customer_id, old.id.workflow, old.status)
                .events(old.events)
                .external_run_id(old.id.external_run_id);
            run.correlation_id = old.id.correlation_id;
            run.error_code = old.error_code;
            run.error_message = old.error_message;
            run.metadata = non_empty(old.metadata);
            if let (Some(started), Some(ended)) = (old.started_at, old.ended_at) {
                run = run.timing(started, ended);
            }
            Envelope::record(run, old.id.parent_external_run_id)
        }
        Line::StreamStart(old) => {
            let id = old.id;
            let mut run = StartRun::new(id.customer_id, "").external_run_id(id.external_run_id);
            run.correlation_id = id.correlation_id;
            run.metadata = non_empty(old.metadata);
            Envelope::stream_start(run, id.workflow, id.parent_external_run_id)
        }
        Line::StreamEnd(old) => Envelope::stream_end(
            old.external_run_id,
            end_run(old.status, old.error_code, old.error_message),
        ),
        Line::Usage(old) => {
            let mut usage = TrackUsage::new(old.customer_id, old.meter, old.quantity)
                .idempotency_key(old.idempotency_key);
            usage.metadata = non_empty(old.metadata);
            Envelope::usage(usage)
        }
        Line::Charge(old) => {
            let mut charge = Charge::new(old.customer_id, old.meter, old.quantity)
                .idempotency_key(old.idempotency_key);
            charge.metadata = non_empty(old.metadata);
            Envelope::charge(charge)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_earlier_kind_reads_as_its_request() {
        let run = r#"{"run":{"customer_id":"cus_1","workflow":"w","external_run_id":"run_1","parent_external_run_id":"run_0","status":"FAILED","error_code":"E","metadata":{"region":"eu"},"events":[],"started_at":{"secs_since_epoch":1700000000,"nanos_since_epoch":0},"ended_at":{"secs_since_epoch":1700000001,"nanos_since_epoch":500000000}}}"#;
        let Some(Envelope::Run {
            run,
            parent_external_run_id,
            ..
        }) = read(run.as_bytes())
        else {
            panic!("not a run")
        };
        assert_eq!(run.external_run_id.as_deref(), Some("run_1"));
        assert_eq!(parent_external_run_id.as_deref(), Some("run_0"));
        assert_eq!(run.duration_ms, Some(1_500));
        assert_eq!(run.error_code.as_deref(), Some("E"));
        assert!(run.metadata.is_some());
        let start = r#"{"stream_start":{"customer_id":"cus_1","workflow":"agent","external_run_id":"run_2"}}"#;
        assert!(
            matches!(read(start.as_bytes()), Some(Envelope::StreamStart { workflow, .. }) if workflow == "agent")
        );
        let end = r#"{"stream_end":{"external_run_id":"run_2","status":"COMPLETED"}}"#;
        assert!(
            matches!(read(end.as_bytes()), Some(Envelope::StreamEnd { external_run_id, .. }) if external_run_id == "run_2")
        );
        let usage =
            r#"{"usage":{"customer_id":"cus_1","meter":"m","quantity":2.0,"idempotency_key":"k"}}"#;
        assert!(
            matches!(read(usage.as_bytes()), Some(Envelope::Usage { usage: u, .. }) if u.idempotency_key.as_deref() == Some("k"))
        );
        let charge = r#"{"charge":{"customer_id":"cus_1","meter":"m","quantity":2.0,"idempotency_key":"c"}}"#;
        assert!(
            matches!(read(charge.as_bytes()), Some(Envelope::Charge { charge: c, .. }) if c.idempotency_key.as_deref() == Some("c"))
        );
        assert!(read(b"{\"run\":{}}").is_none());
    }
}
