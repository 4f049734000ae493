//! The process's runtime: `init` and its guard, and the free functions that
//! act on whatever runtime is installed.

use super::Runtime;
use super::global::{self, Scope};
use crate::client::Client;
use crate::config::Config;
use crate::delivery::{FlushReport, Stats};
use std::marker::PhantomData;
use std::time::Duration;

/// Keeps the runtime started by [`init`] alive; dropping it drains it with
/// the configured shutdown deadline (default 5 s) — what is not acknowledged
/// by then stays in the spool for the next start.
///
/// Dropping the guard blocks the dropping thread for at most that deadline.
///
/// ```no_run
/// # fn main() -> drip_runtime::Result<()> {
/// let _guard = drip_runtime::init(drip_runtime::Config::from_env())?;
/// // instrumented work …
/// # Ok(())
/// # } // `_guard` drops here and drains
/// ```
#[must_use = "dropping the guard shuts delivery down at once; keep it alive for the life of the program"]
#[derive(Debug)]
pub struct DripGuard {
    runtime: Option<Runtime>,
}

impl DripGuard {
    /// The client built from the same configuration as the pipeline (same key
    /// and base URL, default retries), for the application's own calls —
    /// `check_entitlement`, `get_run_timeline` …; `None` when drip is disabled.
    /// Also reachable without the guard through [`client`].
    ///
    /// ```
    /// # fn main() -> drip_runtime::Result<()> {
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// # let spool = std::env::temp_dir().join(format!("drip-doc-guard-client-{}", std::process::id()));
    /// let guard = drip_runtime::init(
    ///     drip_runtime::Config::new(emulator.secret_key()).base_url(emulator.base_url())
    /// #       .spool_dir(&spool)
    /// )?;
    /// assert_eq!(guard.client().unwrap().base_url(), emulator.base_url());
    /// guard.shutdown();
    /// # let _ = std::fs::remove_dir_all(&spool);
    /// # Ok(())
    /// # }
    /// ```
    pub fn client(&self) -> Option<&Client> {
        self.runtime.as_ref().and_then(Runtime::client)
    }

    /// The runtime this guard owns; `None` when drip is disabled.
    ///
    /// ```
    /// let guard = drip_runtime::init(drip_runtime::Config::new("sk_test_0123456789").disabled(true)).unwrap();
    /// assert!(guard.runtime().is_none());
    /// ```
    pub fn runtime(&self) -> Option<&Runtime> {
        self.runtime.as_ref()
    }

    /// Drains now and returns the report (like [`shutdown`] with the guard's deadline).
    pub fn shutdown(mut self) -> FlushReport {
        self.shutdown_inner()
    }

    fn shutdown_inner(&mut self) -> FlushReport {
        match self.runtime.take() {
            Some(rt) => stop(&rt, rt.shutdown_deadline()),
            None => FlushReport::default(),
        }
    }
}

impl Drop for DripGuard {
    fn drop(&mut self) {
        self.shutdown_inner();
    }
}

/// Returned by [`Runtime::enter`]: the scope ends when it drops.
#[must_use = "the scope ends when the guard is dropped"]
#[derive(Debug)]
pub struct EnterGuard {
    _scope: Scope,
    _not_send: PhantomData<*const ()>,
}

impl EnterGuard {
    pub(super) fn new(scope: Scope) -> EnterGuard {
        EnterGuard {
            _scope: scope,
            _not_send: PhantomData,
        }
    }
}

/// Starts drip for the whole process: the delivery pipeline and the
/// application's client, installed as the global runtime.
///
/// Returns a disabled guard (and starts nothing) when the configuration is
/// disabled (no key, `DRIP_DISABLED=1`). Errors: a malformed key, an untrusted
/// base URL, a spool directory that cannot be created or written, or a
/// runtime already started by `init` (keep the first guard).
///
/// ```
/// use drip_runtime::config::Config;
/// # fn main() -> drip_runtime::Result<()> {
/// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
/// let guard = drip_runtime::init(
///     Config::new(emulator.secret_key())
///         .base_url(emulator.base_url())
/// #       .spool_dir(std::env::temp_dir().join("drip-doc-init"))
/// )?;
/// assert!(drip_runtime::stats().running);
/// let report = guard.shutdown();
/// assert!(report.is_complete());
/// # let _ = std::fs::remove_dir_all(std::env::temp_dir().join("drip-doc-init"));
/// # Ok(())
/// # }
/// ```
pub fn init(config: Config) -> crate::Result<DripGuard> {
    if config.is_disabled() {
        global::disable();
        tracing::info!(target: "drip", "drip disabled: nothing will be delivered");
        return Ok(DripGuard { runtime: None });
    }
    if global::global().is_some() {
        return Err(crate::Error::Config {
            reason: "drip::init was called while a pipeline started by an earlier init is running; keep and reuse the first guard".into(),
        });
    }
    let spool_dir = config.effective_spool_dir();
    let runtime = Runtime::start(config)?;
    global::install(runtime.clone());
    if let Some(client) = runtime.client() {
        tracing::info!(
            target: "drip",
            key_kind = %client.key_kind(),
            host = %client.host(),
            spool_dir = %spool_dir.display(),
            "drip started"
        );
    }
    Ok(DripGuard {
        runtime: Some(runtime),
    })
}

/// Uninstalls `runtime` (if installed) and drains it.
fn stop(runtime: &Runtime, deadline: Duration) -> FlushReport {
    // Meters first, while instrumented code can still reach the runtime.
    runtime.flush_meters();
    global::uninstall(runtime);
    log_stopped(runtime.shutdown(deadline))
}

/// The one INFO line of a shutdown, with what it achieved.
fn log_stopped(report: FlushReport) -> FlushReport {
    tracing::info!(
        target: "drip",
        sent = report.sent,
        duplicates = report.duplicates,
        rejected = report.rejected,
        spooled = report.spooled,
        dropped = report.dropped,
        "drip stopped"
    );
    report
}

/// The client [`init`] built from its [`Config`] (same key and base URL, the
/// client's default retries): one configuration for the pipeline and the
/// application's own calls, like sentry's `Hub::client()`. `None` when no
/// runtime runs (no `init`, drip disabled, or after shutdown).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> drip_runtime::Result<()> {
/// let emulator = drip_emulator::Emulator::builder().start().await.unwrap();
/// # let spool = std::env::temp_dir().join(format!("drip-doc-client-{}", std::process::id()));
/// let guard = drip_runtime::init(
///     drip_runtime::Config::new(emulator.secret_key()).base_url(emulator.base_url())
/// #       .spool_dir(&spool)
/// )?;
/// let client = drip_runtime::client().expect("init ran with a key");
/// let customer = client.get_or_create_customer("user_42", None).await?;
/// assert!(!customer.id.is_empty());
/// drop(guard);
/// assert!(drip_runtime::client().is_none());
/// # let _ = std::fs::remove_dir_all(&spool);
/// # Ok(())
/// # }
/// ```
pub fn client() -> Option<Client> {
    global::global().and_then(|rt| rt.client().cloned())
}

/// Sends everything submitted so far and waits until it is acknowledged or
/// `deadline` has passed. What is not acknowledged stays in the spool.
///
/// Works from any async runtime (it only awaits a reply from the transport
/// thread) and returns at once when no runtime is installed.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
/// # let _guard = drip_runtime::init(drip_runtime::config::Config::new(emulator.secret_key())
/// #     .base_url(emulator.base_url())
/// #     .spool_dir(std::env::temp_dir().join("drip-doc-flush"))).unwrap();
/// let report = drip_runtime::flush(std::time::Duration::from_secs(2)).await;
/// println!("{} sent, {} pending in the spool", report.sent, report.spooled);
/// # let _ = std::fs::remove_dir_all(std::env::temp_dir().join("drip-doc-flush"));
/// # }
/// ```
pub async fn flush(deadline: Duration) -> FlushReport {
    match global::global() {
        Some(rt) => rt.flush(deadline).await,
        None => last_report(),
    }
}

/// Drains and stops the installed runtime within `deadline`; what is not
/// acknowledged by then stays in the spool. Synchronous, safe inside or
/// outside any async runtime (it blocks the calling thread for at most about
/// `deadline`), never panics, and returns at once when nothing runs.
///
/// ```
/// let report = drip_runtime::shutdown(std::time::Duration::from_secs(1));
/// assert_eq!(report.spooled, 0); // nothing was running
/// ```
pub fn shutdown(deadline: Duration) -> FlushReport {
    match global::global() {
        Some(rt) => stop(&rt, deadline),
        None => last_report(),
    }
}

fn last_report() -> FlushReport {
    let mut report = global::global_or_last()
        .map(|rt| rt.report())
        .unwrap_or_default();
    report.dropped += global::orphans();
    report
}

/// A snapshot of the installed runtime's counters (of the last one after shutdown).
///
/// ```
/// let s = drip_runtime::stats();
/// println!("{} sent, {} queued, {} retries", s.sent, s.queue_depth, s.retries);
/// ```
pub fn stats() -> Stats {
    let mut stats = match global::global_or_last() {
        Some(rt) => rt.stats(),
        None => Stats {
            requests: crate::request_stats::snapshot(),
            outside_run: global::outside_run(),
            ..Stats::default()
        },
    };
    stats.dropped += global::orphans();
    stats
}
