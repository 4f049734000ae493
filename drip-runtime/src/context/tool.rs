//! A `#[drip::tool]` call in progress.

use super::current;
use super::pending::{PendingEvent, RuntimeValues, ToolExtra, ToolRecord, merge_user_metadata};
use super::run::RunState;
use super::site::{Outcome, ToolSite};
use super::warn_once::{WarnOnce, already_warned, warn_once};
use crate::clock::{self, Tick};
use crate::delivery::Envelope;
use crate::metadata::Value;
use crate::model::{Charge, ToolStatus, TrackUsage, idempotency, tool_call_metadata};
use crate::runtime::Runtime;
use std::borrow::Cow;
use std::sync::Arc;

/// A tool call in progress, made by generated code for `#[drip::tool]`.
///
/// Inside a run, [`finish`](ToolCall::finish) adds a `tool.call` event to the
/// run; outside any run with `customer` and `meter`, it tracks one unit of
/// usage; otherwise the call is inactive and costs nothing. Dropped without
/// `finish`, it records `cancelled` (or `panicked` while a panic unwinds).
///
/// ```
/// use drip_runtime::private::{tool_enter, Outcome, ToolSite};
/// static TOOL: ToolSite = ToolSite { name: "web-search", metadata: &[], meter: None, error_message: false };
///
/// let cap = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
/// run.in_scope(|| tool_enter(&TOOL).finish(Outcome::Ok));
/// run.end(drip_runtime::RunEnd::Completed);
/// let event = &cap.runs()[0].events[0];
/// assert_eq!(event.event_type, "tool.call");
/// assert_eq!(event.metadata.as_ref().unwrap().get("status"), Some(&"ok".into()));
/// # Ok::<(), drip_runtime::Error>(())
/// ```
#[derive(Debug)]
pub struct ToolCall {
    active: Option<Active>,
}

#[derive(Debug)]
struct Active {
    target: Target,
    site: &'static ToolSite,
    started: Tick,
    values: Option<Box<RuntimeValues>>,
    /// `drip.tool` (target `drip::tool`, DEBUG); disabled when no subscriber wants it.
    span: tracing::Span,
}

#[derive(Debug)]
enum Target {
    Run(Arc<RunState>),
    Usage(Box<UsageTarget>),
}

struct UsageTarget {
    /// Empty when `external_customer` names the customer: delivery resolves it.
    customer_id: String,
    external_customer: Option<String>,
    meter: &'static str,
    runtime: Runtime,
    /// Charged (`POST /usage`) rather than tracked.
    charge: bool,
}

impl std::fmt::Debug for UsageTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageTarget")
            .field("meter", &self.meter)
            .finish_non_exhaustive()
    }
}

impl ToolCall {
    /// A call that records nothing.
    ///
    /// ```
    /// assert!(!drip_runtime::private::ToolCall::inactive().is_active());
    /// ```
    #[inline]
    pub fn inactive() -> Self {
        ToolCall { active: None }
    }

    /// Whether anything will be recorded.
    ///
    /// ```
    /// use drip_runtime::private::{tool_enter, ToolSite};
    /// static TOOL: ToolSite = ToolSite { name: "t", metadata: &[], meter: None, error_message: false };
    /// // Outside any run, a tool without `customer`/`meter` records nothing.
    /// assert!(!tool_enter(&TOOL).is_active());
    /// ```
    #[inline]
    pub fn is_active(&self) -> bool {
        self.active.is_some()
    }

    /// Adds a run-time metadata value (key checked at compile time; the value
    /// passes the run-time value rules when the event is built).
    ///
    /// ```
    /// use drip_runtime::private::{tool_enter, Outcome, ToolSite};
    /// static TOOL: ToolSite = ToolSite { name: "t", metadata: &[], meter: None, error_message: false };
    /// let cap = drip_runtime::testing::capture();
    /// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
    /// run.in_scope(|| {
    ///     let mut call = tool_enter(&TOOL);
    ///     call.metadata("document_count", 3);
    ///     call.finish(Outcome::Ok);
    /// });
    /// run.end(drip_runtime::RunEnd::Completed);
    /// let m = cap.runs()[0].events[0].metadata.clone().unwrap();
    /// assert_eq!(m.get("document_count"), Some(&3.into()));
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn metadata(&mut self, key: &'static str, value: impl Into<Value>) {
        if let Some(active) = &mut self.active {
            active
                .values
                .get_or_insert_with(Default::default)
                .push((key, value.into()));
        }
    }

    /// Records the call's outcome: `ok`, or `error` with `error_type` = the
    /// error's kind (its redacted message only with `error_message`).
    ///
    /// ```
    /// use drip_runtime::private::{tool_enter, Outcome, ToolSite};
    /// static TOOL: ToolSite = ToolSite { name: "t", metadata: &[], meter: None, error_message: false };
    /// let cap = drip_runtime::testing::capture();
    /// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
    /// run.in_scope(|| tool_enter(&TOOL).finish(Outcome::Err { kind: "IoError".into(), message: None }));
    /// run.end(drip_runtime::RunEnd::Completed);
    /// let m = cap.runs()[0].events[0].metadata.clone().unwrap();
    /// assert_eq!(m.get("status"), Some(&"error".into()));
    /// assert_eq!(m.get("error_type"), Some(&"IoError".into()));
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    #[inline]
    pub fn finish(mut self, outcome: Outcome) {
        if let Some(active) = self.active.take() {
            match outcome {
                Outcome::Ok => active.record(ToolStatus::Ok, None, None),
                Outcome::Err { kind, message } => {
                    let message = message.filter(|_| active.site.error_message);
                    active.record(ToolStatus::Error, Some(kind), message);
                }
            }
        }
    }
}

impl Drop for ToolCall {
    // Inlined so a finished or inactive call (the generated code's normal
    // path) costs one test, not a cross-crate call.
    #[inline]
    fn drop(&mut self) {
        if let Some(active) = self.active.take() {
            active.record_unfinished();
        }
    }
}

impl Active {
    /// Dropped without `finish`: cancelled, or panicked while unwinding.
    #[cold]
    #[inline(never)]
    fn record_unfinished(self) {
        let panicked = std::thread::panicking()
            || matches!(&self.target, Target::Run(run) if run.has_panicked());
        let status = if panicked {
            ToolStatus::Panicked
        } else {
            ToolStatus::Cancelled
        };
        self.record(status, None, None);
    }

    fn record(
        self,
        status: ToolStatus,
        error_type: Option<Cow<'static, str>>,
        message: Option<String>,
    ) {
        let ended = clock::now();
        let elapsed = ended.saturating_duration_since(self.started);
        match self.target {
            Target::Run(run) => run.push(PendingEvent::Tool(ToolRecord {
                site: self.site,
                ended,
                elapsed,
                status,
                extra: ToolExtra::new(error_type, message, self.values),
            })),
            Target::Usage(usage) => {
                let mut metadata = tool_call_metadata(self.site.name, elapsed, status);
                if let Some(kind) = error_type {
                    metadata.insert("error_type", kind.into_owned());
                }
                merge_user_metadata(&mut metadata, self.site, self.values);
                let envelope = if usage.charge {
                    Envelope::charge(
                        Charge::new(usage.customer_id, usage.meter, 1.0)
                            .idempotency_key(idempotency::new_key("charge"))
                            .metadata(metadata),
                    )
                } else {
                    Envelope::usage(
                        TrackUsage::new(usage.customer_id, usage.meter, 1.0)
                            .idempotency_key(idempotency::new_key("usage"))
                            .metadata(metadata),
                    )
                };
                usage.runtime.send(
                    envelope.for_external_customer(usage.external_customer),
                    None,
                );
            }
        }
    }
}

/// Starts a tool call inside the current run, if any (the SDK is known to be
/// enabled or is checked here).
#[inline]
pub(crate) fn tool_enter(site: &'static ToolSite) -> ToolCall {
    if !super::enabled() {
        return ToolCall::inactive();
    }
    match current::current() {
        Some(run) => ToolCall::in_run(run, site),
        None => outside_run(site),
    }
}

/// A metered call that needs no customer: inactive (SDK off) or inside a run.
/// `None`: outside any run, to be tracked as usage by [`tool_enter_metered`].
#[inline]
pub(crate) fn tool_begin_metered(site: &'static ToolSite) -> Option<ToolCall> {
    if !super::enabled() {
        return Some(ToolCall::inactive());
    }
    current::current().map(|run| ToolCall::in_run(run, site))
}

/// Whose id a metered tool's customer expression gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CustomerKind {
    /// `customer = …`: Drip's id.
    Drip,
    /// `external_customer = …`: the application's id, resolved by delivery.
    External,
}

/// Starts a metered tool call: inside a run like any tool, outside any run as
/// usage for `customer` (an id of `kind`) on `site.meter`. `customer` is only
/// evaluated outside a run.
#[inline]
pub(crate) fn tool_enter_metered(
    site: &'static ToolSite,
    customer: impl FnOnce() -> String,
    kind: CustomerKind,
    charge: bool,
) -> ToolCall {
    if !super::enabled() {
        return ToolCall::inactive();
    }
    if let Some(run) = current::current() {
        return ToolCall::in_run(run, site);
    }
    let Some(meter) = site.meter else {
        return outside_run(site);
    };
    let id = customer();
    if id.trim().is_empty() {
        warn_once(
            WarnOnce::EmptyCustomer,
            match kind {
                CustomerKind::Drip => {
                    "drip: a metered tool was called with an empty customer id and is not recorded; pass the customer's id to `customer = …`"
                }
                CustomerKind::External => {
                    "drip: a metered tool was called with an empty external customer id and is not recorded; pass your own id for the customer to `external_customer = …`"
                }
            },
        );
        return ToolCall::inactive();
    }
    let (customer_id, external_customer) = match kind {
        CustomerKind::Drip => (id, None),
        CustomerKind::External => (String::new(), Some(id)),
    };
    let Some(runtime) = crate::runtime::current() else {
        return ToolCall::inactive();
    };
    ToolCall {
        active: Some(Active {
            target: Target::Usage(Box::new(UsageTarget {
                customer_id,
                external_customer,
                meter,
                runtime,
                charge,
            })),
            site,
            started: clock::now(),
            values: None,
            span: tool_span(site),
        }),
    }
}

impl ToolCall {
    #[inline]
    fn in_run(run: Arc<RunState>, site: &'static ToolSite) -> Self {
        ToolCall {
            active: Some(Active {
                target: Target::Run(run),
                site,
                started: clock::now(),
                values: None,
                span: tool_span(site),
            }),
        }
    }

    /// Runs `fut` inside the call's `drip.tool` span (entered on every poll).
    ///
    /// ```
    /// use drip_runtime::private::{tool_enter, Outcome, ToolSite};
    /// static TOOL: ToolSite = ToolSite { name: "t", metadata: &[], meter: None, error_message: false };
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let call = tool_enter(&TOOL);
    /// assert_eq!(call.instrument(async { 7 }).await, 7);
    /// call.finish(Outcome::Ok);
    /// # });
    /// ```
    #[inline]
    pub fn instrument<F: std::future::Future>(&self, fut: F) -> InSpan<'_, F> {
        InSpan {
            span: self.active.as_ref().map(|a| &a.span),
            inner: fut,
        }
    }

    /// Runs `f` inside the call's `drip.tool` span.
    ///
    /// ```
    /// use drip_runtime::private::{tool_enter, Outcome, ToolSite};
    /// static TOOL: ToolSite = ToolSite { name: "t", metadata: &[], meter: None, error_message: false };
    /// let call = tool_enter(&TOOL);
    /// assert_eq!(call.enter_sync(|| 7), 7);
    /// call.finish(Outcome::Ok);
    /// ```
    #[inline]
    pub fn enter_sync<R>(&self, f: impl FnOnce() -> R) -> R {
        let _span = self.active.as_ref().map(|a| a.span.enter());
        f()
    }
}

#[inline]
fn tool_span(site: &'static ToolSite) -> tracing::Span {
    tracing::debug_span!(target: "drip::tool", "drip.tool", tool = site.name)
}

pin_project_lite::pin_project! {
    /// A tool's future inside its `drip.tool` span; made by [`ToolCall::instrument`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct InSpan<'a, F> {
        span: Option<&'a tracing::Span>,
        #[pin]
        inner: F,
    }
}

impl<F: std::future::Future> std::future::Future for InSpan<'_, F> {
    type Output = F::Output;

    #[inline]
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let this = self.project();
        let _span = this.span.map(|s| s.enter());
        this.inner.poll(cx)
    }
}

/// Outside any run: nothing to record but the count in `stats()`. Once the
/// warning has been given and no test capture is alive anywhere (which might
/// want to note the call), that takes one relaxed add, two relaxed loads and
/// no call.
#[inline]
fn outside_run(site: &'static ToolSite) -> ToolCall {
    crate::runtime::count_outside_run();
    if !already_warned(WarnOnce::ToolOutsideRun) || crate::runtime::overrides_active() {
        outside_run_slow(site);
    }
    ToolCall::inactive()
}

#[cold]
#[inline(never)]
fn outside_run_slow(site: &'static ToolSite) {
    warn_once(
        WarnOnce::ToolOutsideRun,
        "drip: a #[drip::tool] was called outside any #[drip::run] and recorded nothing; call it beneath a run, carry the run into spawned tasks with drip::spawn or .in_current_run(), or give the tool `customer = …` and `meter = \"…\"` to track it as usage",
    );
    crate::runtime::note_unattached(site.name);
}
