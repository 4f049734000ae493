//! The runtime: one object that owns everything drip needs while it runs —
//! the delivery pipeline, the application's client, the settings that came
//! from [`Config`], the meters to flush before stopping, and the process's
//! counters of calls made outside any run.
//!
//! [`init`] builds one, installs it in the one global slot and returns the
//! guard that owns it (like tracing-core's global dispatcher, or a sentry
//! `Hub` owning its client). A [`Runtime`] can also be started on its own and
//! entered for a scope with [`Runtime::enter`]: instrumented code started on
//! that thread (and the runs it carries) records into it instead of the
//! global one — two runtimes, two configurations, in one process.
//!
//! A run takes its runtime when it starts and keeps it: everything it
//! records goes there, on whatever thread its tasks run.
//!
//! Its privacy rules (the `Config::allow_metadata` keys) and their counters
//! are its own too: [`privacy::Sanitizer`](crate::privacy::Sanitizer).
//! Nothing else in drip is process-global except what must be (ARCHITECTURE.md
//! lists each with its reason): this module's slot and on/off word, the
//! thread-local run stacks, the idempotency nonce, the compiled detectors,
//! the manifest's allowed keys (compiled into the program), and the secrets
//! registered with [`privacy::register_secret`](crate::privacy::register_secret)
//! (a secret known anywhere in the process must never leave through any runtime).
//!
//! # Starting and stopping
//!
//! ```
//! # fn main() -> drip_runtime::Result<()> {
//! use drip_runtime::config::Config;
//! use std::time::Duration;
//! # let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
//! # let config = Config::new(emulator.secret_key())
//! #     .base_url(emulator.base_url())
//! #     .spool_dir(std::env::temp_dir().join("drip-doc-module"));
//! // In production: `Config::from_env()` (DRIP_API_KEY, DRIP_API_URL …).
//! let guard = drip_runtime::init(config)?;
//! // … run the agent …
//! let report = drip_runtime::shutdown(Duration::from_secs(5));
//! assert_eq!(report.dropped, 0);
//! drop(guard); // already shut down: returns at once
//! # let _ = std::fs::remove_dir_all(std::env::temp_dir().join("drip-doc-module"));
//! # Ok(())
//! # }
//! ```
//!
//! # Without `init`
//!
//! Delivery starts only from [`init`] (or [`Runtime::start`]). A key in the
//! environment alone starts nothing — so a test binary run in a shell that
//! holds a production key bills no one. When instrumented code runs with
//! `DRIP_API_KEY` set and `init` was never called, drip logs one WARN (target
//! `drip`) saying to call `drip::init(drip::Config::from_env())` at the start
//! of `main` and keep the guard, and records nothing.

mod global;
mod hash;
mod lifecycle;
mod sink;

#[cfg(feature = "test-util")]
#[doc(hidden)]
pub mod __test_hooks;

pub(crate) use global::{
    Scope, count_outside_run, enabled, orphan, overrides_active, run_depth, set_run_depth,
    thread_scope,
};
pub use hash::hash_id;
pub use lifecycle::{DripGuard, EnterGuard, client, flush, init, shutdown, stats};
pub(crate) use sink::Sink;

use crate::client::Client;
use crate::config::Config;
use crate::delivery::{FlushReport, Lingering, Pipeline, Stats, Submission};
use crate::privacy::Sanitizer;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

/// A running drip: its delivery pipeline, its client and its settings.
///
/// Cheap to clone (one `Arc`). Most programs never name it: [`init`] starts
/// one and installs it for the whole process. Name it to run a second,
/// independent configuration in one process — a scope of a test, a tenant
/// with its own key — through [`Runtime::enter`].
///
/// ```
/// # fn main() -> drip_runtime::Result<()> {
/// # let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
/// # let spool = std::env::temp_dir().join(format!("drip-doc-runtime-{}", std::process::id()));
/// let runtime = drip_runtime::Runtime::start(
///     drip_runtime::Config::new(emulator.secret_key())
///         .base_url(emulator.base_url())
/// #       .spool_dir(&spool)
/// )?;
/// assert!(runtime.stats().running);
/// let report = runtime.shutdown(std::time::Duration::from_secs(5));
/// assert!(report.is_complete());
/// # let _ = std::fs::remove_dir_all(&spool);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    sink: Destination,
    /// The privacy rules (with `Config::allow_metadata`) all of this
    /// runtime's work crosses, shared with its pipeline and client, and
    /// their counts.
    privacy: Arc<Sanitizer>,
    client: Option<Client>,
    /// The key of [`hash_id`].
    hash_key: Option<Arc<[u8]>>,
    /// Events a record-mode run keeps before it streams the rest.
    record_buffer_limit: usize,
    shutdown_deadline: Duration,
    /// Live meters, flushed before the pipeline flushes or stops.
    meters: Mutex<Vec<Weak<dyn FlushBeforeStop>>>,
}

/// Where a runtime's finished work goes.
enum Destination {
    Pipeline(Arc<Pipeline>),
    /// A test's capture (feature `test-util`).
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    Other(Arc<dyn Sink>),
}

/// Something holding quantities that must reach the pipeline before it
/// flushes or stops (a [`StreamMeter`](crate::StreamMeter)).
pub(crate) trait FlushBeforeStop: Send + Sync {
    fn flush_before_stop(&self);
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field(
                "sink",
                &match self.inner.sink {
                    Destination::Pipeline(_) => "pipeline",
                    Destination::Other(_) => "capture",
                },
            )
            .field("client", &self.inner.client)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// Starts a runtime from `config` (its pipeline and client) without
    /// installing it: enter it with [`enter`](Runtime::enter), stop it with
    /// [`shutdown`](Runtime::shutdown) (dropping the last clone also stops
    /// it, with the configured shutdown deadline).
    ///
    /// Errors: a disabled configuration (no key), a malformed key, an
    /// untrusted base URL, a spool directory that cannot be created or written.
    ///
    /// ```
    /// let err = drip_runtime::Runtime::start(drip_runtime::Config::new("sk_test_0123456789").disabled(true)).unwrap_err();
    /// assert!(err.to_string().contains("disabled"));
    /// ```
    pub fn start(config: Config) -> crate::Result<Runtime> {
        if config.is_disabled() {
            return Err(crate::Error::Config {
                reason: "Runtime::start was given a disabled configuration (no API key, or DRIP_DISABLED); use drip::init for an optional SDK".into(),
            });
        }
        config.validate()?;
        let privacy = Arc::new(config.sanitizer());
        let client = Client::builder()
            .api_key(config.api_key.clone().unwrap_or_default())
            .base_url(config.base_url.clone())
            .privacy(privacy.clone())
            .build()?;
        let record_buffer_limit = config.run_buffer_events.max(1);
        let shutdown_deadline = config.shutdown_deadline;
        let hash_key = config
            .hash_key
            .as_deref()
            .filter(|k| !k.is_empty())
            .map(|k| {
                // The key is a secret too: never sent, scrubbed from server text.
                if let Ok(text) = std::str::from_utf8(k) {
                    crate::privacy::register_secret(text);
                }
                Arc::<[u8]>::from(k)
            });
        let pipeline = Pipeline::start(config, privacy.clone())?;
        Ok(Runtime::new(
            Destination::Pipeline(pipeline),
            privacy,
            Some(client),
            hash_key,
            record_buffer_limit,
            shutdown_deadline,
        ))
    }

    /// A runtime whose work goes to `sink` (a test's capture).
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    pub(crate) fn with_sink(sink: Arc<dyn Sink>, privacy: Arc<Sanitizer>) -> Runtime {
        Runtime::new(
            Destination::Other(sink),
            privacy,
            None,
            Some(hash::test_key()),
            crate::config::DEFAULT_RUN_BUFFER_EVENTS,
            Duration::ZERO,
        )
    }

    fn new(
        sink: Destination,
        privacy: Arc<Sanitizer>,
        client: Option<Client>,
        hash_key: Option<Arc<[u8]>>,
        record_buffer_limit: usize,
        shutdown_deadline: Duration,
    ) -> Runtime {
        Runtime {
            inner: Arc::new(Inner {
                sink,
                privacy,
                client,
                hash_key,
                record_buffer_limit,
                shutdown_deadline,
                meters: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Makes this runtime the one instrumented code started on this thread
    /// records into, until the guard drops — also for the runs it starts and
    /// the tasks those runs carry with `drip::spawn`. Innermost wins; the
    /// guard is `!Send` (drop it on the thread that made it).
    ///
    /// ```
    /// # fn main() -> drip_runtime::Result<()> {
    /// # let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// # let spool = std::env::temp_dir().join(format!("drip-doc-enter-{}", std::process::id()));
    /// let tenant = drip_runtime::Runtime::start(
    ///     drip_runtime::Config::new(emulator.secret_key()).base_url(emulator.base_url())
    /// #       .spool_dir(&spool)
    /// )?;
    /// {
    ///     let _scope = tenant.enter();
    ///     // `#[drip::run]` functions called here deliver through `tenant`.
    /// }
    /// tenant.shutdown(std::time::Duration::from_secs(5));
    /// # let _ = std::fs::remove_dir_all(&spool);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use = "the scope ends when the guard is dropped"]
    pub fn enter(&self) -> EnterGuard {
        EnterGuard::new(Scope::push(Some(self.clone())))
    }

    /// The client built from this runtime's configuration (same key and base
    /// URL); `None` for a test capture.
    ///
    /// ```
    /// let cap = drip_runtime::testing::capture();
    /// assert!(cap.runtime().client().is_none());
    /// ```
    pub fn client(&self) -> Option<&Client> {
        self.inner.client.as_ref()
    }

    /// Sends everything submitted so far and waits until it is acknowledged
    /// or `deadline` has passed; see [`flush`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cap = drip_runtime::testing::capture();
    /// let report = cap.runtime().flush(std::time::Duration::from_secs(1)).await;
    /// assert!(report.is_complete());
    /// # }
    /// ```
    pub async fn flush(&self, deadline: Duration) -> FlushReport {
        self.flush_meters();
        match &self.inner.sink {
            Destination::Pipeline(p) => p.flush(deadline).await,
            Destination::Other(_) => FlushReport::default(),
        }
    }

    /// Drains and stops this runtime's pipeline within `deadline`; see [`shutdown`].
    ///
    /// ```
    /// let cap = drip_runtime::testing::capture();
    /// assert_eq!(cap.runtime().shutdown(std::time::Duration::from_secs(1)).dropped, 0);
    /// ```
    pub fn shutdown(&self, deadline: Duration) -> FlushReport {
        self.flush_meters();
        match &self.inner.sink {
            Destination::Pipeline(p) => p.stop(deadline),
            Destination::Other(_) => FlushReport::default(),
        }
    }

    /// What this runtime's pipeline achieved so far.
    pub(crate) fn report(&self) -> FlushReport {
        match &self.inner.sink {
            Destination::Pipeline(p) => p.report(),
            Destination::Other(_) => FlushReport::default(),
        }
    }

    /// This runtime's counters; see [`stats`].
    ///
    /// ```
    /// let cap = drip_runtime::testing::capture();
    /// assert!(!cap.runtime().stats().running);
    /// ```
    pub fn stats(&self) -> Stats {
        let mut stats = match &self.inner.sink {
            Destination::Pipeline(p) => p.stats(),
            Destination::Other(_) => Stats::default(),
        };
        stats.outside_run = global::outside_run();
        stats.privacy = self.inner.privacy.counters();
        stats.requests = crate::request_stats::snapshot();
        stats
    }

    /// Hands finished work over. `duration` is a run's measured length on
    /// the envelope that ends it.
    #[inline]
    pub(crate) fn send(&self, work: impl Into<Submission>, duration: Option<Duration>) {
        match &self.inner.sink {
            Destination::Pipeline(p) => p.submit(work.into()),
            // A sink takes work as it comes: a follow-up goes on its own,
            // after the work it follows.
            Destination::Other(sink) => {
                let work = work.into();
                let source = work.follow_up_source();
                sink.send(work, duration);
                if let Some(then) = source.and_then(|s| s.follow_up()) {
                    sink.send(then, None);
                }
            }
        }
    }

    /// Tells a test's capture about a call made outside any run.
    fn note_unattached(&self, name: &str) {
        if let Destination::Other(sink) = &self.inner.sink {
            sink.note_unattached(name);
        }
    }

    /// The key of [`hash_id`], if the configuration has one.
    fn hash_key(&self) -> Option<Arc<[u8]>> {
        self.inner.hash_key.clone()
    }

    /// Keeps `holder` (a streaming run) to have what it buffers handed over
    /// every `linger` by the pipeline; `false` when this runtime's sink takes
    /// work as it comes and sweeps nothing (a test's capture), so the holder
    /// should hand everything over at once.
    pub(crate) fn linger_with(&self, holder: Weak<dyn Lingering>) -> bool {
        match &self.inner.sink {
            Destination::Pipeline(p) => {
                p.linger_with(holder);
                true
            }
            Destination::Other(_) => false,
        }
    }

    /// Events a record-mode run started now keeps before streaming the rest.
    pub(crate) fn record_buffer_limit(&self) -> usize {
        self.inner.record_buffer_limit
    }

    /// Keeps `meter` to be flushed before this runtime flushes or stops.
    pub(crate) fn register_meter(&self, meter: Weak<dyn FlushBeforeStop>) {
        let mut meters = self
            .inner
            .meters
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        meters.retain(|m| m.strong_count() > 0);
        meters.push(meter);
    }

    pub(crate) fn flush_meters(&self) {
        let live: Vec<_> = self
            .inner
            .meters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for meter in live {
            meter.flush_before_stop();
        }
    }

    pub(crate) fn shutdown_deadline(&self) -> Duration {
        self.inner.shutdown_deadline
    }

    /// Whether work handed over now will be taken (not after shutdown).
    pub(crate) fn accepts_work(&self) -> bool {
        match &self.inner.sink {
            Destination::Pipeline(p) => p.accepts_work(),
            Destination::Other(_) => true,
        }
    }

    /// Whether both are the same runtime.
    pub(crate) fn same(&self, other: &Runtime) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last clone of a runtime nobody stopped: drain it like a guard would.
        if let Destination::Pipeline(p) = &self.sink {
            p.stop(self.shutdown_deadline);
        }
    }
}

/// The runtime instrumented code started here records into (this thread's
/// scoped runtime, else the global one).
pub(crate) fn current() -> Option<Runtime> {
    global::current()
}

/// Tells this thread's scoped capture, if any, about a call made outside any
/// run (a test asserting on it). Free when no scope exists anywhere.
#[inline]
pub(crate) fn note_unattached(name: &str) {
    if overrides_active()
        && let Some(Some(rt)) = global::thread_scope()
    {
        rt.note_unattached(name);
    }
}
