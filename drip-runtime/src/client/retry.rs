//! The attempt loop: capped exponential backoff with jitter, `Retry-After`,
//! a bounded total. There is deliberately no circuit breaker: a 4xx must never
//! block later calls (the official SDKs' breaker opened on five 400s).

use crate::error::Error;
use std::future::Future;
use std::time::{Duration, Instant};

/// How a client retries one logical call.
///
/// Retried: HTTP 408, 429, 500, 502, 503, 504, timeouts, connection failures
/// and responses that break off mid-body. Everything else is returned at once.
/// The request body (and so its idempotency key) is identical on every attempt.
///
/// ```
/// use drip_runtime::RetryPolicy;
/// use std::time::Duration;
/// let p = RetryPolicy::default();
/// assert_eq!(p.attempts(), 4);
/// let p = RetryPolicy::default().max_attempts(6).max_elapsed(Duration::from_secs(5));
/// assert_eq!(p.attempts(), 6);
/// assert_eq!(RetryPolicy::none().attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 200 ms doubling up to 10 s (with jitter), at
    /// most 30 s in total; `Retry-After` is honoured within that total.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A single attempt. For callers that schedule retries themselves (the
    /// delivery pipeline does, so it can spool between attempts).
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Total attempts including the first (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Delay before the first retry; doubled for each further one.
    #[must_use]
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// Cap of one backoff delay.
    #[must_use]
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// No retry starts after this much time since the first attempt; a
    /// `Retry-After` that would end beyond it returns the error instead.
    #[must_use]
    pub fn max_elapsed(mut self, total: Duration) -> Self {
        self.max_elapsed = total;
        self
    }

    /// Total attempts including the first.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Backoff before retry number `retry` (0 = first retry): the capped
    /// exponential delay with "equal jitter" (half fixed, half random), so
    /// synchronised clients spread out but never retry immediately.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        equal_jitter(self.initial_backoff, self.max_backoff, retry)
    }

    /// Runs `attempt` until it succeeds, fails permanently, or the policy is spent.
    pub(crate) async fn run<T, F, Fut>(&self, mut attempt: F) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let started = Instant::now();
        let mut n = 0u32;
        loop {
            let failure = match attempt(n).await {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            n += 1;
            if !failure.error.is_retryable() || n >= self.max_attempts {
                return Err(failure.error);
            }
            let delay = failure.retry_after.unwrap_or_else(|| self.backoff(n - 1));
            if started.elapsed().saturating_add(delay) > self.max_elapsed {
                return Err(failure.error);
            }
            tracing::debug!(target: "drip::client",
                attempt = n,
                delay_ms = delay.as_millis() as u64,
                "drip: retrying request"
            );
            tokio::time::sleep(delay).await;
        }
    }
}

/// One failed attempt and the server's requested delay, if any.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    pub(crate) retry_after: Option<Duration>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            retry_after: error.retry_after(),
            error,
        }
    }
}

/// Capped exponential backoff with equal jitter: a random point in the upper
/// half of `min(max, initial · 2^retry)`. The one formula behind the client's
/// retries and the delivery pipeline's.
pub(crate) fn equal_jitter(initial: Duration, max: Duration, retry: u32) -> Duration {
    let capped = initial
        .saturating_mul(2u32.saturating_pow(retry.min(20)))
        .min(max);
    let half = capped / 2;
    half + half.mul_f64(crate::random::fraction())
}

/// Parses `Retry-After`: delta seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(800));
        for retry in 0..10 {
            let d = p.backoff(retry);
            let full = Duration::from_millis(100 * (1 << retry.min(3)));
            assert!(d >= full / 2 && d <= full, "retry {retry}: {d:?}");
        }
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        let later = std::time::SystemTime::now() + Duration::from_secs(120);
        let d = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(d > Duration::from_secs(100) && d <= Duration::from_secs(120));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
