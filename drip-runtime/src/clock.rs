//! The clock calls inside a run are timed with.
//!
//! A tool call inside a run reads the clock twice (first poll, completion).
//! `std::time::Instant::now` is a vDSO `clock_gettime`, about 30 ns on common
//! cloud VMs, which made the two reads the largest part of a call's overhead.
//! `quanta` reads the CPU's time-stamp counter (about 12 ns here), scaled by
//! a calibration against the OS monotonic clock, and uses the OS clock itself
//! where the counter is not invariant — so durations stay correct on any host.
//!
//! Calibration takes about a millisecond, once per process; [`warm_up`] lets
//! the pipeline pay it at start instead of the first timed call.

/// A point in time on the run clock.
pub(crate) type Tick = quanta::Instant;

/// Now, on the run clock.
#[inline]
pub(crate) fn now() -> Tick {
    quanta::Instant::now()
}

/// Calibrates the clock if that has not happened yet.
pub(crate) fn warm_up() {
    let _ = now();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn agrees_with_the_os_clock() {
        // Both ends bracketed by OS readings, so being descheduled anywhere
        // cannot fail the test; only a wrong scale can.
        let os_before = Instant::now();
        let tick = now();
        let os_after = Instant::now();
        std::thread::sleep(Duration::from_millis(30));
        let low = os_after.elapsed();
        let ours = tick.elapsed();
        let high = os_before.elapsed();
        let slack = Duration::from_millis(1);
        assert!(
            ours + slack >= low && ours <= high + slack,
            "run clock measured {ours:?}, the OS clock between {low:?} and {high:?}"
        );
    }
}
