//! Warnings that are logged once per process, however often their cause recurs.

use std::sync::atomic::{AtomicBool, Ordering};

/// The misuses drip warns about.
#[derive(Clone, Copy)]
pub(crate) enum WarnOnce {
    ToolOutsideRun,
    EventOutsideRun,
    EventAfterRunEnded,
    EmptyCustomer,
}

const COUNT: usize = 4;
static WARNED: [AtomicBool; COUNT] = [const { AtomicBool::new(false) }; COUNT];

/// Logs `message` through `tracing` the first time `which` happens.
/// `message` must never contain user data.
#[inline]
pub(crate) fn warn_once(which: WarnOnce, message: &'static str) {
    let flag = &WARNED[which as usize];
    if !flag.load(Ordering::Relaxed) && !flag.swap(true, Ordering::Relaxed) {
        tracing::warn!(target: "drip::context", "{message}");
    }
}

/// Whether `which` has been warned about already (one relaxed load).
#[inline(always)]
pub(crate) fn already_warned(which: WarnOnce) -> bool {
    WARNED[which as usize].load(Ordering::Relaxed)
}
