//! Fault injection: what the server does to a request besides answering it.
//!
//! Faults apply to API routes only, never to `/health` or `/_emulator/*`, and optionally only
//! to paths starting with a prefix.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::random::SplitMix64;

/// The fault settings in force, as a snapshot.
///
/// Its serde form (camelCase) is what `GET /_emulator/faults` answers.
///
/// ```
/// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
/// emulator.faults().error_rate(503, 0.5).latency(std::time::Duration::from_millis(5));
/// let config = emulator.faults().config();
/// assert_eq!(config.error_rates.get(&503), Some(&0.5));
/// assert_eq!(config.latency_ms, 5);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FaultConfig {
    /// Probability in `[0, 1]` of answering with each status code instead of processing.
    pub error_rates: BTreeMap<u16, f64>,
    /// `Retry-After` seconds sent with injected 429s (none when `None`).
    pub retry_after: Option<u64>,
    /// Delay added before each affected request is handled.
    pub latency_ms: u64,
    /// Probability of processing and storing a request, then closing the connection
    /// without an HTTP response.
    pub commit_then_drop: f64,
    /// Whether `POST /runs/record` exists; `false` answers 404 so clients use their fallback.
    pub record_endpoint: bool,
    /// Accept requests and never answer them.
    pub stall: bool,
    /// Only paths starting with this (e.g. `/v1/run-events`) are affected.
    pub path_prefix: Option<String>,
    /// Seed of the generator deciding the random faults (random when `None`).
    pub seed: Option<u64>,
    /// Statuses to answer, in order, for the next affected requests (before any rate applies).
    pub fail_next: Vec<u16>,
    /// Number of next affected requests to commit and then drop.
    pub drop_next: u32,
    /// Answer a duplicate `POST /customers` with 409 but without
    /// `existingCustomerId` (the API does not promise it), so clients must
    /// find the customer by listing.
    #[serde(default)]
    pub conflict_without_existing_id: bool,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            error_rates: BTreeMap::new(),
            retry_after: None,
            latency_ms: 0,
            commit_then_drop: 0.0,
            record_endpoint: true,
            stall: false,
            path_prefix: None,
            seed: None,
            fail_next: Vec::new(),
            drop_next: 0,
            conflict_without_existing_id: false,
        }
    }
}

/// A partial update of [`FaultConfig`], the body of `POST /_emulator/faults`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FaultUpdate {
    clear: Option<bool>,
    error_rates: Option<BTreeMap<u16, f64>>,
    retry_after: Option<u64>,
    latency_ms: Option<u64>,
    commit_then_drop: Option<f64>,
    record_endpoint: Option<bool>,
    stall: Option<bool>,
    path_prefix: Option<String>,
    seed: Option<u64>,
    fail_next: Option<Vec<u16>>,
    drop_next: Option<u32>,
    conflict_without_existing_id: Option<bool>,
}

/// What to do with one request.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    pub(crate) latency: Duration,
    pub(crate) stall: bool,
    pub(crate) inject: Option<u16>,
    pub(crate) retry_after: Option<u64>,
    pub(crate) drop_after_commit: bool,
    pub(crate) record_endpoint_off: bool,
}

#[derive(Debug)]
pub(crate) struct FaultState {
    config: FaultConfig,
    fail_next: VecDeque<u16>,
    rng: SplitMix64,
}

impl Default for FaultState {
    fn default() -> Self {
        Self {
            config: FaultConfig::default(),
            fail_next: VecDeque::new(),
            rng: SplitMix64::new(crate::random::random_u64()),
        }
    }
}

impl FaultState {
    fn snapshot(&self) -> FaultConfig {
        let mut config = self.config.clone();
        config.fail_next = self.fail_next.iter().copied().collect();
        config
    }

    /// Whether a duplicate customer's 409 leaves out `existingCustomerId`.
    pub(crate) fn conflict_without_existing_id(&self) -> bool {
        self.config.conflict_without_existing_id
    }

    fn affects(&self, path: &str) -> bool {
        self.config
            .path_prefix
            .as_deref()
            .is_none_or(|p| path.starts_with(p))
    }

    /// Decides the fate of a request to `path`.
    pub(crate) fn decide(&mut self, path: &str) -> Decision {
        let mut decision = Decision {
            record_endpoint_off: !self.config.record_endpoint,
            ..Decision::default()
        };
        if !self.affects(path) {
            return decision;
        }
        decision.latency = Duration::from_millis(self.config.latency_ms);
        if self.config.stall {
            decision.stall = true;
            return decision;
        }
        decision.retry_after = self.config.retry_after;
        if let Some(status) = self.fail_next.pop_front() {
            decision.inject = Some(status);
            return decision;
        }
        if !self.config.error_rates.is_empty() {
            let draw = self.rng.next_f64();
            let mut cumulative = 0.0;
            for (&status, &rate) in &self.config.error_rates {
                cumulative += rate;
                if draw < cumulative {
                    decision.inject = Some(status);
                    return decision;
                }
            }
        }
        if self.config.drop_next > 0 {
            self.config.drop_next -= 1;
            decision.drop_after_commit = true;
        } else if self.config.commit_then_drop > 0.0 {
            decision.drop_after_commit = self.rng.next_f64() < self.config.commit_then_drop;
        }
        decision
    }

    /// Applies a partial update from the admin route.
    pub(crate) fn apply(&mut self, update: FaultUpdate) -> Result<FaultConfig, String> {
        if update.clear == Some(true) {
            *self = Self::default();
        }
        if let Some(rates) = update.error_rates {
            for (&status, &rate) in &rates {
                check_status(status)?;
                check_rate("errorRates", rate)?;
            }
            self.config.error_rates = rates;
        }
        if let Some(secs) = update.retry_after {
            self.config.retry_after = Some(secs);
        }
        if let Some(ms) = update.latency_ms {
            self.config.latency_ms = ms;
        }
        if let Some(rate) = update.commit_then_drop {
            check_rate("commitThenDrop", rate)?;
            self.config.commit_then_drop = rate;
        }
        if let Some(on) = update.record_endpoint {
            self.config.record_endpoint = on;
        }
        if let Some(on) = update.stall {
            self.config.stall = on;
        }
        if let Some(on) = update.conflict_without_existing_id {
            self.config.conflict_without_existing_id = on;
        }
        if let Some(prefix) = update.path_prefix {
            self.config.path_prefix = (!prefix.is_empty()).then_some(prefix);
        }
        if let Some(seed) = update.seed {
            self.reseed(seed);
        }
        if let Some(statuses) = update.fail_next {
            for &status in &statuses {
                check_status(status)?;
            }
            self.fail_next.extend(statuses);
        }
        if let Some(n) = update.drop_next {
            self.config.drop_next = n;
        }
        Ok(self.snapshot())
    }

    fn reseed(&mut self, seed: u64) {
        self.config.seed = Some(seed);
        self.rng = SplitMix64::new(seed);
    }
}

fn check_status(status: u16) -> Result<(), String> {
    if (400..=599).contains(&status) {
        Ok(())
    } else {
        Err(format!("status {status} is not an error status (400-599)"))
    }
}

fn check_rate(field: &str, rate: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&rate) {
        Ok(())
    } else {
        Err(format!("{field}: rate {rate} is not within 0..=1"))
    }
}

/// Setters for the running emulator's faults; from [`EmulatorHandle::faults`].
///
/// Every setter takes effect for the next request and returns `&Self` for chaining.
///
/// ```
/// use std::time::Duration;
/// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
/// emulator
///     .faults()
///     .seed(42)
///     .error_rate(500, 0.1)
///     .error_rate(429, 0.1)
///     .retry_after(1)
///     .latency(Duration::from_millis(2))
///     .commit_then_drop(0.05);
/// emulator.faults().clear();
/// assert_eq!(emulator.faults().config().error_rates.len(), 0);
/// ```
///
/// [`EmulatorHandle::faults`]: crate::EmulatorHandle::faults
#[derive(Debug, Clone)]
pub struct Faults {
    pub(crate) state: Arc<Mutex<FaultState>>,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, FaultState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Answers `status` instead of processing, with probability `rate` (0 removes it).
    /// `rate` is clamped to `[0, 1]`.
    pub fn error_rate(&self, status: u16, rate: f64) -> &Self {
        let rate = if rate.is_finite() {
            rate.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let mut state = self.lock();
        if rate == 0.0 {
            state.config.error_rates.remove(&status);
        } else {
            state.config.error_rates.insert(status, rate);
        }
        drop(state);
        self
    }

    /// Answers the given statuses, in order, to the next affected requests.
    pub fn fail_next(&self, statuses: &[u16]) -> &Self {
        self.lock().fail_next.extend(statuses.iter().copied());
        self
    }

    /// Sends `Retry-After: secs` with injected 429s.
    pub fn retry_after(&self, secs: u64) -> &Self {
        self.lock().config.retry_after = Some(secs);
        self
    }

    /// Delays each affected request by `latency` before handling it.
    pub fn latency(&self, latency: Duration) -> &Self {
        self.lock().config.latency_ms = latency.as_millis() as u64;
        self
    }

    /// With probability `rate`, processes and stores a request, then closes the connection
    /// without answering.
    pub fn commit_then_drop(&self, rate: f64) -> &Self {
        self.lock().config.commit_then_drop = if rate.is_finite() {
            rate.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    /// Commits and then drops the next `n` affected requests.
    pub fn drop_next(&self, n: u32) -> &Self {
        self.lock().config.drop_next = n;
        self
    }

    /// `false` makes `POST /runs/record` answer 404, to exercise the client's fallback.
    pub fn record_endpoint(&self, enabled: bool) -> &Self {
        self.lock().config.record_endpoint = enabled;
        self
    }

    /// `true` answers a duplicate `POST /customers` with a 409 that does not
    /// name the existing customer, as the API may: clients must then find it
    /// by listing customers.
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// emulator.faults().conflict_without_existing_id(true);
    /// assert!(emulator.faults().config().conflict_without_existing_id);
    /// ```
    pub fn conflict_without_existing_id(&self, on: bool) -> &Self {
        self.lock().config.conflict_without_existing_id = on;
        self
    }

    /// `true` accepts affected requests and never answers them.
    pub fn stall(&self, stall: bool) -> &Self {
        self.lock().config.stall = stall;
        self
    }

    /// Limits faults to request paths starting with `prefix` (e.g. `/v1/usage`); `None`
    /// affects every API path.
    pub fn path_prefix(&self, prefix: Option<&str>) -> &Self {
        self.lock().config.path_prefix = prefix.map(str::to_owned);
        self
    }

    /// Makes random fault decisions reproducible.
    pub fn seed(&self, seed: u64) -> &Self {
        self.lock().reseed(seed);
        self
    }

    /// Removes every fault.
    pub fn clear(&self) -> &Self {
        *self.lock() = FaultState::default();
        self
    }

    /// The settings in force.
    pub fn config(&self) -> FaultConfig {
        self.lock().snapshot()
    }
}
