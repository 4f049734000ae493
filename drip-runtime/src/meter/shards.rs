//! A sharded, lock-free `f64` accumulator: each thread adds to its own
//! cache-line-sized slot with one uncontended compare-and-swap, so adds scale
//! across threads; a flush swaps every slot to zero.
//!
//! Exact by construction: an add lands in a slot either before that slot's
//! swap (and is in this flush) or after it (and is in the next), never both or
//! neither.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Number of slots (a power of two). Threads beyond it share slots, still correct.
const SLOTS: usize = 16;

/// One slot, alone on its cache line (128 bytes: adjacent-line prefetch pairs lines).
#[derive(Debug, Default)]
#[repr(align(128))]
struct Slot(AtomicU64);

/// Which slot the current thread uses: threads are numbered as they first add.
fn slot_of_thread() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SLOT: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SLOTS;
    }
    SLOT.with(|s| *s)
}

#[derive(Debug)]
pub(crate) struct Shards {
    slots: Box<[Slot]>,
}

impl Default for Shards {
    fn default() -> Self {
        Shards {
            slots: (0..SLOTS).map(|_| Slot::default()).collect(),
        }
    }
}

impl Shards {
    /// Adds `q` to this thread's slot; answers the slot's new value.
    #[inline]
    pub(crate) fn add(&self, q: f64) -> f64 {
        let slot = &self.slots[slot_of_thread()].0;
        let mut current = slot.load(Ordering::Relaxed);
        loop {
            let new = f64::from_bits(current) + q;
            match slot.compare_exchange_weak(
                current,
                new.to_bits(),
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return new,
                Err(seen) => current = seen,
            }
        }
    }

    /// What a single slot must hold for the total to possibly reach `total`.
    pub(crate) fn per_slot(total: f64) -> f64 {
        total / SLOTS as f64
    }

    /// The current total (a snapshot; adds may land meanwhile).
    pub(crate) fn total(&self) -> f64 {
        self.slots
            .iter()
            .map(|s| f64::from_bits(s.0.load(Ordering::Acquire)))
            .sum()
    }

    /// Takes the total, leaving zero.
    pub(crate) fn take(&self) -> f64 {
        self.slots
            .iter()
            .map(|s| f64::from_bits(s.0.swap(0f64.to_bits(), Ordering::AcqRel)))
            .sum()
    }

    /// Puts back a quantity that could not be handed on.
    pub(crate) fn restore(&self, q: f64) {
        if q != 0.0 {
            self.add(q);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn adds_from_many_threads_are_taken_exactly_once() {
        let shards = Arc::new(Shards::default());
        let mut taken = 0.0;
        std::thread::scope(|s| {
            for _ in 0..8 {
                let shards = shards.clone();
                s.spawn(move || {
                    for _ in 0..10_000 {
                        shards.add(1.0);
                    }
                });
            }
            for _ in 0..100 {
                taken += shards.take();
            }
        });
        taken += shards.take();
        assert_eq!(taken, 80_000.0);
        assert_eq!(shards.total(), 0.0);
    }
}
