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
//! * Permanent refusals (4xx other than 408/409/429) go to
//!   `dead-letters.jsonl` in the spool directory with the reason.
//! * **Crash bound**: a process killed outright (SIGKILL, OOM) loses at most
//!   what it submitted during its last `linger` (default 50 ms) plus what was
//!   still in the in-memory queue; everything older is on disk and replayed by
//!   the next process. A power cut loses at most the last `linger` of synced
//!   data the same way (segments are `fdatasync`ed every `linger`).
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
//! # Ok(())
//! # }
//! ```
//!
//! # Without `init`
//!
//! The first instrumented call with `DRIP_API_KEY` set starts a pipeline from
//! the environment. It has no guard, so nothing drains
//! it at process exit: what was already sealed to the spool is replayed at the
//! next start, but what was still in the in-memory queue or in the last
//! `linger` when the process exits is lost. Call [`shutdown`] before exiting,
//! or use [`init`] and keep its guard, to lose nothing.

mod backoff;
mod dispatch;
mod envelope;
mod event_wire;
mod report;
mod run_ids;
pub(crate) mod spool;
mod submission;
mod transport;

pub(crate) use envelope::{
    ChargeRecord, Envelope, FinishedRun, StreamEnd, StreamStart, UsageRecord,
};
pub use report::{FlushReport, Stats};
pub(crate) use submission::Submission;

use crate::config::{Config, OverflowPolicy};
use report::Counters;
use spool::{SegmentWriter, Spool};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// State shared by callers and the transport thread.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) counters: Arc<Counters>,
    pub(crate) spool: Option<Arc<Spool>>,
    /// Where callers spill when the queue is full (policy `Spill`).
    pub(crate) overflow: Mutex<Overflow>,
    /// Set while callers spill; cleared by the transport when it takes the
    /// overflow segment. While set, every submit spills, so one caller's
    /// envelopes keep their order.
    pub(crate) spilling: AtomicBool,
}

/// The callers' side of the spool, used while the queue is full.
#[derive(Debug, Default)]
pub(crate) struct Overflow {
    /// The segment callers append to.
    pub(crate) writer: Option<SegmentWriter>,
    /// Segments callers filled, oldest first, for the transport to seal and
    /// take. Starting a new one at the segment size here, not when the
    /// transport comes round, is what bounds a segment, and so the memory
    /// that reading one back for delivery takes.
    pub(crate) full: Vec<SegmentWriter>,
}

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
}

impl DripGuard {
    /// Drains now and returns the report (like [`shutdown`] with the guard's deadline).
    pub fn shutdown(mut self) -> FlushReport {
        self.shutdown_inner()
    }

    fn shutdown_inner(&mut self) -> FlushReport {
        match self.pipeline.take() {
            Some(p) => stop(&p, self.deadline),
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
        return Ok(DripGuard {
            deadline,
            pipeline: None,
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
    let spool_dir = config.effective_spool_dir();
    let counters = Arc::new(Counters::default());
    let spool = Spool::open(spool_dir, config.spool_max_bytes)?;
    let pipeline = start(config, counters, Some(Arc::new(spool)), false)?;
    install(pipeline.clone());
    Ok(DripGuard {
        deadline,
        pipeline: Some(pipeline),
    })
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

impl Pipeline {
    #[inline]
    fn submit(&self, envelope: Submission) {
        if self.shared.spilling.load(Ordering::Relaxed) {
            return self.spill(envelope);
        }
        match self.queue.try_send(envelope) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(envelope)) => self.overflow(envelope),
            Err(mpsc::error::TrySendError::Closed(envelope)) => orphan(envelope.items()),
        }
    }

    #[cold]
    fn overflow(&self, envelope: Submission) {
        match self.shared.config.overflow {
            OverflowPolicy::DropNewest => self
                .shared
                .counters
                .drop_items(envelope.items(), "queue full (policy DropNewest)"),
            OverflowPolicy::Block => {
                let mut envelope = envelope;
                let mut attempt = 0u32;
                loop {
                    attempt = attempt.saturating_add(1);
                    // The transport usually frees a slot within microseconds.
                    if attempt < 64 {
                        std::thread::yield_now();
                    } else {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    match self.queue.try_send(envelope) {
                        Ok(()) => return,
                        Err(mpsc::error::TrySendError::Full(back)) => envelope = back,
                        Err(mpsc::error::TrySendError::Closed(back)) => {
                            return orphan(back.items());
                        }
                    }
                }
            }
            _ => self.spill(envelope),
        }
    }

    #[cold]
    fn spill(&self, envelope: Submission) {
        let shared = &self.shared;
        let items = envelope.items();
        let Some(envelope) = envelope.into_envelope(&shared.counters) else {
            return;
        };
        let Some(spool) = &shared.spool else {
            return shared
                .counters
                .drop_items(items, "queue full and no spool directory");
        };
        let mut overflow = shared
            .overflow
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        shared.spilling.store(true, Ordering::Relaxed);
        if overflow.writer.is_none() {
            match SegmentWriter::create(spool) {
                Ok(w) => overflow.writer = Some(w),
                Err(e) => {
                    drop(overflow);
                    tracing::error!(target: "drip", error = %e, "cannot spill to the drip spool");
                    return shared.counters.drop_items(items, "spool unwritable");
                }
            }
        }
        let Some(writer) = overflow.writer.as_mut() else {
            return;
        };
        match writer.append(spool, &envelope) {
            Ok(_) => Counters::add(&shared.counters.spooled, items),
            Err(spool::AppendError::Full) => shared.counters.drop_items(items, "spool full"),
            Err(spool::AppendError::Io(e)) => {
                tracing::error!(target: "drip", error = %e, "cannot write to the drip spool");
                shared.counters.drop_items(items, "spool unwritable");
            }
        }
        if writer.bytes() >= transport::SEGMENT_MAX_BYTES
            && let Some(full) = overflow.writer.take()
        {
            // Sealed (flushed and synced) by the transport, not under this lock.
            overflow.full.push(full);
        }
    }
}

/// Starts a pipeline from the environment if `DRIP_API_KEY` is set and
/// `DRIP_DISABLED` is not; returns whether a pipeline is running.
///
/// Called once by the run context on the first instrumented call before
/// [`init`]. Limits (documented in the module docs): no guard drains it at
/// exit, so call [`shutdown`] before the process ends to lose nothing.
pub(crate) fn lazy_init_from_env() -> bool {
    if current().is_some() {
        return true;
    }
    let config = Config::from_env();
    if config.is_disabled() {
        return false;
    }
    if let Err(e) = config.validate() {
        tracing::error!(target: "drip", error = %e, "drip is disabled: the environment's configuration is unusable");
        return false;
    }
    let counters = Arc::new(Counters::default());
    let spool = match Spool::open(config.effective_spool_dir(), config.spool_max_bytes) {
        Ok(s) => Some(Arc::new(s)),
        Err(e) => {
            tracing::error!(target: "drip", error = %e, "drip runs without a spool: undeliverable events will be lost at exit");
            None
        }
    };
    // Two threads may race here; the loser's pipeline is stopped at once.
    let p = match start(config, counters, spool, true) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(target: "drip", error = %e, "drip is disabled: the transport thread could not start");
            return false;
        }
    };
    let won = {
        let mut slot = PIPELINE.write().unwrap_or_else(PoisonError::into_inner);
        let empty = slot.is_none();
        if empty {
            *slot = Some(p.clone());
        }
        empty
    };
    if won {
        apply_side_settings(&p.shared.config);
        *LAST_COUNTERS
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(p.shared.counters.clone());
    } else {
        stop(&p, Duration::ZERO);
    }
    true
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
        Some(p) => stop(&p, deadline),
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
            s
        }
    };
    stats.dropped += orphans;
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
