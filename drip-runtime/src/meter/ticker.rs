//! Interval flushes: one small thread per meter with an interval, which ends
//! when the meter is dropped.

use super::Inner;
use std::sync::Weak;
use std::thread::Thread;
use std::time::Duration;

/// Starts the ticker; the returned handle is unparked when the meter drops.
pub(super) fn start(meter: Weak<Inner>, every: Duration) -> Option<Thread> {
    std::thread::Builder::new()
        .name("drip-meter".into())
        .spawn(move || {
            loop {
                std::thread::park_timeout(every);
                let Some(meter) = meter.upgrade() else { return };
                // A flush that cannot hand on keeps its quantity for the next tick.
                let _ = meter.flush();
            }
        })
        .ok()
        .map(|handle| handle.thread().clone())
}
