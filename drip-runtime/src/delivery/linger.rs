//! Work that waits with its producer before it is handed to the pipeline:
//! the event buffers of stream-mode runs.
//!
//! A stream-mode run hands its events over in chunks, not one by one (one
//! queue slot, one allocation and one wake-up of the transport per chunk
//! instead of per event). A run that records slowly would then hold its
//! events until its chunk fills or it ends; the transport thread prevents
//! that by asking every such run, once per `linger`, to hand over what it
//! holds (see `Transport::housekeeping`), and before every flush and at
//! shutdown. The runs hand over through the ordinary submit path, under
//! their own lock, so a run's work keeps its order whoever hands it over.

use std::sync::{Arc, Mutex, PoisonError, Weak};

/// Something holding work not yet handed to the pipeline.
pub(crate) trait Lingering: Send + Sync {
    /// Hands over what is held, unless the holder is busy right now (then
    /// its own next hand-over, or the next sweep, takes it). `false` once
    /// it will never hold anything again (its run has ended).
    fn hand_over(&self) -> bool;
}

/// The holders the transport sweeps; registered once each.
#[derive(Default)]
pub(crate) struct Lingerers {
    holders: Mutex<Vec<Weak<dyn Lingering>>>,
}

impl std::fmt::Debug for Lingerers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lingerers")
            .field("holders", &self.lock().len())
            .finish()
    }
}

impl Lingerers {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Weak<dyn Lingering>>> {
        self.holders.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn register(&self, holder: Weak<dyn Lingering>) {
        self.lock().push(holder);
    }

    /// Asks every live holder to hand over; forgets those gone or done.
    /// The list lock is not held while they hand over (a hand-over may
    /// spill, and callers register while holding their own lock).
    pub(crate) fn sweep(&self) {
        let live: Vec<Arc<dyn Lingering>> = {
            let mut holders = self.lock();
            holders.retain(|h| h.strong_count() > 0);
            holders.iter().filter_map(Weak::upgrade).collect()
        };
        if live.is_empty() {
            return;
        }
        // A holder whose other owners all go meanwhile is dropped here, on
        // the sweeping thread; a run holds its runtime, so if that was the
        // runtime's last clone too, its drop asks this very transport to stop
        // (`Pipeline::stop` does not wait when called on the transport).
        let done: Vec<*const ()> = live
            .iter()
            .filter(|h| !h.hand_over())
            .map(|h| Arc::as_ptr(h).cast::<()>())
            .collect();
        if !done.is_empty() {
            self.lock()
                .retain(|h| !done.contains(&h.as_ptr().cast::<()>()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Holder {
        handed: AtomicUsize,
        ends_after: usize,
    }

    impl Lingering for Holder {
        fn hand_over(&self) -> bool {
            self.handed.fetch_add(1, Ordering::Relaxed) + 1 < self.ends_after
        }
    }

    #[test]
    fn holders_are_swept_until_they_are_done_or_gone() {
        let lingerers = Lingerers::default();
        let lasting = Arc::new(Holder {
            handed: AtomicUsize::new(0),
            ends_after: usize::MAX,
        });
        let ending = Arc::new(Holder {
            handed: AtomicUsize::new(0),
            ends_after: 2,
        });
        let dropped = Arc::new(Holder {
            handed: AtomicUsize::new(0),
            ends_after: usize::MAX,
        });
        for h in [&lasting, &ending, &dropped] {
            let h: Arc<dyn Lingering> = h.clone();
            lingerers.register(Arc::downgrade(&h));
        }
        lingerers.sweep();
        drop(dropped);
        lingerers.sweep();
        lingerers.sweep();
        assert_eq!(lasting.handed.load(Ordering::Relaxed), 3);
        assert_eq!(
            ending.handed.load(Ordering::Relaxed),
            2,
            "done after its second"
        );
        assert_eq!(lingerers.lock().len(), 1);
        drop(lasting);
        lingerers.sweep();
        assert!(lingerers.lock().is_empty());
    }
}
