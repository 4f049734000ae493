//! Timing a closure on the wall clock or on the calling thread's CPU clock
//! (what that thread itself spent, however busy other threads keep the
//! machine's cores). Shared by `tool_overhead` and drip-tower's
//! `layer_overhead`.

use std::time::{Duration, Instant};

/// The wall time `f` takes.
pub fn wall(f: &mut dyn FnMut()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// The CPU time `f` takes on this thread.
pub fn cpu(f: &mut dyn FnMut()) -> Duration {
    let before = thread_cpu();
    f();
    thread_cpu().saturating_sub(before)
}

/// CPU time this thread has run.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}
