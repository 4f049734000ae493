//! Execution events: list with filters, one by id, and its causal trace.

use super::Client;
use super::billing_input::Query;
use super::http::Request;
use super::prepare;
use crate::error::Result;
use crate::model::{
    EventOutcome, EventTrace, ExecutionEvent, ExecutionEventList, ListExecutionEvents,
};
use reqwest::Method;

impl Client {
    /// `GET /events?customerId&runId&eventType&outcome&limit&offset`: the events your runs
    /// recorded, as billing sees them. Available with either key.
    ///
    /// Filters are identifiers: one shaped like an e-mail address or a key is refused with
    /// [`Error::Validation`](crate::Error::Validation) before anything is sent.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{Event, EventOutcome, ListExecutionEvents, RecordRun, RunStatus};
    /// let run = RecordRun::new("cus_1", "research", RunStatus::Completed)
    ///     .event(Event::plan("look things up"));
    /// let recorded = client.record_run(run).await?;
    /// let page = client
    ///     .list_execution_events(ListExecutionEvents::new().run(&recorded.run.id).limit(10))
    ///     .await?;
    /// assert_eq!(page.data[0].outcome, EventOutcome::Success);
    /// let one = client.execution_event(&page.data[0].id).await?;
    /// let trace = client.execution_event_trace(&one.id).await?;
    /// assert!(trace.ancestors.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn list_execution_events(
        &self,
        query: ListExecutionEvents,
    ) -> Result<ExecutionEventList> {
        let q = Query::default()
            .id("customerId", query.customer_id)?
            .id("runId", query.run_id)?
            .id("eventType", query.event_type)?
            .state("outcome", query.outcome.map(EventOutcome::as_str))?
            .limit(query.limit)?
            .offset(query.offset);
        let url = self.endpoint(&["events"])?;
        let req = Request::new("GET /events", Method::GET, url).query(&q.pairs);
        self.inner().call(req).await
    }

    /// `GET /events/{id}`.
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
    /// # client.record_run(RecordRun::new("cus_1", "research", RunStatus::Completed).event(Event::plan("look"))).await?;
    /// # let page = client.list_execution_events(drip_runtime::model::ListExecutionEvents::new().limit(1)).await?;
    /// let event = client.execution_event(&page.data[0].id).await?;
    /// assert_eq!(event.event_type, "agent.plan");
    /// # Ok(()) }
    /// ```
    pub async fn execution_event(&self, event_id: &str) -> Result<ExecutionEvent> {
        prepare::required("eventId", event_id)?;
        let url = self.endpoint(&["events", event_id])?;
        self.inner()
            .call(Request::new("GET /events/{id}", Method::GET, url))
            .await
    }

    /// `GET /events/{id}/trace`: the event's ancestors (root first), its children and its
    /// retry attempts.
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
    /// # client.record_run(RecordRun::new("cus_1", "research", RunStatus::Completed).event(Event::plan("look"))).await?;
    /// # let page = client.list_execution_events(drip_runtime::model::ListExecutionEvents::new().limit(1)).await?;
    /// let trace = client.execution_event_trace(&page.data[0].id).await?;
    /// assert!(trace.children.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn execution_event_trace(&self, event_id: &str) -> Result<EventTrace> {
        prepare::required("eventId", event_id)?;
        let url = self.endpoint(&["events", event_id, "trace"])?;
        self.inner()
            .call(Request::new("GET /events/{id}/trace", Method::GET, url))
            .await
    }
}
