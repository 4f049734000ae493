//! Configuration of the delivery pipeline started by [`crate::init`].
//!
//! Build a [`Config`] from the environment with [`Config::from_env`] or by hand
//! with [`Config::new`], then adjust it builder-style. Nothing is validated
//! until [`crate::init`], which returns a typed [`crate::Error::Config`].

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The production API.
pub use crate::client::url::DEFAULT_BASE_URL;

/// Events a record-mode run keeps in memory before it streams the rest
/// (see `Config::run_buffer_events`).
pub(crate) const DEFAULT_RUN_BUFFER_EVENTS: usize = 1000;

/// The connection settings every `from_env` constructor reads: one place, so
/// [`Config::from_env`] and [`Client::from_env`](crate::Client::from_env)
/// apply the same rule to a missing key.
pub(crate) struct EnvSettings {
    /// `DRIP_API_KEY`, trimmed; `None` when unset or blank.
    pub(crate) api_key: Option<String>,
    /// `DRIP_API_URL`, else `DRIP_BASE_URL`, trimmed.
    pub(crate) base_url: Option<String>,
}

impl EnvSettings {
    /// Reads the variables; logs `drip disabled: no DRIP_API_KEY` once per
    /// process when there is no key.
    pub(crate) fn read() -> Self {
        let api_key = env_var("DRIP_API_KEY");
        let base_url = env_var("DRIP_API_URL").or_else(|| env_var("DRIP_BASE_URL"));
        if api_key.is_none() {
            log_no_key_once();
        }
        EnvSettings { api_key, base_url }
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// For values where surrounding spaces may be meant (a path, a hash key).
fn env_var_untrimmed(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn log_no_key_once() {
    // Process-global like the tracing dispatcher it logs to: the message is
    // about the process's environment, not about one runtime.
    static LOGGED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !LOGGED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::info!(target: "drip", "drip disabled: no DRIP_API_KEY");
    }
}

// Here rather than in `client` so that the environment is read in one module.
impl crate::client::ClientBuilder {
    /// A builder pre-filled from `DRIP_API_KEY` and `DRIP_API_URL` /
    /// `DRIP_BASE_URL`; `None` (drip disabled, logged once at INFO) without a key.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// if let Some(builder) = drip_runtime::ClientBuilder::from_env() {
    ///     let client = builder.timeout(Duration::from_secs(5)).build()?;
    /// #   drop(client);
    /// }
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn from_env() -> Option<crate::client::ClientBuilder> {
        let env = EnvSettings::read();
        let mut builder = crate::client::ClientBuilder::default().api_key(env.api_key?);
        if let Some(url) = env.base_url {
            builder = builder.base_url(url);
        }
        Some(builder)
    }
}

/// What the pipeline does with new work when its in-memory queue is full.
///
/// ```
/// use drip_runtime::config::OverflowPolicy;
/// assert_eq!(OverflowPolicy::default(), OverflowPolicy::Spill);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum OverflowPolicy {
    /// Write the overflow to the disk spool (one buffered append on the
    /// caller's thread); the transport picks it up in order. Nothing is lost
    /// unless the spool itself is full or unwritable, and that is counted.
    #[default]
    Spill,
    /// Wait (sleeping the calling thread in 1 ms steps) until the queue has room.
    /// Only for batch jobs that prefer back-pressure to disk use.
    Block,
    /// Drop the new envelope and count it in [`crate::delivery::Stats::dropped`].
    DropNewest,
}

/// Settings for [`crate::init`].
///
/// `Debug` never shows the API key or the hash key.
///
/// ```
/// use drip_runtime::config::{Config, OverflowPolicy};
/// use std::time::Duration;
///
/// let config = Config::new("sk_test_0123456789")
///     .base_url("http://127.0.0.1:7311/v1")
///     .queue_capacity(4_096)
///     .overflow(OverflowPolicy::Spill)
///     .linger(Duration::from_millis(20))
///     .shutdown_deadline(Duration::from_secs(2));
/// let shown = format!("{config:?}");
/// assert!(!shown.contains("0123456789"));
/// assert!(shown.contains("shutdown_deadline: 2s"));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    pub(crate) api_key: Option<String>,
    pub(crate) base_url: String,
    pub(crate) disabled: bool,
    pub(crate) spool_dir: Option<PathBuf>,
    pub(crate) spool_max_bytes: u64,
    pub(crate) queue_capacity: usize,
    pub(crate) overflow: OverflowPolicy,
    pub(crate) batch_size: usize,
    pub(crate) linger: Duration,
    pub(crate) usage_concurrency: usize,
    pub(crate) run_buffer_events: usize,
    pub(crate) shutdown_deadline: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) allowed_metadata: Vec<String>,
    pub(crate) hash_key: Option<Vec<u8>>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("disabled", &self.disabled)
            .field("spool_dir", &self.spool_dir)
            .field("spool_max_bytes", &self.spool_max_bytes)
            .field("queue_capacity", &self.queue_capacity)
            .field("overflow", &self.overflow)
            .field("batch_size", &self.batch_size)
            .field("linger", &self.linger)
            .field("usage_concurrency", &self.usage_concurrency)
            .field("run_buffer_events", &self.run_buffer_events)
            .field("shutdown_deadline", &self.shutdown_deadline)
            .field("request_timeout", &self.request_timeout)
            .field("max_backoff", &self.max_backoff)
            .field("allowed_metadata", &self.allowed_metadata)
            .field("hash_key", &self.hash_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            disabled: false,
            spool_dir: None,
            spool_max_bytes: 256 * 1024 * 1024,
            queue_capacity: 8_192,
            overflow: OverflowPolicy::Spill,
            batch_size: 500,
            linger: Duration::from_millis(50),
            usage_concurrency: 8,
            run_buffer_events: DEFAULT_RUN_BUFFER_EVENTS,
            shutdown_deadline: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            max_backoff: Duration::from_secs(10),
            allowed_metadata: Vec::new(),
            hash_key: None,
        }
    }
}

impl Config {
    /// A configuration with `api_key` (`pk_…` or `sk_…`) and defaults for the rest.
    ///
    /// ```
    /// let c = drip_runtime::config::Config::new("pk_live_0123456789");
    /// assert!(!c.is_disabled());
    /// ```
    pub fn new(api_key: impl Into<String>) -> Self {
        Config {
            api_key: Some(api_key.into()),
            ..Config::default()
        }
    }

    /// Reads `DRIP_API_KEY`, `DRIP_API_URL` (then `DRIP_BASE_URL`),
    /// `DRIP_DISABLED=1` (also `true`/`yes`), `DRIP_SPOOL_DIR` and
    /// `DRIP_HASH_KEY`.
    ///
    /// Without a key the configuration is disabled, and `drip disabled: no
    /// DRIP_API_KEY` is logged once per process at INFO (target `drip`) — the
    /// same rule as [`Client::from_env`](crate::Client::from_env), which then
    /// returns `Ok(None)`. A key that is present but malformed is an error at
    /// [`crate::init`].
    ///
    /// ```
    /// let c = drip_runtime::config::Config::from_env();
    /// // With no DRIP_API_KEY in the environment nothing is sent.
    /// if std::env::var_os("DRIP_API_KEY").is_none() {
    ///     assert!(c.is_disabled());
    /// }
    /// ```
    pub fn from_env() -> Self {
        let env = EnvSettings::read();
        let mut c = Config {
            api_key: env.api_key,
            ..Config::default()
        };
        if let Some(url) = env.base_url {
            c.base_url = url;
        }
        c.disabled = c.api_key.is_none()
            || env_var("DRIP_DISABLED")
                .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"));
        c.spool_dir = env_var_untrimmed("DRIP_SPOOL_DIR").map(PathBuf::from);
        c.hash_key = env_var_untrimmed("DRIP_HASH_KEY").map(String::into_bytes);
        c
    }

    /// Sets the API key.
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Base URL, e.g. `http://127.0.0.1:7311/v1` for the emulator.
    /// Must be `https`, or `http` to a loopback host (checked by `init`).
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Turns delivery off: `init` starts nothing and instrumented code costs one
    /// atomic load.
    #[must_use]
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    /// Directory of the disk spool. Default: `$XDG_STATE_HOME/drip/spool`,
    /// else `~/.local/state/drip/spool`, else `<temp dir>/drip-spool`.
    /// drip keeps one sub-directory per API endpoint and key inside it (see
    /// [`Config::effective_spool_dir`]), so two applications sharing the
    /// directory never replay each other's events.
    #[must_use]
    pub fn spool_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spool_dir = Some(dir.into());
        self
    }

    /// Cap on the spool's total size (default 256 MiB). What would exceed it
    /// is counted as dropped and logged, never lost silently.
    #[must_use]
    pub fn spool_max_bytes(mut self, bytes: u64) -> Self {
        self.spool_max_bytes = bytes;
        self
    }

    /// Envelopes held in memory between callers and the transport (default 8192).
    #[must_use]
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// What to do when the queue is full (default [`OverflowPolicy::Spill`]).
    #[must_use]
    pub fn overflow(mut self, policy: OverflowPolicy) -> Self {
        self.overflow = policy;
        self
    }

    /// Most events per `/run-events/batch` request (default 500).
    #[must_use]
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.clamp(1, 10_000);
        self
    }

    /// How long the transport waits to fill a batch before sending (default 50 ms).
    /// It is also the sync interval of the spool: a process killed outright loses
    /// at most what was submitted in its last `linger`.
    #[must_use]
    pub fn linger(mut self, linger: Duration) -> Self {
        self.linger = linger;
        self
    }

    /// Requests the transport keeps in flight at once (default 8).
    #[must_use]
    pub fn usage_concurrency(mut self, requests: usize) -> Self {
        self.usage_concurrency = requests.max(1);
        self
    }

    /// Events a record-mode run keeps before it switches to streaming (default 1000).
    #[must_use]
    pub fn run_buffer_events(mut self, events: usize) -> Self {
        self.run_buffer_events = events.max(1);
        self
    }

    /// How long dropping the guard (or [`crate::shutdown`] with the
    /// guard's deadline) may take to drain (default 5 s). What is not
    /// acknowledged by then stays in the spool for the next start.
    #[must_use]
    pub fn shutdown_deadline(mut self, deadline: Duration) -> Self {
        self.shutdown_deadline = deadline;
        self
    }

    /// Timeout of one HTTP request made by the transport (default 10 s).
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Longest pause between two attempts at the same request (default 10 s).
    #[must_use]
    pub fn max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    /// Extra metadata keys the project allows, like
    /// `[package.metadata.drip] allowed-metadata` does for the macros.
    /// Secret and content keys stay refused whatever this says.
    ///
    /// The keys belong to the runtime started from this configuration: its
    /// runs, usage, meters and application client may carry them; another
    /// runtime in the same process applies its own list.
    ///
    /// ```
    /// let config = drip_runtime::Config::new("sk_test_0123456789").allow_metadata(["planTier"]);
    /// assert!(format!("{config:?}").contains("planTier"));
    /// ```
    #[must_use]
    pub fn allow_metadata<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_metadata
            .extend(keys.into_iter().map(Into::into));
        self
    }

    /// Key of `drip::hash_id` (HMAC-SHA256). Default: `DRIP_HASH_KEY`.
    #[must_use]
    pub fn hash_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.hash_key = Some(key.into());
        self
    }

    /// The privacy rules of a runtime started from this configuration.
    pub(crate) fn sanitizer(&self) -> crate::privacy::Sanitizer {
        crate::privacy::Sanitizer::new().allow_metadata(&self.allowed_metadata)
    }

    /// Whether delivery is off (explicitly, or because there is no key).
    pub fn is_disabled(&self) -> bool {
        self.disabled || self.api_key.is_none()
    }

    /// The directory the spool files of this endpoint and key live in:
    /// `<spool dir>/<16 hex digits of SHA-256(base URL, key)>`.
    ///
    /// ```
    /// use drip_runtime::config::Config;
    /// let a = Config::new("sk_test_aaaaaaaaaa").spool_dir("/tmp/s").effective_spool_dir();
    /// let b = Config::new("sk_test_bbbbbbbbbb").spool_dir("/tmp/s").effective_spool_dir();
    /// assert!(a.starts_with("/tmp/s"));
    /// assert_ne!(a, b);
    /// ```
    pub fn effective_spool_dir(&self) -> PathBuf {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.base_url.trim_end_matches('/').as_bytes());
        h.update([0]);
        h.update(self.api_key.as_deref().unwrap_or("").as_bytes());
        let digest = h.finalize();
        let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        self.spool_root().join(name)
    }

    /// The dead-letter file: one JSON line per envelope the API refused
    /// permanently, with the reason (`dead-letters.jsonl` in
    /// [`Config::effective_spool_dir`]).
    ///
    /// ```
    /// let c = drip_runtime::config::Config::new("sk_test_0123456789").spool_dir("/tmp/s");
    /// assert!(c.dead_letter_path().ends_with("dead-letters.jsonl"));
    /// ```
    pub fn dead_letter_path(&self) -> PathBuf {
        self.effective_spool_dir().join("dead-letters.jsonl")
    }

    fn spool_root(&self) -> PathBuf {
        if let Some(dir) = &self.spool_dir {
            return dir.clone();
        }
        let state = std::env::var_os("XDG_STATE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute())
                    .map(|home| home.join(".local").join("state"))
            });
        match state {
            Some(state) => state.join("drip").join("spool"),
            None => std::env::temp_dir().join("drip-spool"),
        }
    }

    /// Checks what can be checked without I/O: key shape and trusted base URL.
    pub(crate) fn validate(&self) -> crate::Result<()> {
        // The client's own rules, so `init` refuses (before it opens a spool)
        // exactly what the transport's client would.
        crate::client::KeyKind::check(self.api_key.as_deref().unwrap_or(""))?;
        crate::client::url::parse_base_url(&self.base_url)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_url(url: &str) -> Config {
        Config::new("sk_test_0123456789").base_url(url)
    }

    #[test]
    fn untrusted_urls_are_refused() {
        for url in [
            "http://example.com/v1",
            "https://user:pw@example.com/v1",
            "ftp://localhost/",
            "not a url",
        ] {
            assert!(with_url(url).validate().is_err(), "{url}");
        }
        for url in [
            "https://api.drippay.dev/v1",
            "http://127.0.0.1:9/v1",
            "http://localhost:1/v1",
            "http://[::1]:1/v1",
        ] {
            assert!(with_url(url).validate().is_ok(), "{url}");
        }
    }

    #[test]
    fn short_or_unprefixed_keys_are_refused() {
        assert!(Config::new("sk_short").validate().is_err());
        assert!(Config::new("xx_test_0123456789").validate().is_err());
        assert!(Config::new("sk_test_0123456789").validate().is_ok());
    }
}
