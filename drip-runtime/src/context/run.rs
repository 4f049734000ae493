//! A run: its identity, its buffered events, and how it ends.

use super::current;
use super::customer::CustomerId;
use super::pending::{PendingEvent, RuntimeValues};
use super::site::{Outcome, RunSite};
use super::warn_once::{WarnOnce, warn_once};
use crate::clock::{self, Tick};
use crate::delivery::{Envelope, Lingering, MakeEnvelope, SpilledRun, Submission, end_run};
use crate::metadata::{Metadata, Value};
use crate::model::idempotency::Reserved;
use crate::model::{RecordRun, RunStatus, StartRun};
use crate::runtime::Runtime;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, TryLockError, Weak};
use std::time::{Duration, SystemTime};

/// A streaming run whose pipeline sweeps lingering buffers (see
/// `delivery::linger`) hands its events over in chunks of this many, and
/// within `linger` of recording them when it records slowly: one queue slot,
/// one allocation and one wake-up of the transport per chunk, not per event.
/// A chunk is also the most a streaming run holds, so its memory is bounded
/// however long it runs.
pub(crate) const STREAM_CHUNK: usize = 256;
/// Without such a sweep (a test's capture, which takes work as it comes) an
/// explicit stream-mode run hands each event over as it happens, and a
/// record-mode run that outgrew its buffer in groups of this many.
const UNSWEPT_STREAM_EVERY: usize = 1;
const UNSWEPT_OVERFLOW_EVERY: usize = 100;

/// Event slots a run reserves with its first event: most runs record a
/// handful, so this skips the first regrowths. None are reserved before: a
/// run that records nothing (an HTTP request whose handler calls no tool)
/// allocates nothing for events, and an allocation on the caller's thread
/// that the transport thread frees costs far more than its size suggests.
const EVENTS_RESERVED: usize = 16;

/// Prefix of a run's `externalRunId`.
const RUN_ID_PREFIX: &str = "xrun";
/// Prefix of the key of a usage record tracked with a run's end. Its number
/// is the run's, so the key is fixed when the run starts.
const USAGE_KEY_PREFIX: &str = "usage";

/// Shared state of one run, reachable from every task it runs in.
///
/// A record-mode run hands this very state to delivery when it ends (see
/// [`MakeEnvelope`]): its id's text, its metadata and its wire events are
/// made there, on the transport thread, not on the caller's.
pub(crate) struct RunState {
    pub(crate) site: &'static RunSite,
    pub(crate) customer_id: CustomerId,
    /// `external_customer = …`: the application's id, resolved to Drip's
    /// (`customer_id`, empty until then) by delivery, off the caller's path.
    pub(crate) external_customer: Option<String>,
    /// The run's place in the key sequence, taken when it starts; its
    /// `externalRunId` is made from it when first needed.
    number: Reserved,
    external_run_id: OnceLock<String>,
    parent: Option<Reserved>,
    pub(crate) correlation_id: Option<String>,
    /// `drip.run` (target `drip::run`, DEBUG), entered wherever the run's code
    /// executes; disabled, and free, when no subscriber wants it.
    pub(crate) span: tracing::Span,
    /// When the run started, on the run clock and the wall clock.
    started: Anchor,
    /// A panic unwound through the run's own future (see `InRun`).
    panicked: AtomicBool,
    /// The run's code has started executing.
    begun: AtomicBool,
    buffer: Mutex<Buffer>,
    /// This run, for the pipeline's sweep of streaming buffers.
    me: Weak<RunState>,
}

struct Buffer {
    /// Where everything the run records goes; fixed when it starts, let go
    /// when it ends: a finished run waiting in the queue does not keep its
    /// runtime alive (dropping a runtime's last handle drains it there).
    runtime: Option<Runtime>,
    /// Values whose keys the macros checked at compile time.
    values: RuntimeValues,
    /// Values given through the public API ([`ScopedRun::metadata`](super::ScopedRun::metadata)):
    /// their keys pass the key rules when the metadata is made.
    open_values: RuntimeValues,
    events: Vec<PendingEvent>,
    phase: Phase,
    /// How a record-mode run ended, kept for delivery to make its record.
    ended: Option<Ending>,
    /// Work made from the run with its own record, handed over with it.
    then: Option<FollowUp>,
    /// The follow-up's envelope, made with the run's record (boxed: an
    /// envelope is hundreds of bytes, which every run would carry).
    made: Option<Box<Envelope>>,
}

/// Makes the envelope that follows a run's record (a request's usage
/// record), given the run's metadata when made with its record (to add to
/// them, and read them).
pub(crate) type MakeFollowUp = Box<dyn FnOnce(&RunState, Option<&mut Metadata>) -> Envelope + Send>;

/// Work made from a run once it has ended: handed over in the run's own
/// queue slot (see `MakeEnvelope::follow_up`).
struct FollowUp {
    items: u64,
    make: MakeFollowUp,
}

/// The facts of a run's end.
struct Ending {
    status: RunStatus,
    error_code: Option<String>,
    error_message: Option<String>,
    duration: Duration,
}

#[derive(Clone, Copy)]
enum Phase {
    /// Events stay with the run until it ends (one `/runs/record`).
    Recording { limit: usize },
    /// Start, event batches, end.
    Streaming { announced: bool, flush_every: usize },
    /// Finished: later events (from tasks that outlived the run) are dropped.
    Ended,
}

impl RunState {
    fn new(
        site: &'static RunSite,
        // Drip's id, or empty with the application's id to resolve.
        (customer_id, external_customer): (String, Option<String>),
        correlation_id: Option<String>,
        parent: Option<Reserved>,
        runtime: Runtime,
        me: Weak<RunState>,
    ) -> Self {
        let phase = if site.stream {
            Phase::Streaming {
                announced: false,
                flush_every: UNSWEPT_STREAM_EVERY,
            }
        } else {
            Phase::Recording {
                limit: runtime.record_buffer_limit(),
            }
        };
        RunState {
            span: tracing::debug_span!(target: "drip::run", "drip.run", workflow = site.workflow),
            site,
            customer_id: CustomerId::new(customer_id),
            external_customer,
            number: Reserved::next(),
            external_run_id: OnceLock::new(),
            parent,
            correlation_id,
            started: Anchor {
                at: clock::now(),
                wall: SystemTime::now(),
            },
            panicked: AtomicBool::new(false),
            begun: AtomicBool::new(false),
            buffer: Mutex::new(Buffer {
                runtime: Some(runtime),
                values: Vec::new(),
                open_values: Vec::new(),
                events: Vec::new(),
                phase,
                ended: None,
                then: None,
                made: None,
            }),
            me,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The run's client-made id, `xrun_…`: made the first time it is asked
    /// for, the same text every time.
    pub(crate) fn external_run_id(&self) -> &str {
        self.external_run_id
            .get_or_init(|| self.number.key(RUN_ID_PREFIX))
    }

    /// The enclosing run's id, if the run was started inside another.
    pub(crate) fn parent_external_run_id(&self) -> Option<String> {
        self.parent.map(|p| p.key(RUN_ID_PREFIX))
    }

    /// The run's code starts executing: a stream-mode run announces itself.
    /// Called on every poll of the run's future: a plain load once begun,
    /// nothing at all in record mode.
    pub(crate) fn begin(&self) {
        if self.site.stream
            && !self.begun.load(Ordering::Relaxed)
            && !self.begun.swap(true, Ordering::Relaxed)
        {
            let mut buf = self.lock();
            self.announce(&mut buf);
        }
    }

    pub(crate) fn mark_panicked(&self) {
        self.panicked.store(true, Ordering::Relaxed);
    }

    pub(crate) fn has_panicked(&self) -> bool {
        self.panicked.load(Ordering::Relaxed)
    }

    /// Adds an event; may hand buffered events to the sink.
    pub(crate) fn push(&self, event: PendingEvent) {
        let mut buf = self.lock();
        match buf.phase {
            Phase::Ended => {
                drop(buf);
                warn_once(
                    WarnOnce::EventAfterRunEnded,
                    "drip: an event arrived after its run had ended (from a task that outlived the run) and was dropped; await spawned tasks before the run returns",
                );
            }
            Phase::Recording { limit } => {
                if buf.events.capacity() == 0 {
                    buf.events.reserve_exact(EVENTS_RESERVED);
                }
                buf.events.push(event);
                if buf.events.len() >= limit {
                    buf.phase = Phase::Streaming {
                        announced: false,
                        flush_every: UNSWEPT_OVERFLOW_EVERY,
                    };
                    self.announce(&mut buf);
                    self.flush(&mut buf);
                }
            }
            Phase::Streaming { flush_every, .. } => {
                buf.events.push(event);
                if buf.events.len() >= flush_every {
                    self.announce(&mut buf);
                    self.flush(&mut buf);
                }
            }
        }
    }

    /// Adds a run-time metadata value (key checked at compile time).
    fn add_value(&self, key: &'static str, value: Value) {
        self.lock().values.push((key, value));
    }

    /// Adds a metadata value whose key is checked when the metadata is made.
    pub(crate) fn add_open_value(&self, key: &'static str, value: Value) {
        self.lock().open_values.push((key, value));
    }

    /// The runtime the run records into; `None` once it has ended.
    pub(crate) fn runtime(&self) -> Option<Runtime> {
        self.lock().runtime.clone()
    }

    /// The key of a usage record tracked with the run's end: its number is
    /// the run's, so it is fixed when the run starts.
    pub(crate) fn usage_key(&self) -> String {
        self.number.key(USAGE_KEY_PREFIX)
    }

    /// Ends the run and hands it to the sink. Only the first call counts.
    fn end(
        self: Arc<Self>,
        status: RunStatus,
        error_code: Option<String>,
        error_message: Option<String>,
    ) {
        let mut buf = self.lock();
        let duration = self.started.at.elapsed();
        match buf.phase {
            Phase::Ended => {}
            Phase::Recording { .. } => {
                buf.phase = Phase::Ended;
                buf.ended = Some(Ending {
                    status,
                    error_code,
                    error_message,
                    duration,
                });
                let then = buf.then.as_ref().map_or(0, |t| t.items);
                let items = buf.events.len() as u64 + then;
                let Some(runtime) = buf.runtime.take() else {
                    return;
                };
                // Unlocked first: a test's capture makes the record at once.
                drop(buf);
                runtime.send(Submission::shared(items, self), Some(duration));
            }
            Phase::Streaming { .. } => {
                self.announce(&mut buf);
                buf.phase = Phase::Ended;
                self.flush(&mut buf);
                let end = Envelope::stream_end(
                    self.external_run_id(),
                    end_run(status, error_code, error_message),
                );
                let then = buf.then.take();
                if let Some(runtime) = buf.runtime.take() {
                    runtime.send(end, Some(duration));
                    if let Some(FollowUp { items, make }) = then {
                        let state = Arc::clone(&self);
                        runtime.send(
                            Submission::deferred(items, move || make(&state, None)),
                            None,
                        );
                    }
                }
            }
        }
    }

    /// Sends `StreamStart` once. The lock is held so nothing overtakes it.
    /// From then on the run hands its events over in chunks if its pipeline
    /// sweeps it every `linger`.
    fn announce(&self, buf: &mut Buffer) {
        if let Phase::Streaming {
            announced: false,
            flush_every,
        } = buf.phase
        {
            let Some(runtime) = buf.runtime.clone() else {
                return;
            };
            let me: Weak<dyn Lingering> = self.me.clone();
            let flush_every = if runtime.linger_with(me) {
                STREAM_CHUNK
            } else {
                flush_every
            };
            buf.phase = Phase::Streaming {
                announced: true,
                flush_every,
            };
            let mut start = StartRun::new(self.customer_id.to_owned(), "")
                .external_run_id(self.external_run_id());
            start.correlation_id = self.correlation_id.clone();
            start.metadata = Some(self.metadata(&buf.values, &buf.open_values));
            let start =
                Envelope::stream_start(start, self.site.workflow, self.parent_external_run_id())
                    .for_external_customer(self.external_customer.clone());
            runtime.send(start, None);
        }
    }

    /// Sends the buffered events of a streaming run.
    fn flush(&self, buf: &mut Buffer) {
        if buf.events.is_empty() {
            return;
        }
        let Some(runtime) = buf.runtime.clone() else {
            return;
        };
        // The next batch gets a buffer the size of this one (up to a chunk),
        // not one regrown from empty: a busy run keeps full chunks, a slow
        // one handed over by the sweep keeps a small buffer.
        let next = match buf.phase {
            Phase::Streaming { flush_every, .. } => {
                Vec::with_capacity(buf.events.len().min(flush_every))
            }
            _ => Vec::new(),
        };
        let pending = std::mem::replace(&mut buf.events, next);
        let items = pending.len() as u64;
        let chunk = super::pending::BufferedChunk {
            external_run_id: self.external_run_id().to_owned(),
            pending,
            started_at: self.started.at,
            started_wall: self.started.wall,
        };
        runtime.send(Submission::chunk(items, Box::new(chunk)), None);
    }

    /// The run's metadata: the site's literals, then its run-time values
    /// (those given as metadata of a `ScopedRun` last). Nothing is checked
    /// here: the map crosses the runtime's sanitising boundary, key and value
    /// rules, with the envelope, once.
    fn metadata(&self, values: &RuntimeValues, open_values: &RuntimeValues) -> Metadata {
        let mut metadata: Metadata = self
            .site
            .metadata
            .iter()
            .map(|(k, v)| (*k, Value::from(*v)))
            .collect();
        for (key, value) in values.iter().chain(open_values) {
            metadata.insert(*key, value.clone());
        }
        metadata
    }

    pub(crate) fn workflow(&self) -> &'static str {
        self.site.workflow
    }
}

impl RunState {
    /// A record-mode run's own part once it has ended (`RecordRun` without
    /// events, its follow-up made with it), and its buffered events.
    fn take_record(&self) -> (RecordRun, Vec<PendingEvent>) {
        let mut buf = self.lock();
        let pending = std::mem::take(&mut buf.events);
        let values = std::mem::take(&mut buf.values);
        let open_values = std::mem::take(&mut buf.open_values);
        let ended = buf.ended.take();
        let then = buf.then.take();
        drop(buf);
        let Ending {
            status,
            error_code,
            error_message,
            duration,
        } = ended.unwrap_or(Ending {
            status: RunStatus::Cancelled,
            error_code: None,
            error_message: None,
            duration: Duration::ZERO,
        });
        let mut run = RecordRun::new(self.customer_id.to_owned(), self.site.workflow, status)
            .external_run_id(self.external_run_id())
            // The end from the monotonic clock, so the duration the server
            // stores is the one measured here.
            .timing(self.started.wall, self.started.wall + duration);
        run.correlation_id = self.correlation_id.clone();
        run.error_code = error_code;
        run.error_message = error_message;
        let mut metadata = self.metadata(&values, &open_values);
        if let Some(FollowUp { make, .. }) = then {
            let made = make(self, Some(&mut metadata));
            self.lock().made = Some(Box::new(made));
        }
        run.metadata = Some(metadata);
        (run, pending)
    }
}

impl MakeEnvelope for RunState {
    /// The record of a record-mode run that has ended, made where the
    /// pipeline takes it: ids, metadata and wire events.
    fn make_envelope(&self) -> Envelope {
        let (run, pending) = self.take_record();
        let started = self.started;
        super::pending::record_envelope(
            run,
            pending,
            |at| started.wall_of(at),
            self.parent_external_run_id(),
        )
        .for_external_customer(self.external_customer.clone())
    }

    /// The run's events are written from its buffer, then its own part is
    /// made as for [`make_envelope`](Self::make_envelope); a run that has
    /// ended records nothing more in between.
    fn spill_parts(&self) -> Option<SpilledRun> {
        let events = super::pending::run_spill_events(
            &self.lock().events,
            (self.started.at, self.started.wall),
        )?;
        let (run, _written) = self.take_record();
        let run = Envelope::record(run, self.parent_external_run_id())
            .for_external_customer(self.external_customer.clone());
        Some(SpilledRun { events, run })
    }

    fn follow_up(&self) -> Option<Submission> {
        let mut buf = self.lock();
        if let Some(made) = buf.made.take() {
            return Some(Submission::deferred(0, move || *made));
        }
        // Not made with a record (the run streamed, or no record was made).
        let FollowUp { make, .. } = buf.then.take()?;
        drop(buf);
        let state = self.me.upgrade()?;
        Some(Submission::deferred(0, move || make(&state, None)))
    }
}

impl Lingering for RunState {
    fn hand_over(&self) -> bool {
        // Never wait for the run's lock: its holder may itself be waiting
        // for the thread that sweeps (a full queue under `OverflowPolicy::Block`).
        let mut buf = match self.buffer.try_lock() {
            Ok(buf) => buf,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return true,
        };
        match buf.phase {
            Phase::Ended => false,
            Phase::Streaming { .. } => {
                self.flush(&mut buf);
                true
            }
            Phase::Recording { .. } => true,
        }
    }
}

/// A run's start on the run clock and on the wall clock: what turns the
/// instants its events were buffered with into timestamps.
#[derive(Clone, Copy)]
struct Anchor {
    at: Tick,
    wall: SystemTime,
}

impl Anchor {
    /// Wall-clock time of `at`.
    fn wall_of(self, at: Tick) -> SystemTime {
        self.wall + at.saturating_duration_since(self.at)
    }
}

/// A run in progress, made by generated code for `#[drip::run]`.
///
/// Ends the run when [`finish`](RunGuard::finish)ed with the call's outcome;
/// dropped without it, the run ends `CANCELLED`, or `FAILED` with error code
/// `panic` if a panic is unwinding (or unwound through the run's future).
/// An inactive guard (SDK disabled) does nothing at all.
///
/// ```
/// use drip_runtime::private::{run_enter, Outcome, RunSite};
/// static SITE: RunSite = RunSite { workflow: "research", stream: false, metadata: &[], error_message: false };
///
/// let cap = drip_runtime::testing::capture();
/// let run = run_enter(&SITE, "cus_42", None);
/// run.enter_sync(|| drip_runtime::plan("look things up"));
/// run.finish(Outcome::Ok);
/// assert_eq!(cap.runs()[0].events[0].event_type, "agent.plan");
/// ```
#[derive(Debug)]
pub struct RunGuard {
    state: Option<Arc<RunState>>,
}

impl std::fmt::Debug for RunState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunState")
            .field("workflow", &self.site.workflow)
            .field("external_run_id", &self.external_run_id())
            .finish_non_exhaustive()
    }
}

impl RunGuard {
    /// A run that records nothing.
    ///
    /// ```
    /// let run = drip_runtime::private::RunGuard::inactive();
    /// assert!(!run.is_active());
    /// ```
    pub fn inactive() -> Self {
        RunGuard { state: None }
    }

    /// Whether anything will be recorded.
    ///
    /// ```
    /// assert!(!drip_runtime::private::RunGuard::inactive().is_active());
    /// ```
    #[inline]
    pub fn is_active(&self) -> bool {
        self.state.is_some()
    }

    /// Adds a run-time metadata value (key checked at compile time; the value
    /// passes the run-time value rules). Call before the run starts executing:
    /// a stream-mode run sends its metadata when it starts.
    ///
    /// ```
    /// use drip_runtime::private::{run_enter, Outcome, RunSite};
    /// static SITE: RunSite = RunSite { workflow: "w", stream: false, metadata: &[], error_message: false };
    /// let cap = drip_runtime::testing::capture();
    /// let mut run = run_enter(&SITE, "cus_1", None);
    /// run.metadata("region", "eu-west-1");
    /// run.finish(Outcome::Ok);
    /// assert_eq!(cap.runs()[0].metadata.get("region"), Some(&"eu-west-1".into()));
    /// ```
    pub fn metadata(&mut self, key: &'static str, value: impl Into<Value>) {
        if let Some(state) = &self.state {
            state.add_value(key, value.into());
        }
    }

    /// Adds a metadata value whose key passes the key rules when the run's
    /// metadata is made (a refused key is dropped and counted, like any).
    pub(crate) fn open_metadata(&mut self, key: &'static str, value: Value) {
        if let Some(state) = &self.state {
            state.add_open_value(key, value);
        }
    }

    /// Ends the run like [`finish`](RunGuard::finish) (`None`: like a
    /// drop), with `then`, work of `items` billable items made from the run
    /// where the pipeline takes it, handed over with the run's record (a
    /// record-mode run: in the same queue slot) or right after its end (a
    /// stream-mode run). An inactive run hands nothing over.
    pub(crate) fn finish_then(mut self, outcome: Option<Outcome>, items: u64, then: MakeFollowUp) {
        let Some(state) = self.state.take() else {
            return;
        };
        state.lock().then = Some(FollowUp { items, make: then });
        end_with(state, outcome);
    }

    /// Runs `fut` with this run as the current run (on every poll, on any thread).
    ///
    /// ```
    /// use drip_runtime::private::{run_enter, Outcome, RunSite};
    /// static SITE: RunSite = RunSite { workflow: "w", stream: false, metadata: &[], error_message: false };
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let cap = drip_runtime::testing::capture();
    /// let run = run_enter(&SITE, "cus_1", None);
    /// run.instrument(async { drip_runtime::llm_call("gpt-4o", 120) }).await;
    /// run.finish(Outcome::Ok);
    /// assert_eq!(cap.runs()[0].events[0].quantity, Some(120.0));
    /// # });
    /// ```
    pub fn instrument<F: Future>(&self, fut: F) -> super::InRun<F> {
        super::InRun::primary(self.state.clone(), fut)
    }

    /// Runs `f` with this run as the current run on this thread.
    ///
    /// ```
    /// use drip_runtime::private::{run_enter, Outcome, RunSite};
    /// static SITE: RunSite = RunSite { workflow: "w", stream: false, metadata: &[], error_message: false };
    /// let cap = drip_runtime::testing::capture();
    /// let run = run_enter(&SITE, "cus_1", None);
    /// let id = run.enter_sync(|| drip_runtime::current_run().map(|r| r.external_run_id().to_owned()));
    /// run.finish(Outcome::Ok);
    /// assert_eq!(id.as_deref(), Some(cap.runs()[0].external_run_id.as_str()));
    /// ```
    pub fn enter_sync<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.state {
            Some(state) => {
                state.begin();
                let _span = state.span.enter();
                let _entered = current::enter(Arc::clone(state));
                f()
            }
            None => f(),
        }
    }

    /// Ends the run with the call's outcome and hands it to delivery:
    /// `COMPLETED`, or `FAILED` with error code = the error's kind (and its
    /// redacted message only with `error_message`).
    ///
    /// ```
    /// use drip_runtime::private::{run_enter, Outcome, RunSite};
    /// use drip_runtime::model::RunStatus;
    /// static SITE: RunSite = RunSite { workflow: "w", stream: false, metadata: &[], error_message: false };
    /// let cap = drip_runtime::testing::capture();
    /// run_enter(&SITE, "cus_1", None).finish(Outcome::Err { kind: "Timeout".into(), message: None });
    /// assert_eq!(cap.runs()[0].status, RunStatus::Failed);
    /// assert_eq!(cap.runs()[0].error_code.as_deref(), Some("Timeout"));
    /// ```
    pub fn finish(mut self, outcome: Outcome) {
        if let Some(state) = self.state.take() {
            end_with(state, Some(outcome));
        }
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            end_with(state, None);
        }
    }
}

/// Ends a run with the call's outcome; `None` (dropped without one): `CANCELLED`,
/// or `FAILED` with error code `panic` if a panic is unwinding (or unwound
/// through the run's future).
fn end_with(state: Arc<RunState>, outcome: Option<Outcome>) {
    match outcome {
        Some(Outcome::Ok) => state.end(RunStatus::Completed, None, None),
        Some(Outcome::Err { kind, message }) => {
            let message = message.filter(|_| state.site.error_message);
            state.end(RunStatus::Failed, Some(kind.into_owned()), message)
        }
        None if std::thread::panicking() || state.has_panicked() => {
            state.end(RunStatus::Failed, Some("panic".to_owned()), None)
        }
        None => state.end(RunStatus::Cancelled, None, None),
    }
}

/// Opens a run (the SDK is known to be enabled).
pub(crate) fn run_enter(
    site: &'static RunSite,
    customer_id: String,
    correlation_id: Option<String>,
) -> RunGuard {
    open(site, customer_id, None, correlation_id)
}

/// Opens a run for the customer the application knows as `external`
/// (the SDK is known to be enabled). Nothing waits for the network here:
/// delivery resolves the id (`delivery/dispatch/customers.rs`).
pub(crate) fn run_enter_external(
    site: &'static RunSite,
    external: String,
    correlation_id: Option<String>,
) -> RunGuard {
    open(site, String::new(), Some(external), correlation_id)
}

fn open(
    site: &'static RunSite,
    customer_id: String,
    external_customer: Option<String>,
    correlation_id: Option<String>,
) -> RunGuard {
    let customer = external_customer.as_deref().unwrap_or(&customer_id);
    if customer.trim().is_empty() {
        warn_once(
            WarnOnce::EmptyCustomer,
            "drip: a run was started with an empty customer id and is not recorded; pass the customer's id to `customer = …` (or your own user id to `external_customer = …`)",
        );
        return RunGuard::inactive();
    }
    let parent = current::current();
    // The parent's runtime; a parent that has already ended (a task that
    // outlived it) has let its runtime go.
    let runtime = match parent.as_ref().and_then(|p| p.runtime()) {
        Some(rt) => rt,
        None => match crate::runtime::current() {
            Some(rt) => rt,
            // Stopped between the caller's on/off check and here.
            None => return RunGuard::inactive(),
        },
    };
    let parent = parent.map(|p| p.number);
    RunGuard {
        state: Some(Arc::new_cyclic(|me| {
            RunState::new(
                site,
                (customer_id, external_customer),
                correlation_id,
                parent,
                runtime,
                me.clone(),
            )
        })),
    }
}
