//! Run events: one at a time or in batches.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::Result;
use crate::model::{Event, EventBatchResult, EventEmitted};
use reqwest::Method;
use serde::Serialize;

/// A run event on the wire: `{runId, …event}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RunEventBody<'a> {
    pub(crate) run_id: &'a str,
    #[serde(flatten)]
    pub(crate) event: &'a Event,
}

#[derive(Serialize)]
struct Batch<'a> {
    events: Vec<RunEventBody<'a>>,
}

impl Client {
    /// `POST /run-events`. The event's own idempotency key and timestamp are sent.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let workflow_id = client.resolve_workflow_id("research-agent").await?;
    /// # let run_id = client.start_run(drip_runtime::model::StartRun::new("cus_1", workflow_id)).await?.id;
    /// use drip_runtime::model::{Event, ToolStatus};
    /// use std::time::Duration;
    /// let e = Event::tool_call("web-search", Duration::from_millis(420), ToolStatus::Ok);
    /// let stored = client.emit_event(&run_id, e).await?;
    /// # Ok(()) }
    /// ```
    pub async fn emit_event(&self, run_id: &str, event: Event) -> Result<EventEmitted> {
        prepare::required("runId", run_id)?;
        prepare::check_event(&event)?;
        let event = prepare::event(self.privacy(), event);
        let url = self.endpoint(&["run-events"])?;
        let body = RunEventBody {
            run_id,
            event: &event,
        };
        let req = Request::new("POST /run-events", Method::POST, url).json(&body)?;
        self.inner().call(req).await
    }

    /// `POST /run-events/batch` with `{"events":[{runId, …}]}`. An empty
    /// batch sends nothing.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let workflow_id = client.resolve_workflow_id("research-agent").await?;
    /// # let run_id = client.start_run(drip_runtime::model::StartRun::new("cus_1", workflow_id)).await?.id;
    /// use drip_runtime::model::Event;
    /// let r = client
    ///     .emit_events_batch(&run_id, vec![Event::plan("split the question"), Event::llm_call("gpt-4o", 900)])
    ///     .await?;
    /// println!("{} new, {} duplicates", r.created, r.duplicates);
    /// # Ok(()) }
    /// ```
    pub async fn emit_events_batch(
        &self,
        run_id: &str,
        events: Vec<Event>,
    ) -> Result<EventBatchResult> {
        prepare::required("runId", run_id)?;
        for event in &events {
            prepare::check_event(event)?;
        }
        if events.is_empty() {
            return Ok(EventBatchResult {
                success: true,
                ..EventBatchResult::default()
            });
        }
        let events: Vec<Event> = events
            .into_iter()
            .map(|e| prepare::event(self.privacy(), e))
            .collect();
        let body = Batch {
            events: events
                .iter()
                .map(|event| RunEventBody { run_id, event })
                .collect(),
        };
        let url = self.endpoint(&["run-events", "batch"])?;
        let req = Request::new("POST /run-events/batch", Method::POST, url).json(&body)?;
        self.inner().call(req).await
    }

    /// `POST /run-events/batch` with a body serialised by the caller: exactly
    /// `{"events":[{"runId":…, …event}, …]}`, every event already checked and
    /// passed through the privacy hook. Only the delivery pipeline does both
    /// (before spooling, building the body straight from its records without
    /// copying events), so this is not public: raw bytes would bypass the
    /// checks [`emit_events_batch`](Client::emit_events_batch) makes.
    pub(crate) async fn emit_events_batch_raw(
        &self,
        body: impl Into<bytes::Bytes>,
    ) -> Result<EventBatchResult> {
        let url = self.endpoint(&["run-events", "batch"])?;
        let mut req = Request::new("POST /run-events/batch", Method::POST, url);
        req.body = Some(body.into());
        self.inner().call(req).await
    }
}
