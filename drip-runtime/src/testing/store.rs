//! A test's capture: the [`Sink`] a capture runtime hands its work to.

use super::{CapturedRun, CapturedUsage, Delivery};
use crate::delivery::{Envelope, Submission};
use crate::privacy::Sanitizer;
use crate::runtime::Sink;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// What a test's capture has seen.
#[derive(Default)]
pub(crate) struct CaptureStore {
    log: Mutex<CaptureLog>,
    /// The capture runtime's privacy rules, applied as a pipeline would.
    pub(crate) privacy: Arc<Sanitizer>,
}

#[derive(Default)]
pub(crate) struct CaptureLog {
    pub(crate) runs: Vec<CapturedRun>,
    pub(crate) usage: Vec<CapturedUsage>,
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) unattached: Vec<String>,
    /// Stream-mode runs started but not ended, by external id.
    open_streams: HashMap<String, CapturedRun>,
}

impl CaptureLog {
    /// A usage record or a charge, as the test sees both.
    fn usage_of(
        &mut self,
        customer_id: String,
        meter: String,
        quantity: f64,
        metadata: Option<crate::Metadata>,
        idempotency_key: Option<String>,
        external_customer: Option<String>,
    ) {
        self.deliveries.push(Delivery::Usage {
            customer_id: customer_id.clone(),
            meter: meter.clone(),
        });
        self.usage.push(CapturedUsage {
            customer_id,
            meter,
            quantity,
            metadata: metadata.unwrap_or_default(),
            idempotency_key: idempotency_key.unwrap_or_default(),
            external_customer,
        });
    }
}

impl CaptureStore {
    pub(crate) fn log(&self) -> MutexGuard<'_, CaptureLog> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn accept(&self, env: Envelope, duration: Option<Duration>) {
        let mut log = self.log();
        let log = &mut *log;
        match env.into_typed() {
            Envelope::Run {
                run,
                parent_external_run_id,
                external_customer,
                ..
            } => {
                let external_run_id = run.external_run_id.unwrap_or_default();
                log.deliveries.push(Delivery::Record {
                    external_run_id: external_run_id.clone(),
                    events: run.events.len(),
                });
                log.runs.push(CapturedRun {
                    workflow: run.workflow,
                    customer_id: run.customer_id,
                    status: run.status,
                    error_code: run.error_code,
                    error_message: run.error_message,
                    duration: duration.unwrap_or_default(),
                    metadata: run.metadata.unwrap_or_default(),
                    events: run.events,
                    external_run_id,
                    parent_external_run_id,
                    correlation_id: run.correlation_id,
                    stream: false,
                    external_customer,
                });
            }
            Envelope::StreamStart {
                run: start,
                workflow,
                parent_external_run_id,
                external_customer,
            } => {
                let external_run_id = start.external_run_id.unwrap_or_default();
                log.deliveries.push(Delivery::StreamStart {
                    external_run_id: external_run_id.clone(),
                });
                log.open_streams.insert(
                    external_run_id.clone(),
                    CapturedRun {
                        workflow,
                        customer_id: start.customer_id,
                        status: crate::model::RunStatus::Running,
                        error_code: None,
                        error_message: None,
                        duration: Duration::ZERO,
                        metadata: start.metadata.unwrap_or_default(),
                        events: Vec::new(),
                        external_run_id,
                        parent_external_run_id,
                        correlation_id: start.correlation_id,
                        stream: true,
                        external_customer,
                    },
                );
            }
            Envelope::StreamEvents {
                external_run_id,
                events,
            } => {
                log.deliveries.push(Delivery::StreamEvents {
                    external_run_id: external_run_id.clone(),
                    events: events.len(),
                });
                if let Some(run) = log.open_streams.get_mut(&external_run_id) {
                    run.events.extend(events);
                }
            }
            // Made typed above.
            Envelope::StreamWire { .. } => {}
            Envelope::StreamEnd {
                external_run_id,
                end,
            } => {
                log.deliveries.push(Delivery::StreamEnd {
                    external_run_id: external_run_id.clone(),
                    status: end.status,
                });
                if let Some(mut run) = log.open_streams.remove(&external_run_id) {
                    run.status = end.status;
                    run.error_code = end.error_code;
                    run.error_message = end.error_message;
                    run.duration = duration.unwrap_or_default();
                    log.runs.push(run);
                }
            }
            Envelope::Usage {
                usage,
                external_customer,
            } => log.usage_of(
                usage.customer_id,
                usage.meter,
                usage.quantity,
                usage.metadata,
                usage.idempotency_key,
                external_customer,
            ),
            Envelope::Charge {
                charge,
                external_customer,
            } => log.usage_of(
                charge.customer_id,
                charge.meter,
                charge.quantity,
                charge.metadata,
                charge.idempotency_key,
                external_customer,
            ),
        }
    }

    pub(crate) fn clear(&self) {
        let mut log = self.log();
        log.runs.clear();
        log.usage.clear();
        log.deliveries.clear();
        log.unattached.clear();
        // Open streams stay: their runs are still going and will end later.
    }
}

impl Sink for CaptureStore {
    fn send(&self, work: Submission, duration: Option<Duration>) {
        self.accept(work.build(&self.privacy), duration);
    }

    fn note_unattached(&self, name: &str) {
        self.log().unattached.push(name.to_owned());
    }
}
