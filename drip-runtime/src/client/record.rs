//! `record_run`: a whole run in one call, with the drip-api.md §2.13 fallback.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::Result;
use crate::model::{RecordRun, RecordRunResult, RecordedEvents, RecordedRun, RunEnded, RunStatus};
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
        prepare::check_record(&run)?;
        let started = Instant::now();
        run.events = std::mem::take(&mut run.events)
            .into_iter()
            .map(|e| prepare::event(self.privacy(), e))
            .collect();
        run.metadata = prepare::metadata(self.privacy(), run.metadata.take());
        run.error_message = prepare::text(self.privacy(), run.error_message.take());
        run.idempotency_key = Some(prepare::key_or_new(run.idempotency_key.take(), "rec"));
        if run.external_run_id.as_deref().is_none_or(str::is_empty) {
            run.external_run_id = Some(crate::model::idempotency::new_key("xrun"));
        }
        let req = self.record_request(&run)?;
        let external = run.external_run_id.clone();
        let reply = self.inner().send(&req).await?;
        let recorded = if reply.status != 404 {
            reply.decode(req.route)?
        } else {
            tracing::debug!(target: "drip::client", "drip: /runs/record missing (404); recording through the fallback");
            self.record_run_fallback(run, started).await?
        };
        super::run_index::remember(external.as_deref(), &recorded.run.id);
        Ok(recorded)
    }

    /// `POST /runs/record` alone, for a body whose text and metadata already
    /// passed the privacy hook and whose keys are set (the delivery thread's
    /// runs, kept for retries and sent without copying). `Ok(None)` when the
    /// endpoint is missing (404): the caller then records the run step by
    /// step with [`fallback`], retrying each step on its own so that a
    /// failed step does not resend the ones already stored.
    pub(crate) async fn record_endpoint(&self, run: &RecordRun) -> Result<Option<RecordRunResult>> {
        prepare::check_record(run)?;
        let req = self.record_request(run)?;
        let reply = self.inner().send(&req).await?;
        if reply.status == 404 {
            return Ok(None);
        }
        let recorded: RecordRunResult = reply.decode(req.route)?;
        super::run_index::remember(run.external_run_id.as_deref(), &recorded.run.id);
        Ok(Some(recorded))
    }

    /// [`record_endpoint`](Self::record_endpoint) for a body already
    /// serialised (its events spliced in as their JSON, each of which passed
    /// the client's checks); `head` is the run without its events, checked
    /// here as the typed call checks it.
    pub(crate) async fn record_endpoint_raw(
        &self,
        head: &RecordRun,
        body: bytes::Bytes,
    ) -> Result<Option<RecordRunResult>> {
        prepare::check_record(head)?;
        let url = self.endpoint(&["runs", "record"])?;
        let mut req = Request::new("POST /runs/record", Method::POST, url);
        req.body = Some(body);
        let reply = self.inner().send(&req).await?;
        if reply.status == 404 {
            return Ok(None);
        }
        let recorded: RecordRunResult = reply.decode(req.route)?;
        super::run_index::remember(head.external_run_id.as_deref(), &recorded.run.id);
        Ok(Some(recorded))
    }

    fn record_request(&self, body: &RecordRun) -> Result<Request> {
        let url = self.endpoint(&["runs", "record"])?;
        Request::new("POST /runs/record", Method::POST, url).json(body)
    }

    async fn record_run_fallback(
        &self,
        run: RecordRun,
        started: Instant,
    ) -> Result<RecordRunResult> {
        let body = &run;
        let workflow_id = self.resolve_workflow_id(&run.workflow).await?;
        let started_run = self.start_run(fallback::start(body, &workflow_id)).await?;

        let mut events = RecordedEvents::default();
        if !run.events.is_empty() {
            let stored = self
                .emit_events_batch(&started_run.id, fallback::events(body))
                .await?;
            events.created = stored.created;
            events.duplicates = stored.duplicates;
        }

        let end = fallback::end(body);
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

/// The requests of the drip-api.md §2.13 fallback, built from a record body.
/// Every key derives from the external run id, so a replay of the same run
/// (even one rebuilt by the caller without an idempotency key) is recognised
/// step by step.
pub(crate) mod fallback {
    use crate::model::{EndRun, Event, RecordRun, StartRun};

    fn external_run_id(body: &RecordRun) -> &str {
        body.external_run_id.as_deref().unwrap_or_default()
    }

    /// `POST /runs`.
    pub(crate) fn start(body: &RecordRun, workflow_id: &str) -> StartRun {
        let ext = external_run_id(body);
        let mut start = StartRun::new(body.customer_id.as_str(), workflow_id)
            .external_run_id(ext)
            .idempotency_key(format!("{ext}:start"));
        start.correlation_id = body.correlation_id.clone();
        start.parent_run_id = body.parent_run_id.clone();
        start.metadata = body.metadata.clone();
        start
    }

    /// `POST /run-events/batch`: keys `{externalRunId}:{eventType}:{index}`.
    pub(crate) fn events(body: &RecordRun) -> Vec<Event> {
        let ext = external_run_id(body);
        body.events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let mut e = e.clone();
                e.idempotency_key = format!("{ext}:{}:{i}", e.event_type);
                e.quantity = Some(e.quantity.unwrap_or(1.0));
                e
            })
            .collect()
    }

    /// `PATCH /runs/{id}`. Metadata is not resent, as in the official fallback.
    pub(crate) fn end(body: &RecordRun) -> EndRun {
        let mut end =
            EndRun::new(body.status).idempotency_key(format!("{}:end", external_run_id(body)));
        end.error_message = body.error_message.clone();
        end.error_code = body.error_code.clone();
        end
    }
}
