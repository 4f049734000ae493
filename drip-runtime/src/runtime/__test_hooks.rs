//! Test hook: hands an envelope to the current runtime as the run context
//! would (a one-event stream batch of an already started run, a usage
//! record, …), for the delivery tests and benches that need wire shapes the
//! attributes do not produce on demand. Not public API.

use crate::delivery::{Envelope, FinishedRun, StreamEnd, StreamStart, Submission, UsageRecord};
use crate::metadata::Metadata;
use crate::model::{Event, RunStatus};

/// A record-mode run with `events`.
pub fn submit_run(customer_id: &str, workflow: &str, external_run_id: &str, events: Vec<Event>) {
    submit(Envelope::Run(FinishedRun::new(
        customer_id,
        workflow,
        external_run_id,
        events,
    )));
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
    let mut run = FinishedRun::new(customer_id, workflow, external_run_id, events);
    run.status = RunStatus::Failed;
    run.error_code = Some("HostileError".into());
    run.error_message = Some(error_message.into());
    run.metadata = metadata;
    submit(Envelope::Run(run));
}

/// Stream mode: the start of a run.
pub fn submit_stream_start(customer_id: &str, workflow: &str, external_run_id: &str) {
    submit(Envelope::StreamStart(StreamStart {
        customer_id: customer_id.into(),
        workflow: workflow.into(),
        external_run_id: external_run_id.into(),
        parent_external_run_id: None,
        correlation_id: None,
        metadata: Metadata::new(),
        external_customer: None,
    }));
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
    submit(Envelope::StreamEnd(StreamEnd {
        external_run_id: external_run_id.into(),
        status,
        error_code: None,
        error_message: None,
    }));
}

/// A usage record.
pub fn submit_usage(customer_id: &str, meter: &str, quantity: f64, idempotency_key: &str) {
    submit(Envelope::Usage(UsageRecord {
        customer_id: customer_id.into(),
        meter: meter.into(),
        quantity,
        metadata: Metadata::new(),
        idempotency_key: idempotency_key.into(),
        external_customer: None,
    }));
}

fn submit(work: impl Into<Submission>) {
    match super::current() {
        Some(rt) => rt.send(work, None),
        None => super::global::orphan(work.into().items()),
    }
}
