//! Run context: which run (if any) the current code is executing under.
//!
//! STUB written at project set-up; the delivery/context work replaces the bodies.

use crate::metadata::Value;
use crate::private::{Outcome, RunSite, ToolSite};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether the SDK is enabled (one relaxed load).
#[inline]
pub(crate) fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A tool call in progress. Inactive calls do nothing.
#[derive(Debug)]
pub struct ToolCall {
    _active: bool,
}

impl ToolCall {
    /// A call that records nothing.
    pub fn inactive() -> Self {
        ToolCall { _active: false }
    }
    /// Whether anything will be recorded.
    pub fn is_active(&self) -> bool {
        self._active
    }
    /// Adds a run-time metadata value (key checked at compile time).
    pub fn metadata(&mut self, _key: &'static str, _value: impl Into<Value>) {}
    /// Records the outcome.
    pub fn finish(self, _outcome: Outcome) {}
}

/// A run in progress. Inactive runs do nothing.
#[derive(Debug)]
pub struct RunGuard {
    _active: bool,
}

impl RunGuard {
    /// A run that records nothing.
    pub fn inactive() -> Self {
        RunGuard { _active: false }
    }
    /// Whether anything will be recorded.
    pub fn is_active(&self) -> bool {
        self._active
    }
    /// Adds a run-time metadata value (key checked at compile time).
    pub fn metadata(&mut self, _key: &'static str, _value: impl Into<Value>) {}
    /// Runs `fut` with this run as the current run.
    pub fn instrument<F: Future>(&self, fut: F) -> impl Future<Output = F::Output> {
        fut
    }
    /// Runs `f` with this run as the current run on this thread.
    pub fn enter_sync<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }
    /// Records the outcome and hands the run to delivery.
    pub fn finish(self, _outcome: Outcome) {}
}

pub(crate) fn tool_enter(_site: &'static ToolSite, _customer: Option<String>) -> ToolCall {
    ToolCall::inactive()
}

pub(crate) fn run_enter(
    _site: &'static RunSite,
    _customer: String,
    _correlation_id: Option<String>,
) -> RunGuard {
    RunGuard::inactive()
}
