//! Runs: start, end, get, timeline (one page or all of them).

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::{Error, Result};
use crate::model::{
    AsRunId, EXTERNAL_RUN_ID_PREFIX, EndRun, RunDetails, RunEnded, RunStarted, StartRun, Timeline,
    TimelineEvent, TimelineQuery,
};
use reqwest::Method;

impl Client {
    /// `POST /runs`. `workflow_id` must be an id: see [`Client::resolve_workflow_id`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{EndRun, Event, StartRun};
    /// let wf = client.resolve_workflow_id("research-agent").await?;
    /// let run = client.start_run(StartRun::new("cus_1", wf)).await?;
    /// client.emit_event(&run.id, Event::llm_call("gpt-4o", 1_200)).await?;
    /// let ended = client.end_run(&run.id, EndRun::completed()).await?;
    /// println!("{:?} ms", ended.duration_ms);
    /// # Ok(()) }
    /// ```
    pub async fn start_run(&self, mut run: StartRun) -> Result<RunStarted> {
        prepare::required("customerId", &run.customer_id)?;
        prepare::required("workflowId", &run.workflow_id)?;
        prepare::identifier("externalRunId", run.external_run_id.as_deref())?;
        prepare::identifier("correlationId", run.correlation_id.as_deref())?;
        prepare::identifier("parentRunId", run.parent_run_id.as_deref())?;
        run.metadata = prepare::metadata(self.privacy(), run.metadata.take());
        run.idempotency_key = Some(prepare::key_or_new(run.idempotency_key.take(), "run"));
        let url = self.endpoint(&["runs"])?;
        let req = Request::new("POST /runs", Method::POST, url).json(&run)?;
        let started: RunStarted = self.inner().call(req).await?;
        super::run_index::remember(run.external_run_id.as_deref(), &started.id);
        Ok(started)
    }

    /// `PATCH /runs/{id}` with a terminal status; the server computes the duration.
    pub async fn end_run(&self, run_id: impl AsRunId, mut end: EndRun) -> Result<RunEnded> {
        let run_id = server_run_id(&run_id)?;
        prepare::terminal("a run", end.status)?;
        end.metadata = prepare::metadata(self.privacy(), end.metadata.take());
        end.error_message = prepare::text(self.privacy(), end.error_message.take());
        end.idempotency_key = Some(prepare::key_or_new(end.idempotency_key.take(), "end"));
        let url = self.endpoint(&["runs", run_id])?;
        let req = Request::new("PATCH /runs/{id}", Method::PATCH, url).json(&end)?;
        self.inner().call(req).await
    }

    /// `GET /runs/{id}`, by the server's run id: a [`RunId`](crate::model::RunId)
    /// (from [`RunInfo::run_id`](crate::RunInfo::run_id) or
    /// [`find_run_id`](crate::find_run_id)) or the `id` text of an answer.
    /// An [`ExternalRunId`](crate::model::ExternalRunId) does not compile here,
    /// and text with drip's external prefix (`xrun_…`) is refused before any
    /// request.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder().api_key(emulator.public_key()).base_url(emulator.base_url()).build()?;
    /// use drip_runtime::model::{Event, ExternalRunId, RecordRun, RunStatus};
    /// let run = RecordRun::new("cus_1", "agent", RunStatus::Completed)
    ///     .event(Event::llm_call("gpt-4o", 9))
    ///     .external_run_id("job-8");
    /// client.record_run(run).await?;
    /// let id = drip_runtime::find_run_id(&ExternalRunId::new("job-8")).unwrap();
    /// assert_eq!(client.get_run(&id).await?.totals.event_count, 1);
    /// # Ok(()) }
    /// ```
    pub async fn get_run(&self, run_id: impl AsRunId) -> Result<RunDetails> {
        let run_id = server_run_id(&run_id)?;
        let url = self.endpoint(&["runs", run_id])?;
        self.inner()
            .call(Request::new("GET /runs/{id}", Method::GET, url))
            .await
    }

    /// One page of `GET /runs/{id}/timeline`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # use drip_runtime::model::{Event, RecordRun, RunStatus};
    /// # let recorded = RecordRun::new("cus_1", "agent", RunStatus::Completed).event(Event::llm_call("gpt-4o", 9));
    /// # let run_id = client.record_run(recorded).await?.run.id;
    /// use drip_runtime::model::TimelineQuery;
    /// let page = client.get_run_timeline(&run_id, TimelineQuery::new().limit(50)).await?;
    /// for e in &page.events { println!("{} {:?}", e.event_type, e.outcome); }
    /// # Ok(()) }
    /// ```
    pub async fn get_run_timeline(
        &self,
        run_id: impl AsRunId,
        query: TimelineQuery,
    ) -> Result<Timeline> {
        let run_id = server_run_id(&run_id)?;
        if let Some(limit) = query.limit
            && !(1..=500).contains(&limit)
        {
            return Err(Error::Validation {
                field: "limit",
                reason: format!("must be between 1 and 500, got {limit}"),
            });
        }
        let url = self.endpoint(&["runs", run_id, "timeline"])?;
        let req = Request::new("GET /runs/{id}/timeline", Method::GET, url).query(&query.pairs());
        self.inner().call(req).await
    }

    /// Walks a timeline page by page, following `nextCursor`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # use drip_runtime::model::{Event, RecordRun, RunStatus};
    /// # let recorded = RecordRun::new("cus_1", "agent", RunStatus::Completed).event(Event::llm_call("gpt-4o", 9));
    /// # let run_id = client.record_run(recorded).await?.run.id;
    /// use drip_runtime::model::TimelineQuery;
    /// let mut pages = client.timeline_pages(&run_id, TimelineQuery::new().limit(100));
    /// while let Some(page) = pages.next_page().await {
    ///     println!("{} events", page?.events.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn timeline_pages(&self, run_id: impl AsRunId, query: TimelineQuery) -> TimelinePages {
        TimelinePages {
            client: self.clone(),
            run_id: run_id.run_id_str().to_owned(),
            query,
            done: false,
        }
    }

    /// Every event of a run's timeline, all pages.
    pub async fn timeline_all(
        &self,
        run_id: impl AsRunId,
        query: TimelineQuery,
    ) -> Result<Vec<TimelineEvent>> {
        let mut pages = self.timeline_pages(run_id, query);
        let mut events = Vec::new();
        while let Some(page) = pages.next_page().await {
            events.extend(page?.events);
        }
        Ok(events)
    }
}

/// The server's run id as text; refuses a blank id and drip's own external
/// ids (`xrun_…`), which the server would answer with NOT_FOUND.
fn server_run_id<T: AsRunId + ?Sized>(run_id: &T) -> Result<&str> {
    let id = run_id.run_id_str();
    prepare::required("runId", id)?;
    if id.starts_with(EXTERNAL_RUN_ID_PREFIX) {
        return Err(Error::Validation {
            field: "runId",
            reason: format!(
                "`{EXTERNAL_RUN_ID_PREFIX}…` is drip's external run id (RunInfo::external_run_id), not the server's run id; look the server's up with drip::find_run_id(&external_id) or RunInfo::run_id()"
            ),
        });
    }
    Ok(id)
}

/// Async iterator over the pages of a run's timeline (see [`Client::timeline_pages`]).
#[derive(Debug)]
pub struct TimelinePages {
    client: Client,
    run_id: String,
    query: TimelineQuery,
    done: bool,
}

impl TimelinePages {
    /// The next page, or `None` after the last one (or after an error).
    pub async fn next_page(&mut self) -> Option<Result<Timeline>> {
        if self.done {
            return None;
        }
        let page = self
            .client
            .get_run_timeline(&self.run_id, self.query.clone())
            .await;
        match &page {
            Ok(p) => match p
                .next_cursor
                .as_deref()
                .filter(|c| p.has_more && !c.is_empty())
            {
                // A cursor that does not move would loop forever.
                Some(next) if self.query.cursor.as_deref() != Some(next) => {
                    self.query.cursor = Some(next.to_owned());
                }
                _ => self.done = true,
            },
            Err(_) => self.done = true,
        }
        Some(page)
    }
}
