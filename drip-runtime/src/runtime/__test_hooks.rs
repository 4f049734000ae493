//! Test hook: hands an envelope to the current runtime as the run context
//! would (a one-event stream batch of an already started run, a usage
//! record, …), for the delivery tests and benches that need wire shapes the
//! attributes do not produce on demand. Not public API.

use crate::delivery::{Envelope, Submission, end_run};
use crate::metadata::Metadata;
use crate::model::{Event, RecordRun, RunStatus, StartRun, TrackUsage};

/// A record-mode run with `events`.
pub fn submit_run(customer_id: &str, workflow: &str, external_run_id: &str, events: Vec<Event>) {
    let run = RecordRun::new(customer_id, workflow, RunStatus::Completed)
        .external_run_id(external_run_id)
        .events(events);
    submit(Envelope::record(run, None));
}

/// A record-mode run that failed with `error_message`, with run metadata.
pub fn submit_failed_run(
    customer_id: &str,
    workflow: &str,
    external_run_id: &str,
    events: Vec<Event>,
    error_message: &str,
    metadata: Metadata,
) {
    let run = RecordRun::new(customer_id, workflow, RunStatus::Failed)
        .external_run_id(external_run_id)
        .events(events)
        .error_code("HostileError")
        .error_message(error_message)
        .metadata(metadata);
    submit(Envelope::record(run, None));
}

/// Stream mode: the start of a run.
pub fn submit_stream_start(customer_id: &str, workflow: &str, external_run_id: &str) {
    let start = StartRun::new(customer_id, "").external_run_id(external_run_id);
    submit(Envelope::stream_start(start, workflow, None));
}

/// Stream mode: events of a started run.
pub fn submit_stream_events(external_run_id: impl Into<String>, events: Vec<Event>) {
    submit(Envelope::StreamEvents {
        external_run_id: external_run_id.into(),
        events,
    });
}

/// Stream mode: the end of a run.
pub fn submit_stream_end(external_run_id: &str, status: RunStatus) {
    submit(Envelope::stream_end(
        external_run_id,
        end_run(status, None, None),
    ));
}

/// A usage record.
pub fn submit_usage(customer_id: &str, meter: &str, quantity: f64, idempotency_key: &str) {
    submit(Envelope::usage(
        TrackUsage::new(customer_id, meter, quantity).idempotency_key(idempotency_key),
    ));
}

fn submit(work: impl Into<Submission>) {
    match super::current() {
        Some(rt) => rt.send(work, None),
        None => super::global::orphan(work.into().items()),
    }
}
