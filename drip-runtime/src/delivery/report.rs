//! What the pipeline tells its user: [`FlushReport`], [`Stats`], and the
//! counters behind them.

use crate::privacy::Sanitizer;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Outcome of [`flush`](crate::flush) or
/// [`shutdown`](crate::shutdown).
///
/// Counts are of billable items (run events and usage records) since the
/// pipeline started, except `spooled`, which is what is pending on disk when
/// the report is made: not lost, replayed at the next start.
///
/// ```
/// let r = drip_runtime::delivery::FlushReport::default();
/// assert!(r.is_complete());
/// assert_eq!(r.delivered(), 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlushReport {
    /// Stored by the server for the first time.
    pub sent: u64,
    /// Acknowledged as already stored (a retry or a replay of something that had
    /// arrived): delivered, not stored twice.
    pub duplicates: u64,
    /// Refused permanently (4xx other than 408/409/429); in the dead-letter file.
    pub rejected: u64,
    /// Not acknowledged yet; safe in the spool and replayed at the next start.
    pub spooled: u64,
    /// Lost: spool full or unwritable, corrupted spool lines, `DropNewest`
    /// overflow, or submitted after shutdown. Each loss is logged.
    pub dropped: u64,
}

impl FlushReport {
    /// `sent + duplicates`.
    pub fn delivered(&self) -> u64 {
        self.sent + self.duplicates
    }

    /// Whether nothing is pending and nothing was lost or refused.
    pub fn is_complete(&self) -> bool {
        self.spooled == 0 && self.dropped == 0 && self.rejected == 0
    }
}

/// A snapshot of the pipeline, from [`stats`](crate::stats).
///
/// ```
/// let s = drip_runtime::stats();
/// assert!(s.queue_depth <= 1 << 40);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Stats {
    /// Envelopes waiting in memory for the transport, plus items written to
    /// a spool segment but not yet handed to the OS (not yet spooled).
    pub queue_depth: u64,
    /// Items in requests that have not been answered yet.
    pub in_flight: u64,
    /// Items stored for the first time.
    pub sent: u64,
    /// Items acknowledged as already stored.
    pub duplicates: u64,
    /// Items refused permanently (dead-lettered).
    pub rejected: u64,
    /// Requests retried after a transient failure.
    pub retries: u64,
    /// Items pending in the spool.
    pub spooled: u64,
    /// Items lost (see [`FlushReport::dropped`]).
    pub dropped: u64,
    /// Age of the oldest item not yet acknowledged.
    pub oldest_pending_age: Option<Duration>,
    /// Whether a pipeline is running.
    pub running: bool,
    /// Requests held (with their work kept in the spool) because the API
    /// refused the key with 401 or 403; retried every minute and delivered
    /// once a valid key is configured (e.g. after a restart with it).
    pub held_by_auth: u64,
    /// What this runtime's privacy rules removed from metadata and text
    /// (its runs, usage, meters and application client).
    pub privacy: crate::privacy::PrivacyCounters,
    /// `#[drip::tool]` calls and events (`llm_call`, `plan`, …) that found no
    /// run and recorded nothing — usually work in a task spawned without the
    /// run (plain `tokio::spawn`, `spawn_blocking`, `std::thread::spawn`);
    /// carry it with `drip::spawn` or `.in_current_run()`. Process total.
    pub outside_run: u64,
    /// What HTTP integrations counted: requests without a customer,
    /// entitlement decisions (process totals).
    pub requests: crate::request_stats::RequestStats,
    /// External customer ids (`external_customer = …`) resolved to a Drip
    /// customer by the delivery thread: one get-or-create per distinct id.
    pub customers_resolved: u64,
    /// External customer ids the API refused to get or create (400, a 403
    /// for a key that may not create customers …); the runs and usage for
    /// them are dead-lettered (counted in `rejected`).
    pub customers_refused: u64,
}

/// Counters shared by callers and the transport. Relaxed atomics: they are
/// statistics, not synchronisation.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub sent: AtomicU64,
    pub duplicates: AtomicU64,
    pub rejected: AtomicU64,
    pub retries: AtomicU64,
    pub spooled: AtomicU64,
    pub dropped: AtomicU64,
    pub in_flight: AtomicU64,
    /// Items written to a spool segment but still in its buffer: neither
    /// spooled (a crash would lose them) nor in the queue. Shown in
    /// `Stats::queue_depth`.
    pub unflushed: AtomicU64,
    /// Billable items in envelopes waiting in the queue (a gauge that
    /// bounds the queue's memory; see `submit`).
    pub queued_items: AtomicU64,
    /// Requests waiting because the API refused the key (a gauge).
    pub held_by_auth: AtomicU64,
    /// External customer ids resolved, and refused for good.
    pub customers_resolved: AtomicU64,
    pub customers_refused: AtomicU64,
    /// Unix milliseconds of the oldest pending item; 0 when none.
    pub oldest_pending_ms: AtomicU64,
    first_drop_logged: AtomicBool,
    /// The runtime's privacy rules, applied at the boundary, and their counts.
    pub privacy: Arc<Sanitizer>,
}

impl Counters {
    /// Counters at zero that apply and count `privacy`.
    pub(crate) fn with_privacy(privacy: Arc<Sanitizer>) -> Counters {
        Counters {
            privacy,
            ..Counters::default()
        }
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a loss; the first one is logged (with the reason, never content).
    /// `n` buffered items reached the OS: from here on they are spooled.
    pub(crate) fn made_safe(&self, n: u64) {
        self.unflushed.fetch_sub(n, Ordering::Relaxed);
        self.spooled.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn drop_items(&self, n: u64, reason: &str) {
        if n == 0 {
            return;
        }
        self.dropped.fetch_add(n, Ordering::Relaxed);
        if !self.first_drop_logged.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                target: "drip",
                items = n,
                reason,
                "drip dropped billing items; later drops are counted in drip::stats() without logging"
            );
        }
    }

    pub(crate) fn report(&self) -> FlushReport {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        FlushReport {
            sent: get(&self.sent),
            duplicates: get(&self.duplicates),
            rejected: get(&self.rejected),
            spooled: get(&self.spooled),
            dropped: get(&self.dropped),
        }
    }

    pub(crate) fn stats(&self, queue_depth: u64) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let oldest = get(&self.oldest_pending_ms);
        let oldest_pending_age = (oldest != 0).then(|| {
            let now = crate::delivery::spool::unix_ms();
            Duration::from_millis(now.saturating_sub(oldest))
        });
        Stats {
            queue_depth: queue_depth + get(&self.unflushed),
            in_flight: get(&self.in_flight),
            sent: get(&self.sent),
            duplicates: get(&self.duplicates),
            rejected: get(&self.rejected),
            retries: get(&self.retries),
            spooled: get(&self.spooled),
            dropped: get(&self.dropped),
            oldest_pending_age,
            running: true,
            held_by_auth: get(&self.held_by_auth),
            // Filled by the runtime, which owns these counts.
            privacy: Default::default(),
            outside_run: 0,
            requests: Default::default(),
            customers_resolved: get(&self.customers_resolved),
            customers_refused: get(&self.customers_refused),
        }
    }
}
