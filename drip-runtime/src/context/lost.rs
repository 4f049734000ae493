//! How many tool calls and events found no run to attach to.
//!
//! The usual cause is a task started with a plain `tokio::spawn`,
//! `JoinSet::spawn`, `spawn_blocking` or `std::thread::spawn`, which does not
//! carry the run (see the README's propagation table). The warning is logged
//! once; this count keeps going, and is read by `drip::stats()`.

use std::sync::atomic::{AtomicU64, Ordering};

// Process-wide like the rest of the context switch (`switch.rs`): the one
// other piece of global state the run context keeps.
static OUTSIDE_RUN: AtomicU64 = AtomicU64::new(0);

/// One more call or event recorded outside any run.
#[inline]
pub(crate) fn count_outside_run() {
    OUTSIDE_RUN.fetch_add(1, Ordering::Relaxed);
}

/// Calls and events recorded outside any run since the process started.
pub(crate) fn outside_run_count() -> u64 {
    OUTSIDE_RUN.load(Ordering::Relaxed)
}
