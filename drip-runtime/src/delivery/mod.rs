//! Delivery: gets what instrumented code records to the Drip API off the hot
//! path, exactly once, surviving outages and restarts, in bounded memory.
//!
//! ```text
//! callers ──submit──▶ bounded queue ──▶ transport thread (own current-thread tokio runtime)
//!    │ (queue full: spill)                 │ 1. append to the open spool segment
//!    └──────────────▶ overflow segment ──▶ │ 2. seal + fsync (every `linger`, or when full)
//!                                          │ 3. send: /runs/record, /runs + /run-events/batch
//!                                          │    + PATCH /runs/{id}, /usage/internal
//!                                          │    retries with capped backoff + jitter, Retry-After
//!                                          │ 4. delete the segment once all of it is acknowledged
//! ```
//!
//! * Handing work to the pipeline never waits for the network and (unless you chose
//!   [`OverflowPolicy::Block`](crate::config::OverflowPolicy)) never blocks.
//! * Every event's idempotency key and timestamp are fixed before it is first
//!   spooled or sent, and stored in the spool with it, so a retry or a replay
//!   after a crash is recognised by the server as the same event: counted as a
//!   duplicate, not stored twice. (A run's tool calls are buffered as plain
//!   facts; the transport thread turns them into wire events as it takes them
//!   from the queue — see `submission` — so the caller's thread never pays
//!   for keys, timestamps or metadata maps.)
//! * Spool segments are sealed at 4 MiB, by the transport and by callers
//!   spilling alike, so reading one back for delivery takes bounded memory.
//! * At start, segments earlier processes left are only listed and locked in
//!   `init`; the transport thread reads them, counting their items without
//!   building them and sending their stream-run starts first (a start can sit
//!   in a segment named after the one holding its events), and reads each in
//!   full when its turn comes.
//! * Permanent refusals (4xx other than 401/403/408/409/429) go to
//!   `dead-letters.jsonl` in the spool directory with the reason.
//! * A refused key (401/403) dead-letters nothing: the work stays in the
//!   spool, retried every minute, counted in `Stats::held_by_auth`, with one
//!   WARN per episode. The spool directory (named after the base URL and the
//!   key) is marked `key-refused`, and the next process started for the same
//!   base URL with another key adopts its segments — a rotated key delivers
//!   what the revoked one could not.
//! * A 2xx answer is delivered whatever its body: fields delivery does not
//!   need are decoded leniently, and a body that does not decode at all is
//!   logged once and counted as sent.
//! * The record-run fallback (when `/runs/record` answers 404) retries each
//!   of its steps on its own, so a failed step resends nothing already stored.
//! * **Crash bound**: "spooled" (in [`Stats`] and [`FlushReport`]) means
//!   handed to the OS: a segment's buffer is written out before its items
//!   count as spooled (every `linger` for the transport's segment; callers'
//!   overflow is written by the transport every `linger`, at most 100 ms).
//!   Until then they count in `Stats::queue_depth`. A process killed outright
//!   (SIGKILL, OOM) loses at most what it submitted during its last `linger`
//!   plus what was still in the in-memory queue, never anything reported
//!   spooled; everything older is replayed by the next process. A power cut
//!   loses at most the last `linger` of synced data the same way (segments
//!   are `fdatasync`ed every `linger`; callers' overflow segments when sealed,
//!   within a second).
//!
//! # Starting and stopping
//!
//! ```
//! # fn main() -> drip_runtime::Result<()> {
//! use drip_runtime::config::Config;
//! use std::time::Duration;
//! # let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
//! # let config = Config::new(emulator.secret_key())
//! #     .base_url(emulator.base_url())
//! #     .spool_dir(std::env::temp_dir().join("drip-doc-module"));
//! // In production: `Config::from_env()` (DRIP_API_KEY, DRIP_API_URL …).
//! let guard = drip_runtime::delivery::init(config)?;
//! // … run the agent …
//! let report = drip_runtime::delivery::shutdown(Duration::from_secs(5));
//! assert_eq!(report.dropped, 0);
//! drop(guard); // already shut down: returns at once
//! # let _ = std::fs::remove_dir_all(std::env::temp_dir().join("drip-doc-module"));
//! # Ok(())
//! # }
//! ```
//!
//! # Without `init`
//!
//! Delivery starts only from [`init`]. A key in the environment alone starts
//! nothing — so a test binary run in a shell that holds a production key
//! bills no one. When instrumented code runs with `DRIP_API_KEY` set and
//! `init` was never called, drip logs one WARN (target `drip`) saying to call
//! `drip::init(drip::Config::from_env())` at the start of `main` and keep the
//! guard, and records nothing.

mod backlog;
mod backoff;
mod dispatch;
mod envelope;
mod event_wire;
mod report;
mod run_ids;
pub(crate) mod spool;
mod submission;
mod submit;
mod transport;

pub(crate) use envelope::{
    ChargeRecord, Envelope, FinishedRun, StreamEnd, StreamStart, UsageRecord,
};
pub use report::{FlushReport, Stats};
pub(crate) use submission::Submission;

use crate::client::Client;
use crate::config::Config;
use report::Counters;
use spool::Spool;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use submit::{Overflow, Shared};
use tokio::sync::{mpsc, oneshot};

/// Requests from the public API to the transport thread.
#[derive(Debug)]
pub(crate) enum Control {
    Flush {
        deadline: Duration,
        reply: oneshot::Sender<FlushReport>,
    },
    Shutdown {
        deadline: Duration,
        reply: std::sync::mpsc::Sender<FlushReport>,
    },
}

/// A running pipeline.
#[derive(Debug)]
struct Pipeline {
    queue: mpsc::Sender<Submission>,
    control: mpsc::UnboundedSender<Control>,
    shared: Arc<Shared>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Started by `lazy_init_from_env` rather than `init`.
    lazy: bool,
}

static PIPELINE: RwLock<Option<Arc<Pipeline>>> = RwLock::new(None);
/// The client built from the running pipeline's configuration, for the
/// application's own calls ([`client`]); set by `init`, cleared by shutdown.
static CLIENT: RwLock<Option<Client>> = RwLock::new(None);
/// Counters of the last pipeline, so `stats()` after shutdown still answers.
static LAST_COUNTERS: RwLock<Option<Arc<Counters>>> = RwLock::new(None);
/// Items submitted while no pipeline was running.
static ORPHANS: AtomicU64 = AtomicU64::new(0);
static ORPHAN_LOGGED: AtomicBool = AtomicBool::new(false);

fn current() -> Option<Arc<Pipeline>> {
    PIPELINE
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// Keeps the pipeline started by [`init`] alive; dropping it drains it with
/// the configured shutdown deadline (default 5 s) — what is not acknowledged
/// by then stays in the spool for the next start.
///
/// Dropping the guard blocks the dropping thread for at most that deadline.
///
/// ```no_run
/// # fn main() -> drip_runtime::Result<()> {
/// let _guard = drip_runtime::delivery::init(drip_runtime::config::Config::from_env())?;
/// // instrumented work …
/// # Ok(())
/// # } // `_guard` drops here and drains
/// ```
#[must_use = "dropping the guard shuts delivery down at once; keep it alive for the life of the program"]
#[derive(Debug)]
pub struct DripGuard {
    deadline: Duration,
    pipeline: Option<Arc<Pipeline>>,
    client: Option<Client>,
}

impl DripGuard {
    /// The client built from the same configuration as the pipeline (same key
    /// and base URL, default retries), for the application's own calls —
    /// `check_entitlement`, `get_run_timeline` …; `None` when drip is disabled.
    /// Also reachable without the guard through [`client`].
    ///
    /// ```
    /// # fn main() -> drip_runtime::Result<()> {
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// # let spool = std::env::temp_dir().join(format!("drip-doc-guard-client-{}", std::process::id()));
    /// let guard = drip_runtime::delivery::init(
    ///     drip_runtime::Config::new(emulator.secret_key()).base_url(emulator.base_url())
    /// #       .spool_dir(&spool)
    /// )?;
    /// assert_eq!(guard.client().unwrap().base_url(), emulator.base_url());
    /// guard.shutdown();
    /// # let _ = std::fs::remove_dir_all(&spool);
    /// # Ok(())
    /// # }
    /// ```
    pub fn client(&self) -> Option<&Client> {
        self.client.as_ref()
    }

    /// Drains now and returns the report (like [`shutdown`] with the guard's deadline).
    pub fn shutdown(mut self) -> FlushReport {
        self.shutdown_inner()
    }

    fn shutdown_inner(&mut self) -> FlushReport {
        match self.pipeline.take() {
            Some(p) => log_stopped(stop(&p, self.deadline)),
            None => FlushReport::default(),
        }
    }
}

impl Drop for DripGuard {
    fn drop(&mut self) {
        self.shutdown_inner();
    }
}

/// Starts the delivery pipeline.
///
/// Returns a disabled guard (and starts nothing) when the configuration is
/// disabled (no key, `DRIP_DISABLED=1`). Errors: a malformed key, an untrusted
/// base URL, a spool directory that cannot be created or written, or a
/// pipeline already started by `init` (keep the first guard). A pipeline
/// started lazily from the environment is replaced.
///
/// ```
/// use drip_runtime::config::Config;
/// # fn main() -> drip_runtime::Result<()> {
/// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
/// let guard = drip_runtime::delivery::init(
///     Config::new(emulator.secret_key())
///         .base_url(emulator.base_url())
/// #       .spool_dir(std::env::temp_dir().join("drip-doc-init"))
/// )?;
/// assert!(drip_runtime::delivery::stats().running);
/// let report = guard.shutdown();
/// assert!(report.is_complete());
/// # let _ = std::fs::remove_dir_all(std::env::temp_dir().join("drip-doc-init"));
/// # Ok(())
/// # }
/// ```
pub fn init(config: Config) -> crate::Result<DripGuard> {
    let deadline = config.shutdown_deadline;
    if config.is_disabled() {
        // Explicitly off: also keeps the first instrumented call from
        // starting a pipeline from the environment.
        if let Some(existing) = current().filter(|p| p.lazy) {
            stop(&existing, Duration::from_secs(1));
        }
        set_context_enabled(false);
        tracing::info!(target: "drip", "drip disabled: nothing will be delivered");
        return Ok(DripGuard {
            deadline,
            pipeline: None,
            client: None,
        });
    }
    config.validate()?;
    if let Some(existing) = current() {
        if existing.lazy {
            stop(&existing, Duration::from_secs(1));
        } else {
            return Err(crate::Error::Config {
                reason: "drip::init was called while a pipeline started by an earlier init is running; keep and reuse the first guard".into(),
            });
        }
    }
    let client = user_client(&config)?;
    let spool_dir = config.effective_spool_dir();
    let counters = Arc::new(Counters::default());
    let spool = Spool::open(spool_dir.clone(), config.spool_max_bytes)?;
    let pipeline = start(config, counters, Some(Arc::new(spool)), false)?;
    install(pipeline.clone());
    *CLIENT.write().unwrap_or_else(PoisonError::into_inner) = Some(client.clone());
    tracing::info!(
        target: "drip",
        key_kind = %client.key_kind(),
        host = %client.host(),
        spool_dir = %spool_dir.display(),
        "drip started"
    );
    Ok(DripGuard {
        deadline,
        pipeline: Some(pipeline),
        client: Some(client),
    })
}

/// The application's client: the pipeline's key and base URL, with the
/// client's default retries (the transport schedules its own).
fn user_client(config: &Config) -> crate::Result<Client> {
    Client::builder()
        .api_key(config.api_key.clone().unwrap_or_default())
        .base_url(config.base_url.clone())
        .build()
}

/// The one INFO line of a shutdown, with what it achieved.
fn log_stopped(report: FlushReport) -> FlushReport {
    tracing::info!(
        target: "drip",
        sent = report.sent,
        duplicates = report.duplicates,
        rejected = report.rejected,
        spooled = report.spooled,
        dropped = report.dropped,
        "drip stopped"
    );
    report
}

/// The client [`init`] built from its [`Config`] (same key and base URL, the
/// client's default retries): one configuration for the pipeline and the
/// application's own calls, like sentry's `Hub::client()`. `None` when no
/// pipeline runs (no `init`, drip disabled, or after shutdown).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> drip_runtime::Result<()> {
/// let emulator = drip_emulator::Emulator::builder().start().await.unwrap();
/// # let spool = std::env::temp_dir().join(format!("drip-doc-client-{}", std::process::id()));
/// let guard = drip_runtime::delivery::init(
///     drip_runtime::Config::new(emulator.secret_key()).base_url(emulator.base_url())
/// #       .spool_dir(&spool)
/// )?;
/// let client = drip_runtime::delivery::client().expect("init ran with a key");
/// let customer = client.get_or_create_customer("user_42", None).await?;
/// assert!(!customer.id.is_empty());
/// drop(guard);
/// assert!(drip_runtime::delivery::client().is_none());
/// # let _ = std::fs::remove_dir_all(&spool);
/// # Ok(())
/// # }
/// ```
pub fn client() -> Option<Client> {
    CLIENT
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

fn install(pipeline: Arc<Pipeline>) {
    apply_side_settings(&pipeline.shared.config);
    *LAST_COUNTERS
        .write()
        .unwrap_or_else(PoisonError::into_inner) = Some(pipeline.shared.counters.clone());
    *PIPELINE.write().unwrap_or_else(PoisonError::into_inner) = Some(pipeline);
    set_context_enabled(true);
}

/// Settings other modules own, applied once per pipeline.
fn apply_side_settings(config: &Config) {
    if !config.allowed_metadata.is_empty() {
        crate::privacy::set_allowed_metadata(config.allowed_metadata.iter().cloned());
    }
    if let Some(key) = &config.hash_key {
        crate::privacy::set_hash_key(key);
    }
    crate::context::set_record_buffer_limit(config.run_buffer_events);
}

fn set_context_enabled(enabled: bool) {
    crate::context::set_enabled(enabled);
}

fn start(
    config: Config,
    counters: Arc<Counters>,
    spool: Option<Arc<Spool>>,
    lazy: bool,
) -> crate::Result<Arc<Pipeline>> {
    let (queue, queue_rx) = mpsc::channel(config.queue_capacity);
    let (control, control_rx) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        config,
        counters,
        spool,
        overflow: Mutex::new(Overflow::default()),
        spilling: AtomicBool::new(false),
    });
    let thread = transport::spawn(shared.clone(), queue_rx, control_rx)?;
    Ok(Arc::new(Pipeline {
        queue,
        control,
        shared,
        thread: Mutex::new(Some(thread)),
        lazy,
    }))
}

/// Stops `pipeline` (if it is still the current one) within `deadline`.
fn stop(pipeline: &Arc<Pipeline>, deadline: Duration) -> FlushReport {
    crate::meter::flush_all();
    let was_current = {
        let mut slot = PIPELINE.write().unwrap_or_else(PoisonError::into_inner);
        let current = slot.as_ref().is_some_and(|p| Arc::ptr_eq(p, pipeline));
        if current {
            *slot = None;
        }
        current
    };
    if was_current {
        set_context_enabled(false);
        *CLIENT.write().unwrap_or_else(PoisonError::into_inner) = None;
    }
    let (reply, answer) = std::sync::mpsc::channel();
    if pipeline
        .control
        .send(Control::Shutdown { deadline, reply })
        .is_err()
    {
        // Already shut down.
        return pipeline.shared.counters.report();
    }
    // The transport answers by its deadline; the margin covers a busy machine.
    match answer.recv_timeout(deadline + Duration::from_millis(500)) {
        Ok(report) => {
            // The transport thread exits right after answering.
            let thread = pipeline
                .thread
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(thread) = thread {
                let _ = thread.join();
            }
            report
        }
        // Not answered in time: leave the thread to finish on its own rather
        // than hang the caller.
        Err(_) => pipeline.shared.counters.report(),
    }
}

/// Hands one unit of work to the pipeline. Never waits for the network, never
/// fails: when the queue is full the envelope spills to disk (or, by policy,
/// waits or is dropped and counted).
pub(crate) fn submit(envelope: impl Into<Submission>) {
    submit_one(envelope.into());
}

fn submit_one(envelope: Submission) {
    let guard = PIPELINE.read().unwrap_or_else(PoisonError::into_inner);
    match guard.as_ref() {
        Some(p) => p.submit(envelope),
        None => {
            drop(guard);
            orphan(envelope.items());
        }
    }
}

fn orphan(items: u64) {
    ORPHANS.fetch_add(items, Ordering::Relaxed);
    if items > 0 && !ORPHAN_LOGGED.swap(true, Ordering::Relaxed) {
        tracing::warn!(target: "drip", items, "drip dropped billing items recorded after shutdown (or before init); they are counted in drip::stats().dropped");
    }
}

/// Called once by the run context on the first instrumented call before
/// [`init`]: starts nothing (delivery starts only from `init`) and, when the
/// environment holds a key, warns once what to do. Returns whether a
/// pipeline is running.
pub(crate) fn lazy_init_from_env() -> bool {
    if current().is_some() {
        return true;
    }
    if !Config::from_env().is_disabled() {
        tracing::warn!(
            target: "drip",
            "drip is not delivering: DRIP_API_KEY is set but drip::init was never called, so instrumented code records nothing. Call `let _guard = drip::init(drip::Config::from_env())?;` at the start of main and keep the guard until the program exits"
        );
    }
    false
}

/// Sends everything submitted so far and waits until it is acknowledged or
/// `deadline` has passed. What is not acknowledged stays in the spool.
///
/// Works from any async runtime (it only awaits a reply from the transport
/// thread) and returns at once when no pipeline is running.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
/// # let _guard = drip_runtime::delivery::init(drip_runtime::config::Config::new(emulator.secret_key())
/// #     .base_url(emulator.base_url())
/// #     .spool_dir(std::env::temp_dir().join("drip-doc-flush"))).unwrap();
/// let report = drip_runtime::delivery::flush(std::time::Duration::from_secs(2)).await;
/// println!("{} sent, {} pending in the spool", report.sent, report.spooled);
/// # let _ = std::fs::remove_dir_all(std::env::temp_dir().join("drip-doc-flush"));
/// # }
/// ```
pub async fn flush(deadline: Duration) -> FlushReport {
    crate::meter::flush_all();
    let Some(p) = current() else {
        return last_report();
    };
    let (reply, answer) = oneshot::channel();
    if p.control.send(Control::Flush { deadline, reply }).is_err() {
        return p.shared.counters.report();
    }
    match answer.await {
        Ok(report) => report,
        Err(_) => p.shared.counters.report(),
    }
}

/// Drains and stops the pipeline within `deadline`; what is not acknowledged
/// by then stays in the spool. Synchronous, safe inside or outside any async
/// runtime (it blocks the calling thread for at most about `deadline`), never
/// panics, and returns at once when no pipeline runs.
///
/// ```
/// let report = drip_runtime::delivery::shutdown(std::time::Duration::from_secs(1));
/// assert_eq!(report.spooled, 0); // nothing was running
/// ```
pub fn shutdown(deadline: Duration) -> FlushReport {
    match current() {
        Some(p) => log_stopped(stop(&p, deadline)),
        None => last_report(),
    }
}

fn last_report() -> FlushReport {
    let mut report = LAST_COUNTERS
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .map(|c| c.report())
        .unwrap_or_default();
    report.dropped += ORPHANS.load(Ordering::Relaxed);
    report
}

/// A snapshot of the pipeline's counters (of the last pipeline after shutdown).
///
/// ```
/// let s = drip_runtime::delivery::stats();
/// println!("{} sent, {} queued, {} retries", s.sent, s.queue_depth, s.retries);
/// ```
pub fn stats() -> Stats {
    let orphans = ORPHANS.load(Ordering::Relaxed);
    let mut stats = match current() {
        Some(p) => {
            let depth = (p.queue.max_capacity() - p.queue.capacity()) as u64;
            p.shared.counters.stats(depth)
        }
        None => {
            let mut s = LAST_COUNTERS
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
                .map(|c| c.stats(0))
                .unwrap_or_default();
            s.running = false;
            s.in_flight = 0;
            s.privacy = crate::privacy::counters();
            s.requests = crate::request_stats::snapshot();
            s
        }
    };
    stats.dropped += orphans;
    stats.outside_run = crate::context::outside_run_count();
    stats
}

/// Test hook: hands an event to the pipeline as the run context would
/// (a one-event stream batch of an already started run, a usage record, …).
/// Not public API.
#[doc(hidden)]
pub mod __test_hooks {
    use super::*;
    use crate::metadata::Metadata;
    use crate::model::{Event, RunStatus};

    /// A record-mode run with `events`.
    pub fn submit_run(
        customer_id: &str,
        workflow: &str,
        external_run_id: &str,
        events: Vec<Event>,
    ) {
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
        }));
    }
}
