//! `record_run`: a whole run in one call, with the drip-api.md §2.13 fallback.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::Result;
use crate::model::{
    EndRun, RecordBody, RecordRun, RecordRunResult, RecordedEvents, RecordedRun, RunEnded,
    RunStatus, StartRun,
};
use reqwest::Method;
use std::time::Instant;

impl Client {
    /// Records a finished run and its events: `POST /runs/record`.
    ///
    /// Only when that endpoint answers 404 does it fall back exactly as the
    /// official SDKs do: resolve the workflow (list, create if missing — cached
    /// per client), `POST /runs`, `POST /run-events/batch` with event keys
    /// `{externalRunId}:{eventType}:{index}`, then `PATCH /runs/{id}`.
    ///
    /// A missing `external_run_id` or idempotency key is made once here, so
    /// retries (and a later replay of the same `RecordRun`) are recognised.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{Event, RecordRun, RunStatus};
    /// let run = RecordRun::new("cus_1", "research-agent", RunStatus::Completed)
    ///     .event(Event::plan("search, then summarise"))
    ///     .event(Event::llm_call("gpt-4o", 1_200))
    ///     .external_run_id("job-7");
    /// let result = client.record_run(run).await?;
    /// println!("{}", result.summary.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn record_run(&self, mut run: RecordRun) -> Result<RecordRunResult> {
        prepare::check_record(&RecordBody::from(&run))?;
        let started = Instant::now();
        run.events = std::mem::take(&mut run.events)
            .into_iter()
            .map(prepare::event)
            .collect();
        run.metadata = prepare::metadata(run.metadata.take());
        run.error_message = prepare::text(run.error_message.take());
        run.idempotency_key = Some(prepare::key_or_new(run.idempotency_key.take(), "rec"));
        if run.external_run_id.as_deref().is_none_or(str::is_empty) {
            run.external_run_id = Some(crate::model::idempotency::new_key("run"));
        }
        let req = self.record_request(&RecordBody::from(&run))?;
        self.send_record(req, started, || run).await
    }

    /// [`Client::record_run`] for a body whose text and metadata already
    /// passed the privacy hook and whose keys are set (the delivery thread's
    /// runs, kept for retries and sent without copying). The run is copied
    /// only if the fallback is needed.
    pub(crate) async fn record_prepared(&self, body: &RecordBody<'_>) -> Result<RecordRunResult> {
        prepare::check_record(body)?;
        let started = Instant::now();
        let req = self.record_request(body)?;
        self.send_record(req, started, || RecordRun::from(body))
            .await
    }

    fn record_request(&self, body: &RecordBody<'_>) -> Result<Request> {
        let url = self.endpoint(&["runs", "record"])?;
        Request::new("POST /runs/record", Method::POST, url).json(body)
    }

    /// Sends a record request; only a 404 turns to the fallback, with the
    /// run `owned` gives.
    async fn send_record(
        &self,
        req: Request,
        started: Instant,
        owned: impl FnOnce() -> RecordRun,
    ) -> Result<RecordRunResult> {
        let reply = self.inner().send(&req).await?;
        if reply.status != 404 {
            return reply.decode(req.route);
        }
        tracing::debug!(target: "drip::client", "drip: /runs/record missing (404); recording through the fallback");
        self.record_run_fallback(owned(), started).await
    }

    async fn record_run_fallback(
        &self,
        run: RecordRun,
        started: Instant,
    ) -> Result<RecordRunResult> {
        // Every key of the fallback derives from the external run id, so a
        // replay of the same run (even one rebuilt by the caller without an
        // idempotency key) is recognised step by step.
        let external_run_id = run.external_run_id.clone().unwrap_or_default();
        let workflow_id = self.resolve_workflow_id(&run.workflow).await?;

        let mut start = StartRun::new(run.customer_id.clone(), workflow_id.clone())
            .external_run_id(external_run_id.clone())
            .idempotency_key(format!("{external_run_id}:start"));
        start.correlation_id = run.correlation_id.clone();
        start.parent_run_id = run.parent_run_id.clone();
        start.metadata = run.metadata.clone();
        let started_run = self.start_run(start).await?;

        let mut events = RecordedEvents::default();
        if !run.events.is_empty() {
            let batch = run
                .events
                .into_iter()
                .enumerate()
                .map(|(i, mut e)| {
                    e.idempotency_key = format!("{external_run_id}:{}:{i}", e.event_type);
                    e.quantity = Some(e.quantity.unwrap_or(1.0));
                    e
                })
                .collect();
            let stored = self.emit_events_batch(&started_run.id, batch).await?;
            events.created = stored.created;
            events.duplicates = stored.duplicates;
        }

        // Metadata is not resent on the PATCH, as in the official fallback.
        let mut end = EndRun::new(run.status).idempotency_key(format!("{external_run_id}:end"));
        end.error_message = run.error_message;
        end.error_code = run.error_code;
        let ended = match self.end_run(&started_run.id, end).await {
            Ok(ended) => ended,
            // Already ended: an earlier attempt's PATCH was committed but its
            // answer lost. The run is recorded; report it as it stands.
            Err(e) if e.status() == Some(409) => {
                let run = self.get_run(&started_run.id).await?;
                if !run.status.is_terminal() {
                    return Err(e);
                }
                RunEnded {
                    id: run.id,
                    status: run.status,
                    ended_at: run.ended_at,
                    duration_ms: run.duration_ms,
                    event_count: run.totals.event_count,
                    total_cost_units: run.totals.total_cost_units,
                }
            }
            Err(e) => return Err(e),
        };

        let duration_ms = run
            .duration_ms
            .or(ended.duration_ms)
            .unwrap_or_else(|| u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
        let workflow_name = started_run
            .workflow_name
            .clone()
            .unwrap_or_else(|| run.workflow.clone());
        let icon = match ended.status {
            RunStatus::Completed => "✓",
            RunStatus::Failed => "✗",
            _ => "○",
        };
        Ok(RecordRunResult {
            summary: Some(format!(
                "{icon} {workflow_name}: {} events recorded ({duration_ms}ms)",
                events.created
            )),
            run: RecordedRun {
                id: started_run.id,
                workflow_id: Some(workflow_id),
                workflow_name: Some(workflow_name),
                status: ended.status,
                duration_ms: Some(duration_ms),
            },
            events,
            total_cost_units: ended.total_cost_units,
            via_fallback: true,
        })
    }
}
