//! Segments callers spilled into while the queue was full: written out every
//! `linger`, taken (with what was still queued before them) once full-sized
//! or old enough, sealed and queued like the transport's own.

use super::Backlog;
use crate::delivery::Submission;
use crate::delivery::spool::{SEGMENT_MAX_BYTES, SegmentWriter};
use std::sync::PoisonError;
use std::sync::atomic::Ordering;
use tokio::sync::mpsc;

/// The callers' overflow segment is taken by the transport at this age at the latest.
const OVERFLOW_MAX_AGE_MS: u64 = 1_000;

impl Backlog {
    /// While callers spill: takes their segments when ready, otherwise
    /// hands what they wrote to the OS.
    pub(in crate::delivery) fn take_spilled(&mut self, queue: &mut mpsc::Receiver<Submission>) {
        if self.shared.spilling.load(Ordering::Relaxed) {
            if self.overflow_ready() {
                self.take_overflow(queue);
            } else {
                self.flush_overflow();
            }
        }
    }

    /// Whether the callers' overflow segment is worth taking now: full-sized,
    /// or old enough. Taking it at once would leave one small segment (and one
    /// open file) per wake-up under sustained overload.
    fn overflow_ready(&self) -> bool {
        let overflow = self
            .shared
            .overflow
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        !overflow.full.is_empty()
            || overflow.writer.as_ref().is_none_or(|w| {
                w.bytes() >= SEGMENT_MAX_BYTES
                    || crate::delivery::spool::unix_ms().saturating_sub(w.created_ms())
                        >= OVERFLOW_MAX_AGE_MS
            })
    }

    /// Hands what callers spilled to the OS, so that what `stats()` calls
    /// spooled survives the process being killed. A buffer's write, not an
    /// fsync, under the callers' lock; sealing (off the lock) syncs.
    fn flush_overflow(&self) {
        let mut overflow = self
            .shared
            .overflow
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let overflow = &mut *overflow;
        for writer in overflow.full.iter_mut().chain(overflow.writer.as_mut()) {
            match writer.flush() {
                Ok(n) => self.shared.counters.made_safe(n),
                Err(e) => {
                    tracing::warn!(target: "drip", error = %e, "cannot write to the drip spool");
                }
            }
        }
    }

    /// Takes the callers' overflow segment. Everything still in the queue was
    /// submitted before the overflow began, so it goes first.
    pub(in crate::delivery) fn take_overflow(&mut self, queue: &mut mpsc::Receiver<Submission>) {
        let shared = self.shared.clone();
        let (older, full, writer) = {
            let mut overflow = shared
                .overflow
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let older: Vec<Submission> =
                std::iter::from_fn(|| Some(queue.try_recv().ok()?.dequeued(&shared.counters)))
                    .collect();
            shared.spilling.store(false, Ordering::Relaxed);
            (
                older,
                std::mem::take(&mut overflow.full),
                overflow.writer.take(),
            )
        };
        // Built outside the lock: callers spilling meanwhile need not wait.
        for envelope in older
            .into_iter()
            .flat_map(|e| e.into_envelopes(&shared.counters))
        {
            self.accept(envelope);
        }
        let first_spilled = full
            .iter()
            .chain(&writer)
            .map(SegmentWriter::created_ms)
            .min();
        if let (Some(ms), Some(spool)) = (first_spilled, self.shared.spool.clone())
            && let Some(w) = self.active.as_mut().and_then(|a| a.writer.as_mut())
            && w.created_ms() >= ms
            && let Err(e) = w.backdate(&spool, ms.saturating_sub(1))
        {
            tracing::warn!(target: "drip", error = %e, "cannot reorder a drip spool segment; a restart may replay it after newer work");
        }
        self.seal_active();
        for writer in full.into_iter().chain(writer) {
            self.seal_overflow(writer);
        }
    }

    /// Seals a segment callers wrote and queues it.
    fn seal_overflow(&mut self, writer: SegmentWriter) {
        if writer.is_empty() {
            if let Some(spool) = self.spool() {
                writer.discard(spool);
            }
            return;
        }
        let items = writer.items();
        let unflushed = writer.unflushed();
        match writer.seal() {
            Ok(file) => {
                self.shared.counters.made_safe(unflushed);
                self.push_spooled(file, items, false);
            }
            Err(e) => {
                tracing::error!(target: "drip", error = %e, "cannot seal the drip overflow segment");
                let counters = &self.shared.counters;
                counters.unflushed.fetch_sub(unflushed, Ordering::Relaxed);
                counters
                    .spooled
                    .fetch_sub(items - unflushed, Ordering::Relaxed);
                counters.drop_items(items, "spool write failed");
            }
        }
    }
}
