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
//! * Spool segments are sealed at 2 MiB, by the transport and by callers
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
//!   base URL with another key of the same environment (`_test_` or
//!   `_live_`) adopts its segments — a rotated key delivers what the revoked
//!   one could not, and test work never reaches a live account.
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
//!   within a second). A streaming run holds its latest events (less than
//!   a chunk of 256) for at most one `linger` before it submits them (see
//!   `linger`), so for those the window a crash can lose is two `linger`s.
//! * Memory: the queue holds at most `queue_capacity` envelopes and 131,072
//!   billable items; segments are sealed at 2 MiB; 2 MiB of spool lines are
//!   kept in memory for sending, the rest read back one segment at a time
//!   (a segment that outgrew the budget keeps what it held, and only the
//!   lines after those are read back and parsed).
//! * Event batches are sent in requests of `batch_size` events of any runs
//!   (each event names its run), so short runs share requests.
//!
//! The pipeline is owned by a [`Runtime`](crate::runtime::Runtime), which
//! starts and stops it; see [`crate::runtime`].

mod backlog;
mod backoff;
mod dispatch;
mod envelope;
mod event_wire;
mod linger;
mod report;
mod run_ids;
mod screen;
pub(crate) mod spill_record;
pub(crate) mod spool;
mod submission;
mod submit;
mod tool_json;
mod transport;

pub(crate) use envelope::{Envelope, end_run};
pub(crate) use event_wire::{EventJson, LineWriter, RunEventsJson};
pub(crate) use linger::Lingering;
pub use report::{FlushReport, Stats};
pub(crate) use spill_record::{MAX_EVENTS as SPILL_MAX_EVENTS, SpillWriter};
pub(crate) use submission::{MakeEnvelope, SpilledRun, StreamChunk, Submission};
pub(crate) use tool_json::{ToolCallFacts, ToolJsonWriter, ToolValue};

use crate::config::Config;
use crate::privacy::Sanitizer;
use linger::Lingerers;
use report::Counters;
use spool::Spool;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
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

/// A running pipeline: the callers' queue and the transport thread behind it.
/// Owned by a [`Runtime`](crate::runtime::Runtime); no global state.
#[derive(Debug)]
pub(crate) struct Pipeline {
    queue: mpsc::Sender<Submission>,
    control: mpsc::UnboundedSender<Control>,
    shared: Arc<Shared>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Pipeline {
    /// Opens the spool named by `config` and starts the transport thread.
    /// `privacy`: the runtime's rules, applied to all its work on the way into the spool.
    pub(crate) fn start(config: Config, privacy: Arc<Sanitizer>) -> crate::Result<Arc<Pipeline>> {
        let spool = Spool::open(config.effective_spool_dir(), config.spool_max_bytes)?;
        let (queue, queue_rx) = mpsc::channel(config.queue_capacity);
        let config_capacity = config.queue_capacity;
        let (control, control_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            config,
            counters: Arc::new(Counters::with_privacy(privacy)),
            spool: Some(Arc::new(spool)),
            overflow: Mutex::new(Overflow::default()),
            spilling: AtomicBool::new(false),
            lingering: Lingerers::default(),
            wake: submit::Wake::new(config_capacity),
        });
        let thread = transport::spawn(shared.clone(), queue_rx, control_rx)?;
        Ok(Arc::new(Pipeline {
            queue,
            control,
            shared,
            thread: Mutex::new(Some(thread)),
        }))
    }

    /// Sends everything submitted so far and waits until it is acknowledged
    /// or `deadline` has passed.
    pub(crate) async fn flush(&self, deadline: Duration) -> FlushReport {
        let (reply, answer) = oneshot::channel();
        if self
            .control
            .send(Control::Flush { deadline, reply })
            .is_err()
        {
            return self.report();
        }
        answer.await.unwrap_or_else(|_| self.report())
    }

    /// Drains and stops the transport within `deadline`; what is not
    /// acknowledged by then stays in the spool. Safe to call twice.
    pub(crate) fn stop(&self, deadline: Duration) -> FlushReport {
        if self.on_transport_thread() {
            // The last handle of a runtime was dropped by the transport itself
            // (a run it swept): ask it to drain and stop, without waiting on
            // the thread that would answer.
            let (reply, _answer) = std::sync::mpsc::channel();
            let _ = self.control.send(Control::Shutdown { deadline, reply });
            return self.report();
        }
        let (reply, answer) = std::sync::mpsc::channel();
        if self
            .control
            .send(Control::Shutdown { deadline, reply })
            .is_err()
        {
            // Already shut down.
            return self.report();
        }
        // The transport answers by its deadline; the margin covers a busy machine.
        match answer.recv_timeout(deadline + Duration::from_millis(500)) {
            Ok(report) => {
                // The transport thread exits right after answering.
                let thread = self
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
            Err(_) => self.report(),
        }
    }

    /// Keeps `holder` to be asked to hand over what it buffers every
    /// `linger`, before every flush and at shutdown.
    pub(crate) fn linger_with(&self, holder: std::sync::Weak<dyn Lingering>) {
        self.shared.lingering.register(holder);
    }

    fn on_transport_thread(&self) -> bool {
        self.thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|t| t.thread().id() == std::thread::current().id())
    }

    /// Whether the pipeline still takes work (it has not been stopped).
    pub(crate) fn accepts_work(&self) -> bool {
        !self.queue.is_closed()
    }

    /// What the pipeline achieved so far.
    pub(crate) fn report(&self) -> FlushReport {
        self.shared.counters.report()
    }

    /// The pipeline's counters and gauges; `running` says whether it still takes work.
    pub(crate) fn stats(&self) -> Stats {
        let depth = (self.queue.max_capacity() - self.queue.capacity()) as u64;
        let mut stats = self.shared.counters.stats(depth);
        stats.running = !self.queue.is_closed();
        if !stats.running {
            stats.in_flight = 0;
        }
        stats
    }

    /// Counts items handed over after the pipeline stopped.
    fn orphan(&self, items: u64) {
        self.shared
            .counters
            .drop_items(items, "submitted after shutdown");
    }
}
