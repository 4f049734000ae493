//! The live meters, so that shutting delivery down flushes them first.
//!
//! The one piece of process-global state of the meter module (a list of weak
//! references); it belongs in the runtime object of issue 9.

use super::Inner;
use std::sync::{Mutex, PoisonError, Weak};

static LIVE: Mutex<Vec<Weak<Inner>>> = Mutex::new(Vec::new());

/// Remembers a new meter (and forgets dropped ones).
pub(super) fn register(meter: Weak<Inner>) {
    let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    live.retain(|m| m.strong_count() > 0);
    live.push(meter);
}

/// Hands every live meter's pending quantity to delivery.
pub(crate) fn flush_all() {
    let live: Vec<_> = LIVE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    for meter in live {
        // Best effort: a meter that cannot hand on keeps its quantity.
        let _ = meter.flush();
    }
}
