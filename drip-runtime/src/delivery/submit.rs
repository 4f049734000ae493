//! The callers' side of delivery: a submission goes into the bounded queue
//! without waiting; when the queue is full, the overflow policy decides —
//! wait for a slot (`Block`), drop and count (`DropNewest`), or spill into an
//! overflow segment of the spool (`Spill`) that the transport takes later.

use super::linger::Lingerers;
use super::report::Counters;
use super::spool::{self, SEGMENT_MAX_BYTES, SegmentWriter, Spool};
use super::{Pipeline, SpilledRun, Submission};
use crate::config::{Config, OverflowPolicy};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;

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
    /// Streaming runs' buffers, swept by the transport every `linger`.
    pub(crate) lingering: Lingerers,
    /// When callers wake the transport.
    pub(crate) wake: Wake,
}

/// When callers wake the transport thread: not per submission (waking a
/// parked thread is a system call on the caller's path), but once a batch
/// is waiting — [`Wake::BATCH`] submissions or [`Wake::ITEMS`] billable
/// items — or the queue is full, as opentelemetry-sdk's batch processor
/// does. Otherwise the transport takes the queue on its own every `linger`
/// (and before every flush and at shutdown), which bounds the delay.
#[derive(Debug)]
pub(crate) struct Wake {
    /// Submissions queued since the transport last took the queue.
    unseen: AtomicUsize,
    /// Queued submissions that make a batch worth waking for.
    batch: usize,
    notify: tokio::sync::Notify,
}

impl Wake {
    /// Submissions that make a batch: one wake-up per 64 short runs or
    /// requests costs each a fraction of a system call, and keeps the
    /// transport working on a burst from its start.
    const BATCH: usize = 64;
    /// Billable items in the queue that make a batch (16 stream-mode chunks).
    const ITEMS: u64 = 4_096;

    /// For a queue of `capacity` slots (a batch is at most half of it).
    pub(crate) fn new(capacity: usize) -> Wake {
        Wake {
            unseen: AtomicUsize::new(0),
            batch: (capacity / 2).clamp(1, Self::BATCH),
            notify: tokio::sync::Notify::new(),
        }
    }

    /// One more submission of `items` is queued, after `before` items:
    /// wakes the transport if that makes a batch.
    #[inline]
    fn queued(&self, before: u64, items: u64) {
        let crossed = before < Self::ITEMS && before + items >= Self::ITEMS;
        if self.unseen.fetch_add(1, Ordering::Relaxed) + 1 == self.batch || crossed {
            self.now();
        }
    }

    /// Wakes the transport (kept for it if it is not waiting yet).
    pub(crate) fn now(&self) {
        self.notify.notify_one();
    }

    /// The transport is taking the queue: later submissions start a new batch.
    pub(crate) fn taking(&self) {
        self.unseen.store(0, Ordering::Relaxed);
    }

    /// Completes when a caller wakes the transport.
    pub(crate) fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.notify.notified()
    }
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

/// What a spilling caller appends: a stream chunk's or a record-mode run's
/// compact record (`delivery/spill_record.rs`), or an envelope.
enum Line {
    Record(Vec<u8>),
    Envelope(Box<super::Envelope>),
}

/// Events an overflow segment holds at most: a spill record is a tenth of
/// the lines it stands for, and a segment is read back whole for delivery,
/// so a segment of records is bounded by what its lines will take in memory
/// (about two segments' size, at ~256 bytes an event), not by its own bytes.
/// Callers create a file per 16,384 events they spill: tighter, creating
/// files (tens of µs each in a directory of thousands) became most of a
/// spilling caller's cost; looser, the replay's peak memory grows.
const SPILLED_ITEMS_MAX: u64 = 2 * SEGMENT_MAX_BYTES / 256;

/// Billable items the queue holds at most, whatever their envelopes: the
/// queue's slots bound envelopes, this bounds their size (a record-mode run
/// of 500 events is one envelope). A run's buffered tool call is a few words,
/// so this is a few MiB.
const QUEUED_ITEMS_MAX: u64 = 131_072;

impl Pipeline {
    #[inline]
    pub(crate) fn submit(&self, envelope: Submission) {
        if self.shared.spilling.load(Ordering::Relaxed) {
            return self.spill(envelope);
        }
        match self.enqueue(envelope) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(envelope)) => self.overflow(envelope),
            Err(mpsc::error::TrySendError::Closed(envelope)) => self.orphan(envelope.items()),
        }
    }

    /// Into the queue if it has a slot and room for the items (an envelope
    /// larger than the whole allowance goes in alone, into an empty queue).
    // Hands the submission back by value like `try_send`, which it wraps.
    #[allow(clippy::result_large_err)]
    #[inline]
    fn enqueue(&self, envelope: Submission) -> Result<(), mpsc::error::TrySendError<Submission>> {
        let items = envelope.items();
        let queued = &self.shared.counters.queued_items;
        let before = queued.fetch_add(items, Ordering::Relaxed);
        if before > 0 && before + items > QUEUED_ITEMS_MAX {
            queued.fetch_sub(items, Ordering::Relaxed);
            return Err(mpsc::error::TrySendError::Full(envelope));
        }
        self.queue.try_send(envelope).map_or_else(
            |e| {
                queued.fetch_sub(items, Ordering::Relaxed);
                Err(e)
            },
            |()| {
                self.shared.wake.queued(before, items);
                Ok(())
            },
        )
    }

    #[cold]
    fn overflow(&self, envelope: Submission) {
        // The transport should take the queue now, whatever the policy.
        self.shared.wake.now();
        match self.shared.config.overflow {
            OverflowPolicy::DropNewest => self
                .shared
                .counters
                .drop_items(envelope.items(), "queue full (policy DropNewest)"),
            // The transport cannot wait for itself to free a slot (it hands
            // lingering runs' buffers over through here).
            OverflowPolicy::Block if super::transport::is_this_thread() => self.spill(envelope),
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
                    match self.enqueue(envelope) {
                        Ok(()) => return,
                        Err(mpsc::error::TrySendError::Full(back)) => envelope = back,
                        Err(mpsc::error::TrySendError::Closed(back)) => {
                            return self.orphan(back.items());
                        }
                    }
                }
            }
            _ => self.spill(envelope),
        }
    }

    #[cold]
    fn spill(&self, envelope: Submission) {
        let source = envelope.follow_up_source();
        self.spill_one(envelope);
        if let Some(then) = source.and_then(|s| s.follow_up()) {
            self.spill_one(then);
        }
    }

    /// What a spilling caller appends for `submission`: a stream chunk or a
    /// record-mode run of clean tool calls as its compact record, anything
    /// else as its envelope
    /// (made now, across the sanitising boundary). `None` when nothing is
    /// left to append (dropped and counted).
    fn spill_line(&self, submission: Submission, items: u64) -> Option<Line> {
        let counters = &self.shared.counters;
        let submission = match submission {
            // Without a spool, the chunk is dropped below either way.
            Submission::Chunk { chunk, .. } if self.shared.spool.is_some() => {
                match chunk.spill_record() {
                    Some(record) => {
                        if super::screen::screen_clean_batch(
                            chunk.external_run_id(),
                            &counters.privacy,
                        ) {
                            return Some(Line::Record(record));
                        }
                        counters.drop_items(items, "an identifier breaks the identifier rule");
                        return None;
                    }
                    None => Submission::Chunk { items, chunk },
                }
            }
            Submission::Shared { work, .. } if self.shared.spool.is_some() => {
                match work.spill_parts() {
                    Some(parts) => return self.run_record(parts, items),
                    None => Submission::Shared { items, work },
                }
            }
            other => other,
        };
        let envelope = submission.into_envelope(counters)?;
        Some(Line::Envelope(Box::new(envelope)))
    }

    /// A record-mode run's compact record: its own part across the
    /// sanitising boundary and the identifier rule as its envelope would
    /// cross them (its events, of compile-time-checked parts, need neither),
    /// then written after its events.
    fn run_record(&self, parts: SpilledRun, items: u64) -> Option<Line> {
        let counters = &self.shared.counters;
        let SpilledRun { events, mut run } = parts;
        super::event_wire::prepare(&mut run, &counters.privacy);
        let (_, keep) = super::screen::screen_envelope(&mut run, &counters.privacy);
        if !keep {
            counters.drop_items(items, "an identifier breaks the identifier rule");
            return None;
        }
        match events.finish_run(&run) {
            Some((record, _)) => Some(Line::Record(record)),
            None => {
                counters.drop_items(items, "a run that does not serialise (a drip bug)");
                None
            }
        }
    }

    fn spill_one(&self, envelope: Submission) {
        let shared = &self.shared;
        let items = envelope.items();
        let Some(line) = self.spill_line(envelope, items) else {
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
        let appended = match &line {
            Line::Record(record) => writer.append_unterminated(spool, record, items),
            Line::Envelope(envelope) => writer.append(spool, envelope),
        };
        match appended {
            // Spooled once the transport flushes it (within `linger`).
            Ok(_) => Counters::add(&shared.counters.unflushed, items),
            Err(spool::AppendError::Full) => shared.counters.drop_items(items, "spool full"),
            Err(spool::AppendError::Io(e)) => {
                tracing::error!(target: "drip", error = %e, "cannot write to the drip spool");
                shared.counters.drop_items(items, "spool unwritable");
            }
        }
        if (writer.bytes() >= SEGMENT_MAX_BYTES || writer.items() >= SPILLED_ITEMS_MAX)
            && let Some(full) = overflow.writer.take()
        {
            // Sealed (flushed and synced) by the transport, not under this lock.
            overflow.full.push(full);
        }
    }
}
