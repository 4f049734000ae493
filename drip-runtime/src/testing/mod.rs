//! Test support: see exactly what your instrumented code records.
//!
//! ```
//! use drip_runtime::model::{RunStatus, ToolStatus};
//! use std::time::Duration;
//! // In a user's crate this is a `#[drip::run] fn research(..)` calling a `#[drip::tool]`.
//! fn research() -> drip_runtime::Result<()> {
//!     let run = drip_runtime::RunTemplate::new("research")?.start("cus_1");
//!     run.in_scope(|| {
//!         drip_runtime::record_tool_call("web-search", Duration::from_millis(3), ToolStatus::Ok)
//!     });
//!     run.end(drip_runtime::RunEnd::Completed);
//!     Ok(())
//! }
//!
//! let cap = drip_runtime::testing::capture();
//! research()?;
//! let runs = cap.runs();
//! assert_eq!(runs.len(), 1);
//! assert_eq!(runs[0].workflow, "research");
//! assert_eq!(runs[0].status, RunStatus::Completed);
//! assert_eq!(runs[0].tool_names(), ["web-search"]);
//! # Ok::<(), drip_runtime::Error>(())
//! ```
//!
//! # What a capture sees
//!
//! While the [`Capture`] guard is alive, it receives — instead of the delivery
//! pipeline — every run **started on this thread** (including the test body of
//! `#[tokio::test]`, which runs on the test's thread with either runtime
//! flavour), every run nested in those, and everything recorded in them by
//! tasks they carry the run into (`drip::spawn`, `.in_current_run()`), on any
//! thread. Futures wrapped by `drip::spawn` / `.in_current_run()` on this
//! thread outside any run carry the capture itself, so runs they start on
//! worker threads are captured too. The capture is fixed when a run starts
//! and travels with the run, so parallel tests each see only their own runs.
//!
//! Metered tools called **outside any run** are captured when called on this
//! thread (or in a future carried as above). For all of these the SDK counts
//! as enabled even if `drip::init` was never called and no `DRIP_API_KEY` is
//! set.
//!
//! # Limits
//!
//! - Work started on another thread with nothing carried (a plain
//!   `tokio::spawn` or `std::thread::spawn` from the test, and runs started
//!   inside such a task) is not captured: it goes wherever it would go without
//!   the capture. Use `drip::spawn` in code you want to observe.
//! - The guard is `!Send`: create and drop it on the test's thread.
//! - A run is captured when it ends: await spawned work before asserting.
//! - While any capture or [`disabled`] guard is alive anywhere in the process,
//!   the SDK's on/off check takes a slower path (a thread-local look-up);
//!   behaviour is unchanged.

mod store;

use crate::metadata::Metadata;
use crate::model::{Event, RunStatus};
use crate::runtime::{Runtime, Scope};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;
use store::CaptureStore;

/// Starts capturing the runs and usage started on this thread (see the module docs).
///
/// ```
/// let cap = drip_runtime::testing::capture();
/// assert!(cap.runs().is_empty());
/// ```
#[must_use = "capturing stops when the guard is dropped"]
pub fn capture() -> Capture {
    let store = Arc::new(CaptureStore::default());
    let runtime = Runtime::with_sink(store.clone(), store.privacy.clone());
    Capture {
        _scope: Scope::push(Some(runtime.clone())),
        runtime,
        store,
        _not_send: PhantomData,
    }
}

/// Forces the SDK off on this thread while the guard lives, whatever the
/// configuration or an enclosing [`capture`] says: instrumented code records
/// nothing, as with `DRIP_DISABLED=1`.
///
/// ```
/// let cap = drip_runtime::testing::capture();
/// {
///     let _off = drip_runtime::testing::disabled();
///     let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
///     assert!(!run.is_active());
///     run.end(drip_runtime::RunEnd::Completed);
/// }
/// assert!(cap.runs().is_empty());
/// # Ok::<(), drip_runtime::Error>(())
/// ```
#[must_use = "the SDK is back on when the guard is dropped"]
pub fn disabled() -> Disabled {
    Disabled {
        _scope: Scope::push(None),
        _not_send: PhantomData,
    }
}

/// Guard returned by [`capture`]; inspect what was recorded through it.
///
/// ```
/// let cap = drip_runtime::testing::capture();
/// assert!(cap.usage().is_empty());
/// drop(cap); // capturing stops
/// ```
#[derive(Debug)]
pub struct Capture {
    store: Arc<CaptureStore>,
    runtime: Runtime,
    /// Removes the scoped runtime when the guard drops.
    _scope: Scope,
    _not_send: PhantomData<*const ()>,
}

impl std::fmt::Debug for CaptureStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureStore").finish_non_exhaustive()
    }
}

impl Capture {
    /// Finished runs, in the order they finished.
    ///
    /// ```
    /// let cap = drip_runtime::testing::capture();
    /// drip_runtime::RunTemplate::new("w")?.start("cus_1").end(drip_runtime::RunEnd::Completed);
    /// assert_eq!(cap.runs()[0].customer_id, "cus_1");
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn runs(&self) -> Vec<CapturedRun> {
        self.store.log().runs.clone()
    }

    /// Usage tracked outside any run: by metered tools, `drip::track_usage`
    /// and `drip::Usage`.
    ///
    /// ```
    /// let cap = drip_runtime::testing::capture();
    /// drip_runtime::track_usage("cus_9", "ocr_pages", 1.0)?;
    /// let usage = cap.usage();
    /// assert_eq!((usage[0].meter.as_str(), usage[0].quantity), ("ocr_pages", 1.0));
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn usage(&self) -> Vec<CapturedUsage> {
        self.store.log().usage.clone()
    }

    /// What would have been handed to the delivery pipeline, in order: one
    /// record per record-mode run, start / event batches / end per streamed run.
    ///
    /// ```
    /// use drip_runtime::testing::Delivery;
    /// let cap = drip_runtime::testing::capture();
    /// let streamed = drip_runtime::RunTemplate::new("w")?.streaming();
    /// streamed.start("cus_1").end(drip_runtime::RunEnd::Completed);
    /// let d = cap.deliveries();
    /// assert!(matches!(d[0], Delivery::StreamStart { .. }));
    /// assert!(matches!(d[1], Delivery::StreamEnd { .. }));
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.store.log().deliveries.clone()
    }

    /// Names of tools (and event kinds such as `llm.call`) called on this
    /// thread outside any run, which therefore recorded nothing.
    ///
    /// ```
    /// let cap = drip_runtime::testing::capture();
    /// drip_runtime::plan("look things up"); // outside any run
    /// assert_eq!(cap.unattached(), ["agent.plan"]);
    /// ```
    pub fn unattached(&self) -> Vec<String> {
        self.store.log().unattached.clone()
    }

    /// The runtime this capture installed for its scope: its
    /// [`flush`](Runtime::flush) and [`stats`](Runtime::stats) answer at
    /// once, and it has no client.
    ///
    /// ```
    /// let cap = drip_runtime::testing::capture();
    /// assert!(cap.runtime().client().is_none());
    /// ```
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Forgets everything captured so far (runs still going are kept track of).
    ///
    /// ```
    /// let cap = drip_runtime::testing::capture();
    /// drip_runtime::RunTemplate::new("w")?.start("cus_1").end(drip_runtime::RunEnd::Completed);
    /// cap.clear();
    /// assert!(cap.runs().is_empty());
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn clear(&self) {
        self.store.clear();
    }
}

/// Guard returned by [`disabled`].
///
/// ```
/// let off = drip_runtime::testing::disabled();
/// drop(off); // back to the configured state
/// ```
#[derive(Debug)]
pub struct Disabled {
    _scope: Scope,
    _not_send: PhantomData<*const ()>,
}

/// A finished run as a capture saw it.
///
/// ```
/// let cap = drip_runtime::testing::capture();
/// let triage = drip_runtime::RunTemplate::new("triage")?;
/// triage.start_correlated("cus_1", "req-17").end(drip_runtime::RunEnd::Completed);
/// let run = &cap.runs()[0];
/// assert_eq!(run.correlation_id.as_deref(), Some("req-17"));
/// assert!(run.external_run_id.starts_with("xrun_"));
/// assert!(!run.stream);
/// # Ok::<(), drip_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CapturedRun {
    /// Workflow slug.
    pub workflow: String,
    /// Customer the run is attributed to.
    pub customer_id: String,
    /// `Completed`, `Failed` or `Cancelled`.
    pub status: RunStatus,
    /// The error's kind (type name), or `panic`.
    pub error_code: Option<String>,
    /// The redacted error message (only with `error_message`).
    pub error_message: Option<String>,
    /// Time from the run's start (first poll) to its end.
    pub duration: Duration,
    /// The run's metadata.
    pub metadata: Metadata,
    /// Its events as they go on the wire, in the order they were recorded.
    pub events: Vec<Event>,
    /// The run's client-made id (`externalRunId`).
    pub external_run_id: String,
    /// The enclosing run's id, for a run started inside another.
    pub parent_external_run_id: Option<String>,
    /// The correlation id given to the run.
    pub correlation_id: Option<String>,
    /// Whether it was delivered as a stream (explicit `stream`, or a run that
    /// outgrew its buffer) rather than as one record.
    pub stream: bool,
    /// The application's id for the customer, for a run opened with
    /// `external_customer = …` (then `customer_id` is empty: delivery
    /// resolves it to Drip's id, which a capture does not).
    pub external_customer: Option<String>,
}

impl CapturedRun {
    /// The `eventType` of each event, in order.
    ///
    /// ```
    /// let cap = drip_runtime::testing::capture();
    /// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
    /// run.in_scope(|| { drip_runtime::plan("p"); drip_runtime::llm_call("m", 1); });
    /// run.end(drip_runtime::RunEnd::Completed);
    /// assert_eq!(cap.runs()[0].event_types(), ["agent.plan", "llm.call"]);
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn event_types(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.event_type.as_str()).collect()
    }

    /// The `tool_name` of each `tool.call` event, in order.
    ///
    /// ```
    /// let cap = drip_runtime::testing::capture();
    /// drip_runtime::RunTemplate::new("w")?.start("cus_1").end(drip_runtime::RunEnd::Completed);
    /// assert!(cap.runs()[0].tool_names().is_empty());
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn tool_names(&self) -> Vec<&str> {
        self.tool_calls()
            .filter_map(|e| match e.metadata.as_ref()?.get("tool_name")? {
                crate::metadata::Value::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The `tool.call` events, in order.
    ///
    /// ```
    /// let cap = drip_runtime::testing::capture();
    /// drip_runtime::RunTemplate::new("w")?.start("cus_1").end(drip_runtime::RunEnd::Completed);
    /// assert_eq!(cap.runs()[0].tool_calls().count(), 0);
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn tool_calls(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(|e| e.event_type == "tool.call")
    }
}

/// One usage record as a capture saw it.
///
/// ```
/// let cap = drip_runtime::testing::capture();
/// drip_runtime::track_usage("cus_9", "pages", 1.0)?;
/// assert_eq!(cap.usage()[0].customer_id, "cus_9");
/// assert!(!cap.usage()[0].idempotency_key.is_empty());
/// # Ok::<(), drip_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CapturedUsage {
    /// Customer the usage is attributed to.
    pub customer_id: String,
    /// Meter name.
    pub meter: String,
    /// Quantity (1 per tool call).
    pub quantity: f64,
    /// `tool_name`, `status`, `duration_ms`, and the tool's metadata.
    pub metadata: Metadata,
    /// Made once; reused on every retry.
    pub idempotency_key: String,
    /// The application's id for the customer, for usage tracked with
    /// [`track_usage_external`](crate::track_usage_external) (then
    /// `customer_id` is empty until delivery resolves it).
    pub external_customer: Option<String>,
}

/// One hand-off to the delivery pipeline, as a capture saw it.
///
/// ```
/// use drip_runtime::testing::Delivery;
/// let cap = drip_runtime::testing::capture();
/// drip_runtime::RunTemplate::new("w")?.start("cus_1").end(drip_runtime::RunEnd::Completed);
/// assert!(matches!(cap.deliveries()[0], Delivery::Record { events: 0, .. }));
/// # Ok::<(), drip_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Delivery {
    /// A whole record-mode run (`POST /runs/record`).
    Record {
        /// The run's client-made id.
        external_run_id: String,
        /// How many events it carried.
        events: usize,
    },
    /// Start of a streamed run (`POST /runs`).
    StreamStart {
        /// The run's client-made id.
        external_run_id: String,
    },
    /// A batch of a streamed run's events (`/run-events/batch`).
    StreamEvents {
        /// The run's client-made id.
        external_run_id: String,
        /// How many events the batch carried.
        events: usize,
    },
    /// End of a streamed run (`PATCH /runs/{id}`).
    StreamEnd {
        /// The run's client-made id.
        external_run_id: String,
        /// Its final status.
        status: RunStatus,
    },
    /// One usage record (`/usage/internal`).
    Usage {
        /// Customer the usage is attributed to.
        customer_id: String,
        /// Meter name.
        meter: String,
    },
}
