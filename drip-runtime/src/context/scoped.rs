//! Runs opened by an integration around a future, rather than by
//! `#[drip_runtime::run]`: [`RunTemplate`], [`ScopedRun`], [`RunEnd`].
//!
//! Built on the same [`RunGuard`] the attribute expands to, so everything
//! `#[drip_runtime::run]` guarantees holds here: tool calls and LLM calls in the
//! instrumented future attach to the run, a dropped run ends `CANCELLED`,
//! and a panic unwinding through it ends it `FAILED` with code `panic`.

use super::run::RunGuard;
use super::site::{Outcome, RunSite};
use crate::error::{Error, Result};
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
        // A run's state refers to its site for its whole life, as the
        // attribute's static sites are; one small leak per template.
        let site: &'static RunSite = Box::leak(Box::new(RunSite {
            workflow: Box::leak(workflow.to_owned().into_boxed_str()),
            stream: false,
            metadata: &[],
            error_message: false,
        }));
        Ok(RunTemplate { site })
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

    /// Opens a run for `customer`. Inactive (records nothing, costs nothing
    /// more) when the SDK is disabled or `customer` is blank.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// let run = drip_runtime::RunTemplate::new("search-api")?.start("cus_1");
    /// assert!(run.is_active());
    /// run.end(drip_runtime::RunEnd::Completed);
    /// assert_eq!(capture.runs()[0].customer_id, "cus_1");
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn start(&self, customer: &str) -> ScopedRun {
        self.open(|site| super::run::run_enter(site, customer.to_owned(), None))
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

    /// Ends the run with `end` and hands it to delivery.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// drip_runtime::RunTemplate::new("w")?.start("cus_1").end(drip_runtime::RunEnd::Failed { code: "http_server_error" });
    /// assert_eq!(capture.runs()[0].error_code.as_deref(), Some("http_server_error"));
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn end(self, end: RunEnd) {
        match end {
            RunEnd::Completed => self.guard.finish(Outcome::Ok),
            RunEnd::Failed { code } => self.guard.finish(Outcome::Err {
                kind: code.into(),
                message: None,
            }),
            RunEnd::Cancelled => drop(self.guard),
        }
    }
}
