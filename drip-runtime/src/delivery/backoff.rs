//! Retry pauses: capped exponential backoff with jitter, at least the
//! server's `Retry-After`.

use std::time::Duration;

const INITIAL: Duration = Duration::from_millis(100);
/// A `Retry-After` longer than this is treated as this (a misbehaving server
/// must not park the transport for hours).
const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// The pause between attempts while the API refuses the key (401/403): long,
/// since only a new key (usually a restart) changes the answer; a flush or
/// shutdown deadline cuts it short and the work stays in the spool.
pub(crate) const KEY_REFUSED: Duration = Duration::from_secs(60);

/// The pause before attempt `attempt + 1` (`attempt` starts at 0): a random
/// point in the upper half of `min(max, 100 ms * 2^attempt)`, and never less
/// than `retry_after`.
///
/// Half-jitter keeps a floor under the pause (so a flapping server is not
/// hammered) while still spreading many clients apart.
pub(crate) fn pause(attempt: u32, max: Duration, retry_after: Option<Duration>) -> Duration {
    let jittered = crate::client::equal_jitter(INITIAL, max.max(INITIAL), attempt);
    match retry_after {
        Some(ra) => jittered.max(ra.min(RETRY_AFTER_CAP)),
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_stay_capped_and_honour_retry_after() {
        let max = Duration::from_secs(2);
        for attempt in 0..30 {
            let p = pause(attempt, max, None);
            assert!(p <= max, "{p:?}");
            let expected_floor = (INITIAL.saturating_mul(1 << attempt.min(20))).min(max) / 2;
            assert!(p >= expected_floor, "{attempt}: {p:?}");
        }
        assert!(pause(0, max, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        assert!(pause(0, max, Some(Duration::from_secs(3600))) <= RETRY_AFTER_CAP);
    }
}
