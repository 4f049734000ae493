//! The transport thread: owns a current-thread tokio runtime and the client,
//! so delivery works the same under any (or no) runtime of the application and
//! can never deadlock it.
//!
//! Its loop: take envelopes from the queue and append them to the open spool
//! segment (synced every `linger`); seal the segment when the dispatcher is
//! idle and `linger` has passed (or it is full); hand sealed segments to the
//! [`Dispatcher`] one at a time; delete each once settled. Flush and shutdown
//! requests arrive on a separate unbounded control channel so they are never
//! stuck behind a full queue.

use super::dispatch::{Dispatcher, Progress};
use super::envelope::Envelope;
use super::event_wire::{self, EventJson};
use super::report::{Counters, FlushReport};
use super::run_ids::RunIds;
use super::spool::{AppendError, DeadLetters, SegmentContents, SegmentFile, SegmentWriter, Spool};
use super::{Control, Shared, Submission};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// A segment is sealed at this size even while the dispatcher is busy, which
/// bounds what one delivery reads back into memory.
pub(super) const SEGMENT_MAX_BYTES: u64 = 4 * 1024 * 1024;
const SEGMENT_MAX_ENTRIES: usize = 50_000;
/// Envelopes taken from the queue per wake-up before housekeeping runs again.
const ACCEPT_BURST: usize = 2_048;
/// The callers' overflow segment is taken by the transport at this age at the latest.
const OVERFLOW_MAX_AGE_MS: u64 = 1_000;
/// Spool bytes whose envelopes the transport also keeps in memory, so recent
/// segments are sent without reading them back. Beyond it, segments are read
/// back from disk when their turn comes: memory stays bounded in an outage.
const MEMORY_BUDGET_BYTES: usize = 4 * 1024 * 1024;

/// Events of one run merged into one envelope at most (a spool line stays small).
const COALESCE_MAX_EVENTS: usize = 256;

/// Appends `next`'s events to `current` when both are event batches of the
/// same run (order is kept: only neighbours merge); otherwise gives `next` back.
fn coalesce(current: &mut Envelope, next: Envelope) -> Option<Envelope> {
    match (current, next) {
        (
            Envelope::StreamEvents {
                external_run_id,
                events,
            },
            Envelope::StreamEvents {
                external_run_id: next_run,
                events: next_events,
            },
        ) if *external_run_id == next_run
            && events.len() + next_events.len() <= COALESCE_MAX_EVENTS =>
        {
            events.extend(next_events);
            None
        }
        (_, next) => Some(next),
    }
}

/// Rough in-memory size of an envelope when there is no spool line to measure.
fn estimated_bytes(envelope: &Envelope) -> usize {
    256 + 320 * envelope.items() as usize
}

pub(crate) fn spawn(
    shared: Arc<Shared>,
    queue: mpsc::Receiver<Submission>,
    control: mpsc::UnboundedReceiver<Control>,
) -> crate::Result<std::thread::JoinHandle<()>> {
    let io = |context: &str, source| crate::Error::Io {
        context: context.to_owned(),
        source,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| io("cannot start the drip transport runtime", e))?;
    let leftovers = shared
        .spool
        .as_ref()
        .map(|s| {
            let mut files = s.claim_leftovers();
            files.extend(s.claim_key_refused(shared.config.base_url.trim_end_matches('/')));
            // Oldest first, whichever directory they came from.
            files.sort_by(|a, b| a.path().file_name().cmp(&b.path().file_name()));
            files
        })
        .unwrap_or_default();
    let spool_dir = shared.spool.as_ref().map(|s| s.dir().to_owned());
    let runs = RunIds::load(spool_dir.as_deref(), leftovers.is_empty());
    let dispatcher = Dispatcher::new(
        &shared.config,
        shared.counters.clone(),
        DeadLetters::new(spool_dir.clone()),
        runs,
        spool_dir.map(|d| d.join(super::spool::KEY_REFUSED_MARKER)),
    )?;
    let mut transport = Transport {
        memory_cap: MEMORY_BUDGET_BYTES,
        linger: shared.config.linger.max(Duration::from_millis(1)),
        shared,
        dispatcher: Arc::new(dispatcher),
        active: None,
        sealed: VecDeque::new(),
        delivering: None,
        in_memory: 0,
        next_segment_id: 0,
        flushes: Vec::new(),
        line: Vec::new(),
    };
    std::thread::Builder::new()
        .name("drip-transport".into())
        .spawn(move || {
            // Calibrate the run clock here rather than in the first timed call.
            crate::context::clock::warm_up();
            // Read here rather than in `init`: the spool an outage left
            // behind can be large, and the caller should not wait on it.
            transport.adopt_leftovers(leftovers);
            runtime.block_on(transport.run(queue, control))
        })
        .map_err(|e| io("cannot start the drip transport thread", e))
}

/// Envelopes of a segment kept in memory, with the spool lines of its event
/// batches (`wire[i]` for `envelopes[i]`; empty when read back from disk).
#[derive(Default)]
struct Held {
    envelopes: Vec<Envelope>,
    wire: Vec<Option<EventJson>>,
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
}

struct Delivery {
    segment: Sealed,
    envelopes: Arc<Vec<Envelope>>,
    progress: Arc<Progress>,
    task: JoinHandle<()>,
}

struct FlushWaiter {
    upto: u64,
    deadline: Instant,
    reply: oneshot::Sender<FlushReport>,
}

struct Transport {
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
    flushes: Vec<FlushWaiter>,
    /// Where spool lines of event batches are written before they are kept.
    line: Vec<u8>,
}

impl Transport {
    fn counters(&self) -> &Counters {
        &self.shared.counters
    }

    fn spool(&self) -> Option<&Arc<Spool>> {
        self.shared.spool.as_ref()
    }

    async fn run(
        mut self,
        mut queue: mpsc::Receiver<Submission>,
        mut control: mpsc::UnboundedReceiver<Control>,
    ) {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<()>();
        loop {
            self.housekeeping(&mut queue, &done_tx);
            let wake = self.next_wake();
            tokio::select! {
                biased;
                request = control.recv() => match request {
                    Some(Control::Flush { deadline, reply }) => {
                        self.begin_flush(&mut queue, deadline, reply);
                    }
                    Some(Control::Shutdown { deadline, reply }) => {
                        let report = self.shutdown(&mut queue, &mut done_rx, &done_tx, deadline).await;
                        let _ = reply.send(report);
                        return;
                    }
                    None => {
                        let deadline = self.shared.config.shutdown_deadline;
                        self.shutdown(&mut queue, &mut done_rx, &done_tx, deadline).await;
                        return;
                    }
                },
                Some(()) = done_rx.recv() => self.finish_delivery(),
                envelope = queue.recv() => match envelope {
                    Some(envelope) => {
                        // Consecutive event batches of one run become one
                        // envelope: one spool line and one entry to settle.
                        let mut current = envelope.into_envelope(self.counters());
                        for _ in 0..ACCEPT_BURST {
                            let Ok(next) = queue.try_recv() else { break };
                            let Some(next) = next.into_envelope(self.counters()) else {
                                continue;
                            };
                            match current.as_mut() {
                                None => current = Some(next),
                                Some(current) => {
                                    if let Some(other) = coalesce(current, next) {
                                        self.accept(std::mem::replace(current, other));
                                    }
                                }
                            }
                        }
                        if let Some(current) = current {
                            self.accept(current);
                        }
                    }
                    // Every sender is gone: wait for the shutdown request.
                    None => {
                        if let Some(request) = control.recv().await {
                            let (deadline, reply) = match request {
                                Control::Shutdown { deadline, reply } => (deadline, Some(reply)),
                                Control::Flush { deadline, reply } => {
                                    let _ = reply.send(self.counters().report());
                                    (deadline, None)
                                }
                            };
                            let report = self.shutdown(&mut queue, &mut done_rx, &done_tx, deadline).await;
                            if let Some(reply) = reply {
                                let _ = reply.send(report);
                            }
                        }
                        return;
                    }
                },
                () = tokio::time::sleep_until(wake.into()) => {}
            }
        }
    }

    fn next_wake(&self) -> Instant {
        let now = Instant::now();
        let mut wake = now + self.linger.min(Duration::from_millis(100));
        if let Some(a) = &self.active {
            wake = wake
                .min(a.first_at + self.linger)
                .min(a.last_sync + self.linger);
        }
        for f in &self.flushes {
            wake = wake.min(f.deadline);
        }
        wake.max(now + Duration::from_millis(1))
    }

    /// Everything that does not wait: take spilled work, sync, seal, start the
    /// next delivery, answer flushes, publish gauges.
    fn housekeeping(
        &mut self,
        queue: &mut mpsc::Receiver<Submission>,
        done: &mpsc::UnboundedSender<()>,
    ) {
        if self.shared.spilling.load(Ordering::Relaxed) {
            if self.overflow_ready() {
                self.take_overflow(queue);
            } else {
                self.flush_overflow();
            }
        }
        let now = Instant::now();
        let idle = self.delivering.is_none() && self.sealed.is_empty();
        let seal = self.active.as_ref().is_some_and(|a| {
            a.entries >= SEGMENT_MAX_ENTRIES
                || a.writer
                    .as_ref()
                    .is_some_and(|w| w.bytes() >= SEGMENT_MAX_BYTES)
                || (idle && now >= a.first_at + self.linger)
        });
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
        if self.delivering.is_none() {
            self.start_delivery(done);
        }
        self.answer_flushes(false);
        self.publish_oldest();
    }

    fn publish_oldest(&self) {
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

    /// Spools (or keeps) an envelope `Submission::into_envelope` made ready.
    fn accept(&mut self, envelope: Envelope) {
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
        let json = EventJson::of_in(&envelope, &mut self.line);
        let appended = match &json {
            Some(json) => writer.append_line(&spool, json.line(), items),
            None => writer.append(&spool, &envelope),
        };
        match appended {
            Ok(line_bytes) => {
                // Spooled once synced (every `linger`) or sealed.
                Counters::add(&self.shared.counters.unflushed, items);
                active.items += items;
                active.entries += 1;
                // The envelope, and the line kept for the request body.
                let bytes = line_bytes + json.as_ref().map_or(0, |j| j.line().len());
                match &mut active.envelopes {
                    Some(held) if self.in_memory + bytes <= self.memory_cap => {
                        held.envelopes.push(envelope);
                        held.wire.push(json);
                        self.in_memory += bytes;
                        active.memory_bytes += bytes;
                    }
                    Some(_) => {
                        // Over the memory budget: this segment is read back from disk.
                        self.in_memory -= active.memory_bytes;
                        active.memory_bytes = 0;
                        active.envelopes = None;
                    }
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
        let bytes = estimated_bytes(&envelope);
        match &mut active.envelopes {
            Some(held) if self.in_memory + bytes <= self.memory_cap => {
                held.envelopes.push(envelope);
                held.wire.push(None);
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

    fn seal_active(&mut self) {
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
                if active.envelopes.is_none() {
                    counters.drop_items(active.items, "spool write failed");
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
        });
    }

    /// Queues the segments earlier processes left, ahead of this process's
    /// own, counting what they hold; their envelopes are read when their
    /// turn comes.
    ///
    /// Their stream-run starts go first, in a segment of their own (whose
    /// delivery starts parents before nested runs): a
    /// segment's name orders it by creation, and a run's start can sit in a
    /// segment created after the one holding its events (callers began
    /// spilling while the start still waited in the queue). Sent in name
    /// order, those events would wait for a start that comes later, and be
    /// refused. Replayed again from its own segment, a start is recognised
    /// and skipped.
    fn adopt_leftovers(&mut self, files: Vec<SegmentFile>) {
        let mut starts = Vec::new();
        let scanned: Vec<_> = files
            .into_iter()
            .map(|file| {
                // Unreadable now: read (and reported) again at its turn.
                let scan = file.scan().unwrap_or_default();
                starts.extend(scan.starts);
                (file, scan.items)
            })
            .collect();
        if !starts.is_empty() {
            self.dispatcher
                .runs()
                .expect_replayed(starts.iter().map(|s| s.external_run_id.as_str()));
            // One segment: its delivery sends parents before nested runs.
            let starts: Vec<_> = starts.into_iter().map(Envelope::StreamStart).collect();
            let memory_bytes = starts.iter().map(estimated_bytes).sum();
            self.in_memory += memory_bytes;
            let id = self.next_segment_id;
            self.next_segment_id += 1;
            self.sealed.push_back(Sealed {
                id,
                file: None,
                envelopes: Some(Held {
                    envelopes: starts,
                    wire: Vec::new(),
                }),
                memory_bytes,
                spooled_items: 0,
                items: 0,
                // As old as the work it stands for (the pending-age gauge).
                created_ms: scanned
                    .iter()
                    .map(|(file, _)| file.created_ms())
                    .min()
                    .unwrap_or_else(super::spool::unix_ms),
            });
        }
        for (file, items) in scanned {
            Counters::add(&self.shared.counters.spooled, items);
            self.push_spooled(file, items);
        }
    }

    /// Logs, and counts as dropped, what a segment read back could not give.
    fn report_damage(&self, contents: &SegmentContents, path: &std::path::Path) {
        if contents.corrupt_lines > 0 {
            tracing::error!(target: "drip", lines = contents.corrupt_lines, segment = %path.display(), "corrupted lines in a drip spool segment were skipped");
            self.shared
                .counters
                .drop_items(contents.corrupt_lines, "corrupted spool lines");
        }
        if contents.torn_tail {
            tracing::warn!(target: "drip", segment = %path.display(), "a drip spool segment ends in a line cut short by a crash; it was skipped");
            self.shared.counters.drop_items(1, "torn spool line");
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
                    || super::spool::unix_ms().saturating_sub(w.created_ms()) >= OVERFLOW_MAX_AGE_MS
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
    fn take_overflow(&mut self, queue: &mut mpsc::Receiver<Submission>) {
        let shared = self.shared.clone();
        let (older, full, writer) = {
            let mut overflow = shared
                .overflow
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let older: Vec<Submission> = std::iter::from_fn(|| queue.try_recv().ok()).collect();
            shared.spilling.store(false, Ordering::Relaxed);
            (
                older,
                std::mem::take(&mut overflow.full),
                overflow.writer.take(),
            )
        };
        // Built outside the lock: callers spilling meanwhile need not wait.
        for envelope in older {
            if let Some(envelope) = envelope.into_envelope(&shared.counters) {
                self.accept(envelope);
            }
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
                self.push_spooled(file, items);
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

    /// Queues a sealed segment of `items` (already counted as spooled).
    fn push_spooled(&mut self, file: SegmentFile, items: u64) {
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
        });
    }

    fn start_delivery(&mut self, done: &mpsc::UnboundedSender<()>) {
        while let Some(mut segment) = self.sealed.pop_front() {
            let Held { envelopes, wire } = match segment.envelopes.take() {
                Some(held) => {
                    self.in_memory -= segment.memory_bytes;
                    held
                }
                None => match self.read_back(&segment) {
                    Some(envelopes) => Held {
                        envelopes,
                        wire: Vec::new(),
                    },
                    None => continue,
                },
            };
            let wire = Arc::new(wire);
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
                    dispatcher.deliver(envelopes, wire, progress).await;
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

    /// Reads a segment back from disk; counts what cannot be read as dropped.
    fn read_back(&mut self, segment: &Sealed) -> Option<Vec<Envelope>> {
        let file = segment.file.as_ref()?;
        match file.read() {
            Ok(contents) => {
                self.report_damage(&contents, file.path());
                let mut envelopes = contents.envelopes;
                // Written by an earlier version, before spooled text was sanitised.
                envelopes.iter_mut().for_each(event_wire::prepare);
                Some(envelopes)
            }
            Err(e) => {
                tracing::error!(target: "drip", error = %e, segment = %file.path().display(), "cannot read a drip spool segment; its items are counted as dropped");
                let segment_items = segment.spooled_items;
                self.shared
                    .counters
                    .spooled
                    .fetch_sub(segment_items, Ordering::Relaxed);
                self.shared
                    .counters
                    .drop_items(segment.items.max(1), "unreadable spool segment");
                None
            }
        }
    }

    fn finish_delivery(&mut self) {
        let Some(delivery) = self.delivering.take() else {
            return;
        };
        let segment = delivery.segment;
        self.shared
            .counters
            .spooled
            .fetch_sub(segment.spooled_items, Ordering::Relaxed);
        if let (Some(file), Some(spool)) = (segment.file, self.shared.spool.clone()) {
            file.delete(&spool);
        }
    }

    fn begin_flush(
        &mut self,
        queue: &mut mpsc::Receiver<Submission>,
        deadline: Duration,
        reply: oneshot::Sender<FlushReport>,
    ) {
        self.drain_queue(queue);
        self.take_overflow(queue);
        self.seal_active();
        let upto = self.next_segment_id;
        self.flushes.push(FlushWaiter {
            upto,
            deadline: Instant::now() + deadline,
            reply,
        });
        self.answer_flushes(false);
    }

    fn drain_queue(&mut self, queue: &mut mpsc::Receiver<Submission>) {
        while let Ok(envelope) = queue.try_recv() {
            if let Some(envelope) = envelope.into_envelope(self.counters()) {
                self.accept(envelope);
            }
        }
    }

    /// The id of the oldest unsettled segment (ids grow with age).
    fn oldest_pending_id(&self) -> u64 {
        self.delivering
            .as_ref()
            .map(|d| d.segment.id)
            .or_else(|| self.sealed.front().map(|s| s.id))
            .unwrap_or(u64::MAX)
    }

    fn answer_flushes(&mut self, all: bool) {
        if self.flushes.is_empty() {
            return;
        }
        let oldest = self.oldest_pending_id();
        let now = Instant::now();
        let report = self.counters().report();
        let mut i = 0;
        while i < self.flushes.len() {
            let f = &self.flushes[i];
            if all || oldest >= f.upto || now >= f.deadline {
                let f = self.flushes.swap_remove(i);
                let _ = f.reply.send(report);
            } else {
                i += 1;
            }
        }
    }

    async fn shutdown(
        &mut self,
        queue: &mut mpsc::Receiver<Submission>,
        done_rx: &mut mpsc::UnboundedReceiver<()>,
        done_tx: &mpsc::UnboundedSender<()>,
        deadline: Duration,
    ) -> FlushReport {
        let end = Instant::now() + deadline;
        queue.close();
        self.drain_queue(queue);
        self.take_overflow(queue);
        self.seal_active();
        loop {
            if self.delivering.is_none() {
                self.start_delivery(done_tx);
            }
            if self.delivering.is_none() {
                break;
            }
            tokio::select! {
                Some(()) = done_rx.recv() => self.finish_delivery(),
                () = tokio::time::sleep_until(end.into()) => break,
            }
        }
        self.abandon_delivery();
        // What is left stays on disk (unlocked as the files close); what has
        // no file is lost and counted.
        for segment in self.sealed.drain(..) {
            if segment.file.is_none() {
                self.shared
                    .counters
                    .drop_items(segment.items, "no spool: undelivered at shutdown");
            }
        }
        self.in_memory = 0;
        self.shared.counters.in_flight.store(0, Ordering::Relaxed);
        self.publish_oldest();
        self.answer_flushes(true);
        self.counters().report()
    }

    /// Stops the delivery in progress; rewrites its segment to what is still
    /// unsettled, so a later replay sends only that.
    fn abandon_delivery(&mut self) {
        let Some(delivery) = self.delivering.take() else {
            return;
        };
        delivery.task.abort();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Event;

    fn batch(run: &str, n: usize) -> Envelope {
        Envelope::StreamEvents {
            external_run_id: run.into(),
            events: (0..n).map(|_| Event::plan("p")).collect(),
        }
    }

    #[test]
    fn only_neighbouring_batches_of_one_run_merge_in_order() {
        let mut current = batch("a", 1);
        let Envelope::StreamEvents { events, .. } = batch("a", 2) else {
            unreachable!()
        };
        let keys: Vec<String> = events.iter().map(|e| e.idempotency_key.clone()).collect();
        let next = Envelope::StreamEvents {
            external_run_id: "a".into(),
            events,
        };
        assert!(coalesce(&mut current, next).is_none());
        let Envelope::StreamEvents { events, .. } = &current else {
            unreachable!()
        };
        assert_eq!(events.len(), 3);
        assert_eq!(events[1].idempotency_key, keys[0]);
        assert_eq!(events[2].idempotency_key, keys[1]);
        assert!(coalesce(&mut current, batch("b", 1)).is_some());
        assert!(coalesce(&mut batch("a", COALESCE_MAX_EVENTS), batch("a", 1)).is_some());
        let usage_next = coalesce(&mut current, batch("a", 1));
        assert!(usage_next.is_none());
    }
}
