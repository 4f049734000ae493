//! What callers hand to the pipeline.
//!
//! A run's tool calls wait in its buffer as a few words each; turning them
//! into wire events (idempotency key, RFC 3339 timestamp, metadata map) costs
//! far more than recording them did. A [`Submission`] can carry that work
//! unfinished, so it is done on the transport thread, not on the thread that
//! ends the run. The transport finishes it as it takes the submission from
//! the queue, before the envelope is spooled or sent: keys and timestamps are
//! still fixed once, before the first attempt, and kept for every retry.

use super::Envelope;
use super::report::Counters;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Shared state that makes its envelope when the pipeline takes it: a
/// finished record-mode run hands itself over (one reference count, no
/// allocation) instead of a boxed closure over copies of its parts.
pub(crate) trait MakeEnvelope: Send + Sync {
    /// The envelope; called once, when the submission is taken.
    fn make_envelope(&self) -> Envelope;

    /// Work handed over in the same queue slot and taken right after the
    /// envelope (a request's usage record, tracked with its run's end): one
    /// hand-over on the caller's path instead of two. Asked for once, after
    /// [`make_envelope`](Self::make_envelope); its items are counted in the
    /// slot's, so it counts none of its own.
    fn follow_up(&self) -> Option<Submission> {
        None
    }

    /// For a caller who spills the work: its compact record's parts
    /// ([`SpilledRun`]), made instead of the envelope, or `None` (nothing
    /// taken: the envelope is made as usual) when the work holds anything
    /// but tool calls of compile-time-checked parts. Like
    /// [`make_envelope`](Self::make_envelope), it readies the follow-up.
    fn spill_parts(&self) -> Option<SpilledRun> {
        None
    }
}

/// A record-mode run as a spilling caller writes it
/// (`delivery/spill_record.rs`): its events as numbers, then its own part.
pub(crate) struct SpilledRun {
    /// The record, its events and sites written.
    pub(crate) events: super::SpillWriter,
    /// The run's own part: `Envelope::Run` without events, not yet across
    /// the sanitising boundary.
    pub(crate) run: Envelope,
}

/// A stream-mode run's chunk of buffered events, handed over as data so
/// that a caller who has to spill can write it compactly
/// (`delivery/spill_record.rs`) instead of making its envelope.
pub(crate) trait StreamChunk: Send {
    /// The chunk's envelope; called once, when the pipeline takes it.
    fn make_envelope(self: Box<Self>) -> Envelope;

    /// The run's client-made id.
    fn external_run_id(&self) -> &str;

    /// The chunk's spill record (without its newline), or `None` when it
    /// holds anything but tool calls of compile-time-checked parts (it is
    /// then spilled as its envelope).
    fn spill_record(&self) -> Option<Vec<u8>>;
}

/// An envelope, or the work that makes one.
///
/// Every variant is a few words: a submission is moved by value into a
/// queue slot on the caller's path, so a ready envelope (hundreds of bytes)
/// sits behind a box, while the common hand-overs — a run's deferred work,
/// a finished record-mode run — carry only a pointer.
pub(crate) enum Submission {
    Ready(Box<Envelope>),
    Deferred {
        items: u64,
        make: Box<dyn FnOnce() -> Envelope + Send>,
    },
    Shared {
        items: u64,
        work: Arc<dyn MakeEnvelope>,
    },
    Chunk {
        items: u64,
        chunk: Box<dyn StreamChunk>,
    },
}

impl Submission {
    /// An envelope that is already built.
    pub(crate) fn ready(envelope: Envelope) -> Self {
        Submission::Ready(Box::new(envelope))
    }

    /// An envelope of `items` billable items, built by `make` when the
    /// pipeline takes it (on the transport thread, or in the caller's thread
    /// if it has to spill).
    pub(crate) fn deferred(items: u64, make: impl FnOnce() -> Envelope + Send + 'static) -> Self {
        Submission::Deferred {
            items,
            make: Box::new(make),
        }
    }

    /// An envelope of `items` billable items, made by `work` when the
    /// pipeline takes it (like [`deferred`](Submission::deferred)).
    pub(crate) fn shared(items: u64, work: Arc<dyn MakeEnvelope>) -> Self {
        Submission::Shared { items, work }
    }

    /// A stream-mode run's chunk of `items` events, made into its envelope
    /// when the pipeline takes it (like [`deferred`](Submission::deferred)),
    /// or written as a spill record by a caller who spills it.
    pub(crate) fn chunk(items: u64, chunk: Box<dyn StreamChunk>) -> Self {
        Submission::Chunk { items, chunk }
    }

    /// The envelopes the submission makes, in order: its own, then its
    /// work's follow-up if it has one (see [`MakeEnvelope::follow_up`]),
    /// each as [`into_envelope`](Self::into_envelope) makes it.
    pub(crate) fn into_envelopes(self, counters: &Counters) -> impl Iterator<Item = Envelope> {
        let source = self.follow_up_source();
        let first = self.into_envelope(counters);
        let then = source
            .and_then(|work| work.follow_up())
            .and_then(|then| then.into_envelope(counters));
        first.into_iter().chain(then)
    }

    /// The work whose follow-up to ask for once this submission's envelope
    /// is made.
    pub(crate) fn follow_up_source(&self) -> Option<Arc<dyn MakeEnvelope>> {
        match self {
            Submission::Shared { work, .. } => Some(Arc::clone(work)),
            _ => None,
        }
    }

    /// Taken from the queue by the transport: its items no longer count
    /// against the queue's allowance.
    pub(crate) fn dequeued(self, counters: &Counters) -> Self {
        counters
            .queued_items
            .fetch_sub(self.items(), std::sync::atomic::Ordering::Relaxed);
        self
    }

    /// Billable items inside (see [`Envelope::items`]), known without building.
    pub(crate) fn items(&self) -> u64 {
        match self {
            Submission::Ready(envelope) => envelope.items(),
            Submission::Deferred { items, .. }
            | Submission::Shared { items, .. }
            | Submission::Chunk { items, .. } => *items,
        }
    }

    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    /// The envelope, built now if it was deferred, across the sanitising
    /// boundary as [`into_envelope`](Self::into_envelope) takes it (a test's
    /// capture shows what would be spooled); a panic while building goes on
    /// unwinding (the test should see it).
    pub(crate) fn build(self, privacy: &crate::privacy::Sanitizer) -> Envelope {
        let mut envelope = self.make();
        super::event_wire::prepare(&mut envelope, privacy);
        envelope
    }

    /// The envelope as made, not yet across the boundary.
    fn make(self) -> Envelope {
        match self {
            Submission::Ready(envelope) => *envelope,
            Submission::Deferred { make, .. } => make(),
            Submission::Shared { work, .. } => work.make_envelope(),
            Submission::Chunk { chunk, .. } => chunk.make_envelope(),
        }
    }

    /// The envelope, built now if it was deferred, and made ready for the
    /// wire (`event_wire::prepare`): the one way into the spool, whether the
    /// transport or a spilling caller writes it, so only sanitised text is
    /// ever spooled.
    ///
    /// A build that panics loses only its own run: its items are counted as
    /// dropped and `None` comes back. Unwinding further would end the
    /// transport thread, and with it the delivery of everything after.
    pub(crate) fn into_envelope(self, counters: &Counters) -> Option<Envelope> {
        let mut envelope = match self {
            Submission::Ready(envelope) => *envelope,
            // The work belongs to a run that has ended, and is gone after
            // the call: nothing reads what a panic left half-updated.
            work => {
                let items = work.items();
                catch_unwind(AssertUnwindSafe(|| work.make()))
                    .inspect_err(|_| {
                        counters.drop_items(items, "building a run's events panicked (a drip bug)")
                    })
                    .ok()?
            }
        };
        super::event_wire::prepare(&mut envelope, &counters.privacy);
        let (dropped, keep) = super::screen::screen_envelope(&mut envelope, &counters.privacy);
        counters.drop_items(dropped, "an identifier breaks the identifier rule");
        keep.then_some(envelope)
    }
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("items", &self.items())
            .field("deferred", &!matches!(self, Submission::Ready(_)))
            .finish()
    }
}

impl From<Envelope> for Submission {
    fn from(envelope: Envelope) -> Self {
        Submission::ready(envelope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::end_run;
    use crate::model::RunStatus;

    fn end() -> Envelope {
        Envelope::stream_end("run_1", end_run(RunStatus::Completed, None, None))
    }

    #[test]
    fn deferred_work_runs_only_when_taken() {
        let built = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = built.clone();
        let sub = Submission::deferred(3, move || {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            end()
        });
        assert_eq!(sub.items(), 3);
        assert!(!built.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(sub.into_envelope(&Counters::default()), Some(end()));
        assert!(built.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[test]
    fn a_build_that_panics_counts_its_items_as_dropped() {
        let counters = Counters::default();
        let sub = Submission::deferred(5, || panic!("bug while building"));
        assert_eq!(sub.into_envelope(&counters), None);
        assert_eq!(counters.report().dropped, 5);
        let next = Submission::deferred(2, end);
        assert_eq!(next.into_envelope(&counters), Some(end()));
        assert_eq!(counters.report().dropped, 5);
    }

    struct Made(Envelope);
    impl MakeEnvelope for Made {
        fn make_envelope(&self) -> Envelope {
            self.0.clone()
        }
    }
    struct Broken;
    impl MakeEnvelope for Broken {
        fn make_envelope(&self) -> Envelope {
            panic!("bug while building")
        }
    }

    #[test]
    fn shared_work_is_made_when_taken_and_a_panic_counts_its_items() {
        let counters = Counters::default();
        let sub = Submission::shared(4, Arc::new(Made(end())));
        assert_eq!(sub.items(), 4);
        assert_eq!(sub.into_envelope(&counters), Some(end()));
        assert_eq!(
            Submission::shared(3, Arc::new(Broken)).into_envelope(&counters),
            None
        );
        assert_eq!(counters.report().dropped, 3);
    }

    /// Work with a follow-up: one submission, two envelopes in order.
    struct WithFollowUp;
    impl MakeEnvelope for WithFollowUp {
        fn make_envelope(&self) -> Envelope {
            end()
        }
        fn follow_up(&self) -> Option<Submission> {
            Some(Submission::deferred(0, || {
                Envelope::stream_end("run_2", end_run(RunStatus::Failed, None, None))
            }))
        }
    }

    #[test]
    fn a_follow_up_travels_in_its_works_slot_and_is_made_after_it() {
        let counters = Counters::default();
        let sub = Submission::shared(3, Arc::new(WithFollowUp));
        assert_eq!(sub.items(), 3, "the slot counts the follow-up's items too");
        let made: Vec<Envelope> = sub.into_envelopes(&counters).collect();
        assert_eq!(made.len(), 2);
        assert_eq!(made[0], end());
        assert!(
            matches!(&made[1], Envelope::StreamEnd { external_run_id, .. } if external_run_id == "run_2")
        );
    }

    #[test]
    fn a_submission_is_a_few_words() {
        assert!(std::mem::size_of::<Submission>() <= 32);
    }

    #[test]
    fn ready_counts_the_envelopes_items() {
        let batch = Envelope::StreamEvents {
            external_run_id: "run_1".into(),
            events: vec![
                crate::model::Event::plan("a"),
                crate::model::Event::plan("b"),
            ],
        };
        assert_eq!(Submission::ready(batch).items(), 2);
        assert_eq!(Submission::ready(end()).items(), 0);
    }
}
