//! The backlog: every envelope the transport has taken and not yet settled,
//! as spool segments — the one being written (`Active`), the sealed ones
//! waiting in order (`Sealed`), and the one the [`Dispatcher`] is delivering.
//!
//! It decides when a segment is synced and sealed, keeps recent segments'
//! envelopes in memory within [`MEMORY_BUDGET_BYTES`] (the rest are read back
//! from disk at their turn), and deletes a segment once settled. Its other
//! sources of segments are the spool earlier processes left (`replay`) and
//! the segments callers spilled into while the queue was full (`overflow`).

mod overflow;
mod replay;

pub(super) use replay::claim_leftovers;

use super::dispatch::{Dispatcher, Progress};
use super::envelope::Envelope;
use super::report::Counters;
use super::spool::{AppendError, SEGMENT_MAX_BYTES, SegmentFile, SegmentWriter, Spool};
use super::submit::Shared;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const SEGMENT_MAX_ENTRIES: usize = 50_000;
/// Spool bytes whose envelopes the transport also keeps in memory, so recent
/// segments are sent without reading them back. Beyond it, segments are read
/// back from disk when their turn comes: memory stays bounded in an outage.
const MEMORY_BUDGET_BYTES: usize = 2 * 1024 * 1024;

/// Rough in-memory size of an envelope when there is no spool line to measure.
fn estimated_bytes(envelope: &Envelope) -> usize {
    256 + 320 * envelope.items() as usize
}

/// Envelopes of a segment kept in memory, event batches as their spool
/// lines (`Envelope::StreamWire`).
struct Held {
    envelopes: Vec<Envelope>,
    /// Whether these are all the segment's envelopes. A segment that outgrew
    /// the memory budget keeps the ones it held; only the lines after them
    /// are read back from disk at its turn.
    complete: bool,
}

impl Default for Held {
    fn default() -> Self {
        Held {
            envelopes: Vec::new(),
            complete: true,
        }
    }
}

/// The segment being written.
struct Active {
    writer: Option<SegmentWriter>,
    /// `None` once the segment outgrew the memory budget: read back from disk.
    envelopes: Option<Held>,
    memory_bytes: usize,
    items: u64,
    entries: usize,
    first_at: Instant,
    created_ms: u64,
    last_sync: Instant,
}

impl Active {
    fn is_full(&self) -> bool {
        self.entries >= SEGMENT_MAX_ENTRIES
            || self
                .writer
                .as_ref()
                .is_some_and(|w| w.bytes() >= SEGMENT_MAX_BYTES)
    }
}

/// A sealed segment waiting for (or in) delivery.
struct Sealed {
    id: u64,
    file: Option<SegmentFile>,
    envelopes: Option<Held>,
    memory_bytes: usize,
    /// Items counted in `Counters::spooled` for this segment.
    spooled_items: u64,
    /// All items (spooled or memory-only).
    items: u64,
    created_ms: u64,
    /// Left by another process, whose drip may have spooled text
    /// unsanitised: sanitised again when read back. This process's own
    /// segments crossed the boundary on their way in.
    inherited: bool,
}

struct Delivery {
    segment: Sealed,
    envelopes: Arc<Vec<Envelope>>,
    progress: Arc<Progress>,
    task: JoinHandle<()>,
}

pub(super) struct Backlog {
    shared: Arc<Shared>,
    dispatcher: Arc<Dispatcher>,
    active: Option<Active>,
    sealed: VecDeque<Sealed>,
    delivering: Option<Delivery>,
    /// Bytes of envelopes held in memory by `active` and `sealed`.
    in_memory: usize,
    memory_cap: usize,
    linger: Duration,
    next_segment_id: u64,
    /// Where spool lines of event batches are written before they are kept
    /// (one allocation of exactly their size each).
    line: Vec<u8>,
}

impl Backlog {
    pub(super) fn new(shared: Arc<Shared>, dispatcher: Arc<Dispatcher>, linger: Duration) -> Self {
        Self {
            shared,
            dispatcher,
            active: None,
            sealed: VecDeque::new(),
            delivering: None,
            in_memory: 0,
            memory_cap: MEMORY_BUDGET_BYTES,
            linger,
            next_segment_id: 0,
            line: Vec::new(),
        }
    }

    fn counters(&self) -> &Counters {
        &self.shared.counters
    }

    fn spool(&self) -> Option<&Arc<Spool>> {
        self.shared.spool.as_ref()
    }

    /// When the open segment is next due to be synced or sealed.
    pub(super) fn due(&self) -> Option<Instant> {
        self.active
            .as_ref()
            .map(|a| (a.first_at + self.linger).min(a.last_sync + self.linger))
    }

    /// The id the next sealed segment gets (ids grow with age).
    pub(super) fn next_id(&self) -> u64 {
        self.next_segment_id
    }

    /// The id of the oldest unsettled segment.
    pub(super) fn oldest_pending_id(&self) -> u64 {
        self.delivering
            .as_ref()
            .map(|d| d.segment.id)
            .or_else(|| self.sealed.front().map(|s| s.id))
            .unwrap_or(u64::MAX)
    }

    pub(super) fn is_delivering(&self) -> bool {
        self.delivering.is_some()
    }

    pub(super) fn publish_oldest(&self) {
        let oldest = self
            .delivering
            .as_ref()
            .map(|d| d.segment.created_ms)
            .or_else(|| self.sealed.front().map(|s| s.created_ms))
            .or_else(|| self.active.as_ref().map(|a| a.created_ms))
            .unwrap_or(0);
        self.counters()
            .oldest_pending_ms
            .store(oldest, Ordering::Relaxed);
    }

    /// Seals the open segment when it is full, or when the dispatcher is idle
    /// and `linger` has passed; otherwise syncs it every `linger`.
    pub(super) fn seal_or_sync(&mut self) {
        let now = Instant::now();
        let idle = self.delivering.is_none() && self.sealed.is_empty();
        let seal = self
            .active
            .as_ref()
            .is_some_and(|a| a.is_full() || (idle && now >= a.first_at + self.linger));
        if seal {
            self.seal_active();
        } else if let Some(a) = &mut self.active
            && now >= a.last_sync + self.linger
        {
            a.last_sync = now;
            if let Some(w) = &mut a.writer {
                match w.sync() {
                    Ok(n) => self.shared.counters.made_safe(n),
                    Err(e) => {
                        tracing::warn!(target: "drip", error = %e, "cannot sync the drip spool");
                    }
                }
            }
        }
    }

    /// Spools (or keeps) an envelope `Submission::into_envelope` made ready.
    /// A segment that reaches its size is sealed here, not at the next
    /// housekeeping: a burst taken from the queue in one go could otherwise
    /// grow it far past the size (and reading it back, far past the memory
    /// a segment is meant to take).
    pub(super) fn accept(&mut self, envelope: Envelope) {
        self.append(envelope);
        if self.active.as_ref().is_some_and(Active::is_full) {
            self.seal_active();
        }
    }

    fn append(&mut self, envelope: Envelope) {
        let items = envelope.items();
        if self.active.is_none() {
            let writer = self.spool().and_then(|s| match SegmentWriter::create(s) {
                Ok(w) => Some(w),
                Err(e) => {
                    tracing::error!(target: "drip", error = %e, "cannot open a drip spool segment; delivering from memory only");
                    None
                }
            });
            let now = Instant::now();
            self.active = Some(Active {
                created_ms: writer
                    .as_ref()
                    .map(SegmentWriter::created_ms)
                    .unwrap_or_else(super::spool::unix_ms),
                writer,
                envelopes: Some(Held::default()),
                memory_bytes: 0,
                items: 0,
                entries: 0,
                first_at: now,
                last_sync: now,
            });
        }
        let Some(spool) = self.shared.spool.clone() else {
            return self.accept_in_memory(envelope, items);
        };
        let Some(active) = self.active.as_mut() else {
            return;
        };
        let Some(writer) = active.writer.as_mut() else {
            return self.accept_in_memory(envelope, items);
        };
        // An event batch stays its line from here to the wire.
        let envelope = envelope.into_wire(&mut self.line);
        let appended = match &envelope {
            Envelope::StreamWire { json, .. } => {
                writer.append_unterminated(&spool, json.line(), items)
            }
            _ => writer.append(&spool, &envelope),
        };
        match appended {
            Ok(line_bytes) => {
                // Spooled once synced (every `linger`) or sealed.
                Counters::add(&self.shared.counters.unflushed, items);
                active.items += items;
                active.entries += 1;
                // An event batch is held as its line; other kinds are
                // counted by theirs.
                let bytes = line_bytes;
                match &mut active.envelopes {
                    Some(held) if held.complete && self.in_memory + bytes <= self.memory_cap => {
                        held.envelopes.push(envelope);
                        self.in_memory += bytes;
                        active.memory_bytes += bytes;
                    }
                    // Over the memory budget: the rest of this segment is
                    // read back from disk.
                    Some(held) => held.complete = false,
                    None => {}
                }
            }
            Err(AppendError::Full) => self.shared.counters.drop_items(items, "spool full"),
            Err(AppendError::Io(e)) => {
                tracing::error!(target: "drip", error = %e, "cannot write to the drip spool");
                self.shared.counters.drop_items(items, "spool write failed");
            }
        }
    }

    /// No spool: the envelope lives only in memory, within the budget.
    fn accept_in_memory(&mut self, envelope: Envelope, items: u64) {
        let Some(active) = self.active.as_mut() else {
            return;
        };
        let envelope = envelope.into_wire(&mut self.line);
        let bytes = match &envelope {
            Envelope::StreamWire { json, .. } => json.line().len(),
            _ => estimated_bytes(&envelope),
        };
        match &mut active.envelopes {
            Some(held) if self.in_memory + bytes <= self.memory_cap => {
                held.envelopes.push(envelope);
                self.in_memory += bytes;
                active.memory_bytes += bytes;
                active.items += items;
                active.entries += 1;
            }
            _ => self
                .shared
                .counters
                .drop_items(items, "no spool and the in-memory budget is full"),
        }
    }

    pub(super) fn seal_active(&mut self) {
        let Some(active) = self.active.take() else {
            return;
        };
        if active.entries == 0 {
            if let (Some(w), Some(spool)) = (active.writer, self.spool()) {
                w.discard(spool);
            }
            return;
        }
        let counted = if active.writer.is_some() {
            active.items
        } else {
            0
        };
        let unflushed = active.writer.as_ref().map_or(0, SegmentWriter::unflushed);
        let file = match active.writer.map(SegmentWriter::seal) {
            Some(Ok(file)) => {
                self.shared.counters.made_safe(unflushed);
                Some(file)
            }
            Some(Err(e)) => {
                tracing::error!(target: "drip", error = %e, "cannot seal a drip spool segment");
                let counters = &self.shared.counters;
                counters.unflushed.fetch_sub(unflushed, Ordering::Relaxed);
                counters
                    .spooled
                    .fetch_sub(counted - unflushed, Ordering::Relaxed);
                if !active.envelopes.as_ref().is_some_and(|held| held.complete) {
                    counters.drop_items(active.items, "spool write failed");
                    if active.envelopes.is_some() {
                        self.in_memory -= active.memory_bytes;
                    }
                    return;
                }
                // Still in memory: deliver it from there.
                None
            }
            None => None,
        };
        let id = self.next_segment_id;
        self.next_segment_id += 1;
        self.sealed.push_back(Sealed {
            id,
            spooled_items: if file.is_some() { counted } else { 0 },
            file,
            envelopes: active.envelopes,
            memory_bytes: active.memory_bytes,
            items: active.items,
            created_ms: active.created_ms,
            inherited: false,
        });
    }

    /// Queues a sealed segment of `items` (already counted as spooled).
    fn push_spooled(&mut self, file: SegmentFile, items: u64, inherited: bool) {
        let id = self.next_segment_id;
        self.next_segment_id += 1;
        self.sealed.push_back(Sealed {
            id,
            created_ms: file.created_ms(),
            file: Some(file),
            envelopes: None,
            memory_bytes: 0,
            spooled_items: items,
            items,
            inherited,
        });
    }

    /// Hands the oldest sealed segment to the dispatcher, unless one is
    /// being delivered; `done` hears when it is settled.
    pub(super) fn start_delivery(&mut self, done: &mpsc::UnboundedSender<()>) {
        if self.delivering.is_some() {
            return;
        }
        while let Some(mut segment) = self.sealed.pop_front() {
            let Held {
                mut envelopes,
                complete,
            } = match segment.envelopes.take() {
                Some(held) => {
                    self.in_memory -= segment.memory_bytes;
                    held
                }
                None => Held {
                    complete: false,
                    ..Held::default()
                },
            };
            if !complete {
                match self.read_back(&segment, envelopes.len()) {
                    Some(rest) => envelopes.extend(rest),
                    None if envelopes.is_empty() => continue,
                    // Unreadable now: what was kept is delivered, the rest
                    // was counted as dropped.
                    None => {}
                }
            }
            // Keep later segments' envelopes in memory only within budget.
            self.trim_memory();
            let envelopes = Arc::new(envelopes);
            let progress = Arc::new(Progress::new(&envelopes));
            let task = {
                let (dispatcher, envelopes, progress, done) = (
                    self.dispatcher.clone(),
                    envelopes.clone(),
                    progress.clone(),
                    done.clone(),
                );
                tokio::spawn(async move {
                    dispatcher.deliver(envelopes, progress).await;
                    let _ = done.send(());
                })
            };
            self.delivering = Some(Delivery {
                segment,
                envelopes,
                progress,
                task,
            });
            return;
        }
    }

    fn trim_memory(&mut self) {
        if self.in_memory <= self.memory_cap {
            return;
        }
        for segment in self.sealed.iter_mut().rev() {
            if self.in_memory <= self.memory_cap {
                break;
            }
            if segment.file.is_some() && segment.envelopes.take().is_some() {
                self.in_memory -= segment.memory_bytes;
                segment.memory_bytes = 0;
            }
        }
    }

    /// The delivery in progress is settled: its segment goes.
    /// Writes the stream runs' server ids learnt since the last write.
    pub(super) fn write_run_ids(&self) {
        self.dispatcher.runs().write_pending();
    }

    pub(super) fn finish_delivery(&mut self) {
        let Some(delivery) = self.delivering.take() else {
            return;
        };
        let segment = delivery.segment;
        self.shared
            .counters
            .spooled
            .fetch_sub(segment.spooled_items, Ordering::Relaxed);
        // The server ids of the stream runs it started go to disk before it goes.
        self.dispatcher.runs().write_pending();
        if let (Some(file), Some(spool)) = (segment.file, self.shared.spool.clone()) {
            file.delete(&spool);
        }
    }

    /// Gives up what is unsettled at shutdown: it stays on disk (unlocked as
    /// the files close); what has no file is lost and counted.
    pub(super) fn abandon(&mut self) {
        self.abandon_delivery();
        for segment in self.sealed.drain(..) {
            if segment.file.is_none() {
                self.shared
                    .counters
                    .drop_items(segment.items, "no spool: undelivered at shutdown");
            }
        }
        self.in_memory = 0;
    }

    /// Stops the delivery in progress; rewrites its segment to what is still
    /// unsettled, so a later replay sends only that.
    fn abandon_delivery(&mut self) {
        let Some(delivery) = self.delivering.take() else {
            return;
        };
        delivery.task.abort();
        // The server ids of the stream runs it started go to disk before it shrinks.
        self.dispatcher.runs().write_pending();
        let mut segment = delivery.segment;
        let Some(file) = segment.file.as_mut() else {
            self.shared
                .counters
                .drop_items(segment.items, "no spool: undelivered at shutdown");
            return;
        };
        if !delivery.progress.any_settled() {
            return;
        }
        let remaining: Vec<Envelope> = delivery
            .envelopes
            .iter()
            .enumerate()
            .filter(|(i, _)| !delivery.progress.is_settled(*i))
            .map(|(_, e)| e.clone())
            .collect();
        let Some(spool) = self.shared.spool.clone() else {
            return;
        };
        self.shared
            .counters
            .spooled
            .fetch_sub(segment.spooled_items, Ordering::Relaxed);
        if remaining.is_empty() {
            if let Some(file) = segment.file.take() {
                file.delete(&spool);
            }
            return;
        }
        match file.rewrite(&spool, &remaining) {
            Ok(()) => Counters::add(&self.shared.counters.spooled, file.items()),
            Err(e) => {
                // The old contents stay; settled parts will come back as duplicates.
                tracing::warn!(target: "drip", error = %e, "cannot shrink a partly delivered drip spool segment");
                Counters::add(&self.shared.counters.spooled, segment.spooled_items);
            }
        }
    }
}
