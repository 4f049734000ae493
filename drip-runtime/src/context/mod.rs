//! Run context: which run (if any) the current code is executing under, and
//! what instrumented code records into it.
//!
//! - `switch`: the global on/off state (`enabled()`: one relaxed load).
//! - `current`: the current run (a per-thread stack entered per poll / per call).
//! - `run`: a run's state, [`RunGuard`], record vs stream hand-off.
//! - `tool`: [`ToolCall`].
//! - `events`: [`llm_call`], [`plan`], [`execute`], [`error_event`].
//! - `propagate`: [`spawn`], [`InCurrentRun`], [`current_run`].
//! - `sink` / `overrides`: delivery or a test's capture.
//!
//! **What carries a run.** The future of a `#[drip::run]` function, and any
//! future wrapped by [`spawn`], [`InCurrentRun::in_current_run`] or
//! [`RunInfo::instrument`]; a sync `#[drip::run]` function for its duration;
//! [`RunInfo::in_scope`] on another thread. Plain `tokio::spawn`,
//! `std::thread::spawn` and `spawn_blocking` start with no run.

pub(crate) mod clock;
mod current;
mod events;
mod integration;
mod lost;
mod overrides;
mod pending;
mod propagate;
mod run;
mod scoped;
pub(crate) mod sink;
mod switch;
mod tool;
mod warn_once;

pub use events::{LlmUsage, error_event, execute, llm_call, llm_call_with, plan};
pub use integration::{record_llm_call, record_tool_call};
pub use propagate::{InCurrentRun, InRun, RunInfo, current_run, spawn};
pub use run::RunGuard;
pub use scoped::{RunEnd, RunTemplate, ScopedRun};
pub use tool::{InSpan, ToolCall};

pub(crate) use lost::outside_run_count;
pub(crate) use overrides::Override;
pub(crate) use run::run_enter;
pub(crate) use run::{DEFAULT_RECORD_BUFFER_LIMIT, set_record_buffer_limit};
pub(crate) use switch::{enabled, set_enabled};
pub(crate) use tool::{tool_begin_metered, tool_enter, tool_enter_metered};

/// Installs / removes per-thread test overrides (used by [`crate::testing`]).
pub(crate) mod test_overrides {
    pub(crate) use super::overrides::Scoped;
}
