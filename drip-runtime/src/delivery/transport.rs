//! The transport thread: owns a current-thread tokio runtime and the client,
//! so delivery works the same under any (or no) runtime of the application and
//! can never deadlock it.
//!
//! Its loop: take envelopes from the queue into the [`Backlog`] (which spools
//! them, seals segments and hands them to the dispatcher one at a time), wake
//! when the backlog or a flush waiter is due, answer flush waiters once what
//! they waited for is settled or their deadline has passed, and drain on
//! shutdown. Flush and shutdown requests arrive on a separate unbounded
//! control channel so they are never stuck behind a full queue.

use super::backlog::{self, Backlog};
use super::dispatch::Dispatcher;
use super::envelope::Envelope;
use super::report::{Counters, FlushReport};
use super::run_ids::RunIds;
use super::spool::DeadLetters;
use super::submit::Shared;
use super::{Control, Submission};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Envelopes taken from the queue per wake-up before housekeeping runs again.
const ACCEPT_BURST: usize = 2_048;

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

thread_local! {
    /// Set on the transport thread.
    static TRANSPORT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this is a transport thread (it must never wait for queue space).
pub(crate) fn is_this_thread() -> bool {
    TRANSPORT.with(std::cell::Cell::get)
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
    let leftovers = backlog::claim_leftovers(&shared);
    let spool_dir = shared.spool.as_ref().map(|s| s.dir().to_owned());
    let runs = RunIds::load(spool_dir.as_deref(), leftovers.is_empty());
    let dispatcher = Dispatcher::new(
        &shared.config,
        shared.counters.clone(),
        DeadLetters::new(spool_dir.clone()),
        runs,
        spool_dir.map(|d| d.join(super::spool::KEY_REFUSED_MARKER)),
    )?;
    let linger = shared.config.linger.max(Duration::from_millis(1));
    let mut transport = Transport {
        backlog: Backlog::new(shared.clone(), Arc::new(dispatcher), linger),
        linger,
        next_sweep: Instant::now() + linger,
        shared,
        flushes: Vec::new(),
    };
    std::thread::Builder::new()
        .name("drip-transport".into())
        .spawn(move || {
            TRANSPORT.with(|t| t.set(true));
            // Calibrate the run clock here rather than in the first timed call.
            crate::clock::warm_up();
            // Read here rather than in `init`: the spool an outage left
            // behind can be large, and the caller should not wait on it.
            transport.backlog.adopt_leftovers(leftovers);
            runtime.block_on(transport.run(queue, control))
        })
        .map_err(|e| io("cannot start the drip transport thread", e))
}

/// What one turn took from the queue.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Taken {
    /// Nothing: the queue was empty.
    Nothing,
    /// Everything it held.
    All,
    /// A burst; more is waiting.
    Burst,
    /// Everything, and every sender is gone.
    Closed,
}

struct FlushWaiter {
    /// Answered once every segment with an id below this is settled.
    upto: u64,
    deadline: Instant,
    reply: oneshot::Sender<FlushReport>,
}

struct Transport {
    shared: Arc<Shared>,
    backlog: Backlog,
    linger: Duration,
    /// When streaming runs next hand over what they hold.
    next_sweep: Instant,
    flushes: Vec<FlushWaiter>,
}

impl Transport {
    fn counters(&self) -> &Counters {
        &self.shared.counters
    }

    async fn run(
        mut self,
        mut queue: mpsc::Receiver<Submission>,
        mut control: mpsc::UnboundedReceiver<Control>,
    ) {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<()>();
        // Callers do not wake this thread per submission (see
        // `submit::Wake`): each turn of the loop takes what the queue holds.
        let shared = Arc::clone(&self.shared);
        loop {
            let taken = self.accept_queued(&mut queue);
            if taken == Taken::Closed {
                // Every sender is gone: wait for the shutdown request.
                if let Some(request) = control.recv().await {
                    let (deadline, reply) = match request {
                        Control::Shutdown { deadline, reply } => (deadline, Some(reply)),
                        Control::Flush { deadline, reply } => {
                            let _ = reply.send(self.counters().report());
                            (deadline, None)
                        }
                    };
                    let report = self
                        .shutdown(&mut queue, &mut done_rx, &done_tx, deadline)
                        .await;
                    if let Some(reply) = reply {
                        let _ = reply.send(report);
                    }
                }
                return;
            }
            self.housekeeping(&mut queue, &done_tx);
            if taken != Taken::Nothing {
                // The deliveries this thread runs get their turn after every
                // burst taken: callers keeping the queue full (and a wake-up
                // always pending) would otherwise starve them, and the spool
                // would only grow.
                tokio::task::yield_now().await;
            }
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
                Some(()) = done_rx.recv() => self.backlog.finish_delivery(),
                () = shared.wake.notified() => {}
                // The queue held more than one burst: take the rest at once.
                () = std::future::ready(()), if taken == Taken::Burst => {}
                () = tokio::time::sleep_until(wake.into()) => {}
            }
        }
    }

    /// Takes up to a burst of submissions from the queue into the backlog.
    /// Consecutive event batches of one run become one envelope: one spool
    /// line and one entry to settle.
    fn accept_queued(&mut self, queue: &mut mpsc::Receiver<Submission>) -> Taken {
        self.shared.wake.taking();
        let shared = Arc::clone(&self.shared);
        let counters = &shared.counters;
        let mut taken = Taken::Nothing;
        let mut left = ACCEPT_BURST;
        let queued = std::iter::from_fn(|| {
            if left == 0 {
                taken = Taken::Burst;
                return None;
            }
            left -= 1;
            match queue.try_recv() {
                Ok(submission) => {
                    taken = Taken::All;
                    Some(submission)
                }
                Err(mpsc::error::TryRecvError::Empty) => None,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    taken = Taken::Closed;
                    None
                }
            }
        });
        let mut current: Option<Envelope> = None;
        for next in queued.flat_map(|s| s.dequeued(counters).into_envelopes(counters)) {
            match current.as_mut() {
                None => current = Some(next),
                Some(current) => {
                    if let Some(other) = coalesce(current, next) {
                        self.backlog.accept(std::mem::replace(current, other));
                    }
                }
            }
        }
        if let Some(current) = current {
            self.backlog.accept(current);
        }
        taken
    }

    fn next_wake(&self) -> Instant {
        let now = Instant::now();
        let mut wake = now + self.linger.min(Duration::from_millis(100));
        if let Some(due) = self.backlog.due() {
            wake = wake.min(due);
        }
        for f in &self.flushes {
            wake = wake.min(f.deadline);
        }
        wake = wake.min(self.next_sweep);
        wake.max(now + Duration::from_millis(1))
    }

    /// Everything that does not wait: have streaming runs hand over what
    /// they held for `linger`, take spilled work, sync, seal, start the next
    /// delivery, answer flushes, publish gauges.
    fn housekeeping(
        &mut self,
        queue: &mut mpsc::Receiver<Submission>,
        done: &mpsc::UnboundedSender<()>,
    ) {
        let now = Instant::now();
        if now >= self.next_sweep {
            self.shared.lingering.sweep();
            self.backlog.write_run_ids();
            self.next_sweep = now + self.linger;
        }
        self.backlog.take_spilled(queue);
        self.backlog.seal_or_sync();
        self.backlog.start_delivery(done);
        self.answer_flushes(false);
        self.backlog.publish_oldest();
    }

    fn begin_flush(
        &mut self,
        queue: &mut mpsc::Receiver<Submission>,
        deadline: Duration,
        reply: oneshot::Sender<FlushReport>,
    ) {
        self.shared.lingering.sweep();
        self.drain_queue(queue);
        self.backlog.take_overflow(queue);
        self.backlog.seal_active();
        let upto = self.backlog.next_id();
        self.flushes.push(FlushWaiter {
            upto,
            deadline: Instant::now() + deadline,
            reply,
        });
        self.answer_flushes(false);
    }

    fn drain_queue(&mut self, queue: &mut mpsc::Receiver<Submission>) {
        let shared = Arc::clone(&self.shared);
        let counters = &shared.counters;
        let queued = std::iter::from_fn(|| queue.try_recv().ok());
        for envelope in queued.flat_map(|s| s.dequeued(counters).into_envelopes(counters)) {
            self.backlog.accept(envelope);
        }
    }

    fn answer_flushes(&mut self, all: bool) {
        if self.flushes.is_empty() {
            return;
        }
        let oldest = self.backlog.oldest_pending_id();
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
        self.shared.lingering.sweep();
        queue.close();
        self.drain_queue(queue);
        self.backlog.take_overflow(queue);
        self.backlog.seal_active();
        loop {
            self.backlog.start_delivery(done_tx);
            if !self.backlog.is_delivering() {
                break;
            }
            tokio::select! {
                Some(()) = done_rx.recv() => self.backlog.finish_delivery(),
                () = tokio::time::sleep_until(end.into()) => break,
            }
        }
        self.backlog.abandon();
        self.backlog.write_run_ids();
        self.shared.counters.in_flight.store(0, Ordering::Relaxed);
        self.backlog.publish_oldest();
        self.answer_flushes(true);
        self.counters().report()
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
