//! Carrying a run into other tasks and threads.

use super::current;
use super::run::RunState;
use crate::runtime::{Runtime, Scope};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

pin_project_lite::pin_project! {
    /// A future that runs under a run: while it is polled, that run is the
    /// current run, on whichever thread polls it.
    ///
    /// Made by [`InCurrentRun::in_current_run`], [`spawn`] and
    /// `#[drip::run]`'s generated code.
    ///
    /// ```
    /// use drip_runtime::InCurrentRun;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// // Outside any run it simply polls the inner future.
    /// assert_eq!(async { 7 }.in_current_run().await, 7);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct InRun<F> {
        #[pin]
        inner: F,
        carried: Carried,
        // The run's own future (not a task it spawned): it starts the run and
        // reports a panic unwinding through it as the run's failure.
        primary: bool,
    }
}

/// What a wrapped future carries into the task that polls it.
enum Carried {
    Nothing,
    Run(Arc<RunState>),
    /// No run, but a scoped runtime (or a test's capture) on the spawning
    /// thread: runs the task starts record into it too.
    Scope(Runtime),
}

impl Carried {
    /// The current run, else (only while a scoped runtime exists) this thread's.
    fn current() -> Carried {
        if let Some(run) = current::current() {
            return Carried::Run(run);
        }
        if crate::runtime::overrides_active()
            && let Some(Some(runtime)) = crate::runtime::thread_scope()
        {
            return Carried::Scope(runtime);
        }
        Carried::Nothing
    }
}

impl<F> InRun<F> {
    pub(crate) fn primary(run: Option<Arc<RunState>>, inner: F) -> Self {
        InRun {
            inner,
            carried: run.map_or(Carried::Nothing, Carried::Run),
            primary: true,
        }
    }

    fn carrying(carried: Carried, inner: F) -> Self {
        InRun {
            inner,
            carried,
            primary: false,
        }
    }
}

impl<F> std::fmt::Debug for InRun<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let run = match &self.carried {
            Carried::Run(run) => Some(run),
            _ => None,
        };
        f.debug_struct("InRun")
            .field("run", &run)
            .field("scoped", &matches!(self.carried, Carried::Scope(_)))
            .finish_non_exhaustive()
    }
}

impl<F: Future> Future for InRun<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let run = match &*this.carried {
            Carried::Nothing => return this.inner.poll(cx),
            Carried::Scope(runtime) => {
                let _scope = Scope::push(Some(runtime.clone()));
                return this.inner.poll(cx);
            }
            Carried::Run(run) => run,
        };
        if *this.primary {
            run.begin();
        }
        let _span = run.span.enter();
        let _entered = current::enter(Arc::clone(run));
        let _watch = PanicWatch {
            run: this.primary.then_some(&**run),
        };
        this.inner.poll(cx)
    }
}

/// Notes a panic unwinding out of a run's own future. The future itself is
/// dropped later, when the panic is no longer visible, so its guards could not
/// tell a panic from a cancellation on their own.
struct PanicWatch<'a> {
    run: Option<&'a RunState>,
}

impl Drop for PanicWatch<'_> {
    fn drop(&mut self) {
        if let Some(run) = self.run
            && std::thread::panicking()
        {
            run.mark_panicked();
        }
    }
}

/// Runs any future under the current run, wherever it is polled.
///
/// `tokio::spawn` starts a new task with no run, so instrumented code in it
/// records nothing; wrap the future first (or use [`spawn`]). Without a
/// current run the wrapper just polls the future (in a test, it carries the
/// thread's `testing::capture` instead, so runs the task
/// starts are captured).
///
/// ```
/// use drip_runtime::InCurrentRun;
///
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap().block_on(async {
/// let cap = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
/// run.instrument(async {
///     let task = async { drip_runtime::plan("sub-task") }.in_current_run();
///     tokio::spawn(task).await.unwrap();
/// }).await;
/// run.end(drip_runtime::RunEnd::Completed);
/// assert_eq!(cap.runs()[0].events.len(), 1);
/// # Ok::<(), drip_runtime::Error>(()) }).unwrap();
/// ```
pub trait InCurrentRun: Future + Sized {
    /// Wraps `self` so it runs under the run current at this call.
    fn in_current_run(self) -> InRun<Self> {
        InRun::carrying(Carried::current(), self)
    }
}

impl<F: Future> InCurrentRun for F {}

/// `tokio::spawn` that carries the current run into the new task (in a test
/// with no current run: the thread's `testing::capture`).
///
/// Events recorded by the task after its run has ended are dropped (with a
/// one-time warning): await the handle before the run returns.
/// Must be called from within a tokio runtime, like `tokio::spawn`.
///
/// ```
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap().block_on(async {
/// let cap = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
/// run.instrument(async {
///     let a = drip_runtime::spawn(async { drip_runtime::llm_call("gpt-4o", 10) });
///     let b = drip_runtime::spawn(async { drip_runtime::llm_call("gpt-4o", 20) });
///     a.await.unwrap();
///     b.await.unwrap();
/// }).await;
/// run.end(drip_runtime::RunEnd::Completed);
/// assert_eq!(cap.runs()[0].events.len(), 2);
/// # Ok::<(), drip_runtime::Error>(()) }).unwrap();
/// ```
pub fn spawn<F>(fut: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(fut.in_current_run())
}

/// The run the calling code executes under, if any.
///
/// ```
/// assert!(drip_runtime::current_run().is_none());
/// ```
pub fn current_run() -> Option<RunInfo> {
    current::current().map(|run| RunInfo { run })
}

/// A handle on a run: who it is for, its ids, and a way to run code under it
/// elsewhere (a blocking thread, a thread pool).
///
/// ```
/// let cap = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("support-agent")?.start("cus_7");
/// let info = run.in_scope(|| drip_runtime::current_run()).unwrap();
/// assert_eq!(info.workflow(), "support-agent");
/// assert_eq!(info.customer_id(), "cus_7");
/// std::thread::spawn(move || info.in_scope(|| drip_runtime::plan("on another thread")))
///     .join()
///     .unwrap();
/// run.end(drip_runtime::RunEnd::Completed);
/// assert_eq!(cap.runs()[0].events.len(), 1);
/// # Ok::<(), drip_runtime::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RunInfo {
    run: Arc<RunState>,
}

impl RunInfo {
    /// The run's client-made id (`externalRunId`), e.g. `xrun_9f3c…`: yours
    /// to log and correlate; not what [`Client::get_run`](crate::Client::get_run)
    /// takes — that is [`RunInfo::run_id`].
    ///
    /// ```
    /// assert!(drip_runtime::current_run().map(|r| r.external_run_id()).is_none());
    /// ```
    pub fn external_run_id(&self) -> crate::model::ExternalRunId {
        crate::model::ExternalRunId::new(self.run.external_run_id())
    }

    /// The server's id of this run, for [`Client::get_run`](crate::Client::get_run)
    /// and [`Client::get_run_timeline`](crate::Client::get_run_timeline):
    /// known once the server has acknowledged the run's start (stream runs)
    /// or the whole run (record runs) in this process — after
    /// [`drip::flush`](crate::flush) for a run that has ended. `None` before.
    /// The same as [`find_run_id`](crate::find_run_id) of
    /// [`RunInfo::external_run_id`].
    ///
    /// ```
    /// let _capture = drip_runtime::testing::capture();
    /// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
    /// let info = run.in_scope(drip_runtime::current_run).unwrap();
    /// run.end(drip_runtime::RunEnd::Completed);
    /// assert!(info.run_id().is_none(), "captured, never delivered");
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn run_id(&self) -> Option<crate::model::RunId> {
        crate::client::find_run_id(&self.external_run_id())
    }

    /// The enclosing run's id when this run was started inside another.
    ///
    /// ```
    /// assert!(drip_runtime::current_run().and_then(|r| r.parent_external_run_id()).is_none());
    /// ```
    pub fn parent_external_run_id(&self) -> Option<crate::model::ExternalRunId> {
        self.run
            .parent_external_run_id()
            .map(crate::model::ExternalRunId::new)
    }

    /// The workflow slug.
    ///
    /// ```
    /// assert!(drip_runtime::current_run().map(|r| r.workflow()).is_none());
    /// ```
    pub fn workflow(&self) -> &'static str {
        self.run.workflow()
    }

    /// The customer the run is attributed to: Drip's customer id, empty for
    /// a run opened with `external_customer = …` (see
    /// [`external_customer`](Self::external_customer); delivery resolves it).
    ///
    /// ```
    /// assert!(drip_runtime::current_run().map(|r| r.customer_id().to_owned()).is_none());
    /// ```
    pub fn customer_id(&self) -> &str {
        &self.run.customer_id
    }

    /// The application's id for the customer, for a run opened with
    /// `external_customer = …`.
    ///
    /// ```
    /// let _cap = drip_runtime::testing::capture();
    /// let run = drip_runtime::RunTemplate::new("w")?.start_external("user_7");
    /// let ext = run.in_scope(|| drip_runtime::current_run().and_then(|r| r.external_customer().map(str::to_owned)));
    /// assert_eq!(ext.as_deref(), Some("user_7"));
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn external_customer(&self) -> Option<&str> {
        self.run.external_customer.as_deref()
    }

    /// The correlation id given to the run, if any.
    ///
    /// ```
    /// assert!(drip_runtime::current_run().and_then(|r| r.correlation_id().map(str::to_owned)).is_none());
    /// ```
    pub fn correlation_id(&self) -> Option<&str> {
        self.run.correlation_id.as_deref()
    }

    /// Runs `f` under this run on the calling thread.
    ///
    /// ```
    /// let cap = drip_runtime::testing::capture();
    /// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
    /// let info = run.in_scope(drip_runtime::current_run).unwrap();
    /// // Later, outside `in_scope` (e.g. in a callback or a blocking pool):
    /// info.in_scope(|| drip_runtime::llm_call("gpt-4o", 64));
    /// run.end(drip_runtime::RunEnd::Completed);
    /// assert_eq!(cap.runs()[0].events.len(), 1);
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _span = self.run.span.enter();
        let _entered = current::enter(Arc::clone(&self.run));
        f()
    }

    /// Wraps `fut` so it runs under this run wherever it is polled.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let cap = drip_runtime::testing::capture();
    /// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
    /// let info = run.in_scope(drip_runtime::current_run).unwrap();
    /// info.instrument(async { drip_runtime::plan("resume later") }).await;
    /// run.end(drip_runtime::RunEnd::Completed);
    /// assert_eq!(cap.runs()[0].event_types(), ["agent.plan"]);
    /// # Ok::<(), drip_runtime::Error>(()) }).unwrap();
    /// ```
    pub fn instrument<F: Future>(&self, fut: F) -> InRun<F> {
        InRun::carrying(Carried::Run(Arc::clone(&self.run)), fut)
    }
}
