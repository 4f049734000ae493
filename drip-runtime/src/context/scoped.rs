//! Runs opened by an integration around a future, rather than by
//! `#[drip_runtime::run]`: [`RunTemplate`], [`ScopedRun`], [`RunEnd`].
//!
//! A template is what the attribute's static site is: the workflow, record
//! or stream mode, and literal metadata checked once, when the template is
//! made — so starting a run costs what the attribute's does.
//!
//! Built on the same [`RunGuard`] the attribute expands to, so everything
//! `#[drip_runtime::run]` guarantees holds here: tool calls and LLM calls in the
//! instrumented future attach to the run, a dropped run ends `CANCELLED`,
//! and a panic unwinding through it ends it `FAILED` with code `panic`.

use super::run::{RunGuard, RunState};
use super::site::{LiteralValue, Outcome, RunSite};
use crate::delivery::Envelope;
use crate::error::{Error, Result};
use crate::metadata::{Metadata, Value};
use crate::usage::UsageTemplate;
use std::future::Future;

/// Longest workflow slug accepted, in bytes.
const MAX_WORKFLOW_LEN: usize = 128;

/// The workflow runs are opened under: make one per workflow at start-up
/// (each is kept for the life of the process), then [`start`](RunTemplate::start)
/// a run per unit of work.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let api = drip_runtime::RunTemplate::new("search-api")?;
/// let capture = drip_runtime::testing::capture();
///
/// let run = api.start("cus_42");
/// run.instrument(async { drip_runtime::llm_call("gpt-4o", 300) }).await;
/// run.end(drip_runtime::RunEnd::Completed);
///
/// let runs = capture.runs();
/// assert_eq!(runs[0].workflow, "search-api");
/// assert_eq!(runs[0].event_types(), ["llm.call"]);
/// # Ok::<(), drip_runtime::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RunTemplate {
    site: &'static RunSite,
}

impl RunTemplate {
    /// A template for `workflow` (a slug, e.g. `"search-api"`; not blank, at
    /// most 128 bytes).
    ///
    /// ```
    /// assert!(drip_runtime::RunTemplate::new("search-api").is_ok());
    /// assert!(matches!(drip_runtime::RunTemplate::new("  "), Err(drip_runtime::Error::Validation { .. })));
    /// ```
    pub fn new(workflow: &str) -> Result<RunTemplate> {
        let workflow = workflow.trim();
        crate::client::prepare::required("workflow", workflow)?;
        if workflow.len() > MAX_WORKFLOW_LEN {
            return Err(Error::Validation {
                field: "workflow",
                reason: format!("must be at most {MAX_WORKFLOW_LEN} bytes"),
            });
        }
        Ok(RunTemplate::leak(RunSite {
            workflow: Box::leak(workflow.to_owned().into_boxed_str()),
            stream: false,
            metadata: &[],
            error_message: false,
        }))
    }

    /// A run's state refers to its site for its whole life, as the
    /// attribute's static sites are: one small leak per template.
    fn leak(site: RunSite) -> RunTemplate {
        RunTemplate {
            site: Box::leak(Box::new(site)),
        }
    }

    /// The same template in stream mode: each run is started on the server
    /// when it starts, its events are sent in batches as they happen and it
    /// is ended when it ends (`#[drip::run(stream)]`), instead of being sent
    /// whole at its end. For long runs whose progress should show while they
    /// go on.
    ///
    /// ```
    /// use drip_runtime::testing::Delivery;
    /// let capture = drip_runtime::testing::capture();
    /// let jobs = drip_runtime::RunTemplate::new("nightly-import")?.streaming();
    /// jobs.start("cus_1").end(drip_runtime::RunEnd::Completed);
    /// let d = capture.deliveries();
    /// assert!(matches!(d[0], Delivery::StreamStart { .. }));
    /// assert!(matches!(d[1], Delivery::StreamEnd { .. }));
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn streaming(&self) -> RunTemplate {
        RunTemplate::leak(RunSite {
            stream: true,
            ..*self.site
        })
    }

    /// The same template with `metadata` on every run it starts, added to
    /// what it already carries. The metadata pass the privacy rules here,
    /// once (a refused key or value is dropped and counted in
    /// `stats().privacy`), not on every run — make such templates at
    /// start-up, or keep them per route as `drip-tower` does: each is kept
    /// for the life of the process.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// let mut m = drip_runtime::Metadata::new();
    /// m.insert("route", "/v1/search");
    /// m.insert("method", "GET");
    /// m.insert("user_email", "alice@example.com");
    /// let search = drip_runtime::RunTemplate::new("http-api")?.with_metadata(m);
    /// search.start("cus_1").end(drip_runtime::RunEnd::Completed);
    /// let run = &capture.runs()[0];
    /// assert_eq!(run.metadata.get("route"), Some(&"/v1/search".into()));
    /// assert_eq!(run.metadata.get("user_email"), None);
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn with_metadata(&self, metadata: Metadata) -> RunTemplate {
        let screened = crate::privacy::sanitize_metadata(metadata);
        let mut literals: Vec<(&'static str, LiteralValue)> = self
            .site
            .metadata
            .iter()
            .filter(|(key, _)| screened.get(key).is_none())
            .copied()
            .collect();
        literals.extend(screened.into_iter().map(|(key, value)| {
            let key: &'static str = Box::leak(key.into_boxed_str());
            let value = match value {
                Value::Str(s) => LiteralValue::Str(Box::leak(s.into_boxed_str())),
                Value::Int(i) => LiteralValue::Int(i),
                Value::Float(f) => LiteralValue::Float(f),
                Value::Bool(b) => LiteralValue::Bool(b),
            };
            (key, value)
        }));
        RunTemplate::leak(RunSite {
            metadata: Box::leak(literals.into_boxed_slice()),
            ..*self.site
        })
    }

    /// The workflow slug.
    ///
    /// ```
    /// assert_eq!(drip_runtime::RunTemplate::new("search-api")?.workflow(), "search-api");
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn workflow(&self) -> &'static str {
        self.site.workflow
    }

    /// Whether a run started now would record anything: one relaxed atomic
    /// load, so an integration can skip gathering a run's facts while the
    /// SDK is disabled.
    ///
    /// ```
    /// let template = drip_runtime::RunTemplate::new("search-api")?;
    /// let _capture = drip_runtime::testing::capture();
    /// assert!(template.is_enabled());
    /// let _off = drip_runtime::testing::disabled();
    /// assert!(!template.is_enabled());
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    #[inline]
    pub fn is_enabled(&self) -> bool {
        super::enabled()
    }

    /// Opens a run for `customer`. Inactive (records nothing, costs nothing
    /// more) when the SDK is disabled or `customer` is blank. Started inside
    /// another run, it is that run's child.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// let run = drip_runtime::RunTemplate::new("search-api")?.start("cus_1");
    /// assert!(run.is_active());
    /// run.end(drip_runtime::RunEnd::Completed);
    /// assert_eq!(capture.runs()[0].customer_id, "cus_1");
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn start(&self, customer: impl Into<String>) -> ScopedRun {
        self.open(|site| super::run::run_enter(site, customer.into(), None))
    }

    /// Opens a run for `customer` carrying `correlation_id` (yours to join
    /// the run with your own logs or traces, e.g. a request id; it passes
    /// the identifier rule before it is sent), like
    /// `#[drip::run(correlation_id = …)]`.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// let triage = drip_runtime::RunTemplate::new("triage")?;
    /// triage.start_correlated("cus_1", "req-17").end(drip_runtime::RunEnd::Completed);
    /// assert_eq!(capture.runs()[0].correlation_id.as_deref(), Some("req-17"));
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn start_correlated(
        &self,
        customer: impl Into<String>,
        correlation_id: impl Into<String>,
    ) -> ScopedRun {
        self.open(|site| super::run::run_enter(site, customer.into(), Some(correlation_id.into())))
    }

    /// A run opened by `enter` when the SDK is enabled, else an inactive one.
    fn open(&self, enter: impl FnOnce(&'static RunSite) -> RunGuard) -> ScopedRun {
        let guard = if super::enabled() {
            enter(self.site)
        } else {
            RunGuard::inactive()
        };
        ScopedRun { guard }
    }

    /// Opens a run for the customer the application knows as
    /// `external_customer` — its own opaque user id, never an e-mail
    /// address or other personal data (such a run is dropped before it is
    /// spooled, counted in `stats().dropped`, with one WARN). Nothing waits
    /// for the network: delivery gets or creates the Drip customer (once per
    /// id, cached per runtime) before sending the run. Inactive when the SDK
    /// is disabled or the id is blank.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// let run = drip_runtime::RunTemplate::new("search-api")?.start_external("user_8841");
    /// run.end(drip_runtime::RunEnd::Completed);
    /// assert_eq!(capture.runs()[0].external_customer.as_deref(), Some("user_8841"));
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn start_external(&self, external_customer: &str) -> ScopedRun {
        self.open(|site| super::run::run_enter_external(site, external_customer.to_owned(), None))
    }
}

/// How a [`ScopedRun`] ends.
///
/// ```
/// let end = drip_runtime::RunEnd::Failed { code: "http_server_error" };
/// assert_ne!(end, drip_runtime::RunEnd::Completed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunEnd {
    /// `COMPLETED`.
    Completed,
    /// `FAILED` with an error code (a short, fixed identifier, never user data).
    Failed {
        /// The run's `errorCode`.
        code: &'static str,
    },
    /// `CANCELLED`.
    Cancelled,
}

impl RunEnd {
    /// The outcome a run guard ends with; `None`: ended as a drop would
    /// (`CANCELLED`, or `FAILED` with code `panic` while a panic unwinds).
    fn outcome(self) -> Option<Outcome> {
        match self {
            RunEnd::Completed => Some(Outcome::Ok),
            RunEnd::Failed { code } => Some(Outcome::Err {
                kind: code.into(),
                message: None,
            }),
            RunEnd::Cancelled => None,
        }
    }
}

/// A run opened by [`RunTemplate::start`]: code run through
/// [`instrument`](ScopedRun::instrument) or [`in_scope`](ScopedRun::in_scope)
/// records into it; [`end`](ScopedRun::end) hands it to delivery. Dropped
/// without `end` it ends `CANCELLED` (or `FAILED`, code `panic`, while a
/// panic unwinds).
///
/// ```
/// let capture = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("batch-job")?.start("cus_1");
/// run.in_scope(|| drip_runtime::plan("split the input"));
/// drop(run);
/// assert_eq!(capture.runs()[0].status, drip_runtime::model::RunStatus::Cancelled);
/// # Ok::<(), drip_runtime::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "a run ends CANCELLED when dropped; call `.end(..)`"]
pub struct ScopedRun {
    guard: RunGuard,
}

impl ScopedRun {
    /// Whether anything will be recorded.
    ///
    /// ```
    /// let run = drip_runtime::RunTemplate::new("w")?.start("");
    /// assert!(!run.is_active());
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    #[inline]
    pub fn is_active(&self) -> bool {
        self.guard.is_active()
    }

    /// Adds `key = value` to the run's metadata. The key passes the key
    /// rules and the value the value rules when the metadata is made, off
    /// the caller's thread (a refused one is dropped and counted in
    /// `stats().privacy`). Add them before the run's code starts: a
    /// stream-mode run sends its metadata when it starts.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// let mut run = drip_runtime::RunTemplate::new("http-api")?.start("cus_1");
    /// run.metadata("status_code", 200);
    /// run.metadata("prompt", "tell me a secret");
    /// run.end(drip_runtime::RunEnd::Completed);
    /// let m = &capture.runs()[0].metadata;
    /// assert_eq!(m.get("status_code"), Some(&200.into()));
    /// assert_eq!(m.get("prompt"), None);
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn metadata(&mut self, key: &'static str, value: impl Into<Value>) {
        self.guard.open_metadata(key, value.into());
    }

    /// Runs `fut` with this run as the current run, on every poll, on any thread.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let capture = drip_runtime::testing::capture();
    /// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
    /// let n = run.instrument(async { drip_runtime::llm_call("gpt-4o", 5); 7 }).await;
    /// run.end(drip_runtime::RunEnd::Completed);
    /// assert_eq!(n, 7);
    /// assert_eq!(capture.runs()[0].events.len(), 1);
    /// # Ok::<(), drip_runtime::Error>(()) }).unwrap();
    /// ```
    pub fn instrument<F: Future>(&self, fut: F) -> super::InRun<F> {
        self.guard.instrument(fut)
    }

    /// Runs `f` with this run as the current run on this thread.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
    /// run.in_scope(|| drip_runtime::execute("answered", drip_runtime::Metadata::new()));
    /// run.end(drip_runtime::RunEnd::Completed);
    /// assert_eq!(capture.runs()[0].event_types(), ["agent.execute"]);
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        self.guard.enter_sync(f)
    }

    /// Ends the run with `end` and tracks one record of `usage` for the
    /// run's customer, handed to delivery beside the run. The record's
    /// idempotency key was fixed when the run started, so whatever retries
    /// the unit of work cannot bill it twice; its metadata are made by
    /// `metadata` off the caller's thread, and pass the privacy rules there.
    /// An inactive run tracks nothing.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// let api_calls = drip_runtime::UsageTemplate::new("api-calls", 1.0)?;
    /// let run = drip_runtime::RunTemplate::new("http-api")?.start("cus_1");
    /// run.end_and_track(drip_runtime::RunEnd::Completed, &api_calls, || {
    ///     let mut m = drip_runtime::Metadata::new();
    ///     m.insert("status_code", 200);
    ///     m
    /// });
    /// let usage = &capture.usage()[0];
    /// assert_eq!((usage.customer_id.as_str(), usage.meter.as_str()), ("cus_1", "api-calls"));
    /// assert_eq!(capture.runs().len(), 1);
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn end_and_track(
        self,
        end: RunEnd,
        usage: &UsageTemplate,
        metadata: impl FnOnce() -> Metadata + Send + 'static,
    ) {
        let draft = usage.draft();
        let then = move |run: &RunState, _: Option<&mut Metadata>| {
            let record = draft.into_record(run.customer_id.to_owned(), run.usage_key(), metadata());
            Envelope::usage(record).for_external_customer(run.external_customer.clone())
        };
        self.guard.finish_then(end.outcome(), 1, Box::new(then));
    }

    /// Ends the run like [`end_and_track`](Self::end_and_track), with the
    /// metadata `facts` makes on both records: the usage record's, and the
    /// run's (beside those it has; a stream-mode run, which sent its
    /// metadata when it started, does not take them). `facts` runs once,
    /// off the caller's thread, so facts that describe the unit of work on
    /// both records cost its path one hand-over and nothing per value.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// let api_calls = drip_runtime::UsageTemplate::new("api-calls", 1.0)?;
    /// let run = drip_runtime::RunTemplate::new("http-api")?.start("cus_1");
    /// run.end_and_track_with_facts(drip_runtime::RunEnd::Completed, &api_calls, || {
    ///     let mut m = drip_runtime::Metadata::new();
    ///     m.insert("status_code", 200);
    ///     m
    /// });
    /// assert_eq!(capture.usage()[0].metadata.get("status_code"), Some(&200.into()));
    /// assert_eq!(capture.runs()[0].metadata.get("status_code"), Some(&200.into()));
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn end_and_track_with_facts(
        self,
        end: RunEnd,
        usage: &UsageTemplate,
        facts: impl FnOnce() -> Metadata + Send + 'static,
    ) {
        let draft = usage.draft();
        let then = move |run: &RunState, on_run: Option<&mut Metadata>| {
            let facts = facts();
            if let Some(on_run) = on_run {
                for (key, value) in facts.iter() {
                    on_run.insert(key, value.clone());
                }
            }
            let record = draft.into_record(run.customer_id.to_owned(), run.usage_key(), facts);
            Envelope::usage(record).for_external_customer(run.external_customer.clone())
        };
        self.guard.finish_then(end.outcome(), 1, Box::new(then));
    }

    /// Ends the run with `end` and hands it to delivery.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// drip_runtime::RunTemplate::new("w")?.start("cus_1").end(drip_runtime::RunEnd::Failed { code: "http_server_error" });
    /// assert_eq!(capture.runs()[0].error_code.as_deref(), Some("http_server_error"));
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn end(self, end: RunEnd) {
        match end.outcome() {
            Some(outcome) => self.guard.finish(outcome),
            None => drop(self.guard),
        }
    }
}
