//! Run context: which run (if any) the current code is executing under, and
//! what instrumented code records into it.
//!
//! - `current`: the current run (a per-thread stack entered per poll / per call).
//! - `run`: a run's state, `RunGuard`, record vs stream hand-off.
//! - `tool`: `ToolCall`.
//! - `events`: [`llm_call`], [`plan`], [`execute`], [`error_event`].
//! - `propagate`: [`spawn`], [`InCurrentRun`], [`current_run`].
//!
//! Where a run's records go is its [`Runtime`](crate::runtime::Runtime),
//! taken when the run starts (the thread's scoped runtime, else the global one).
//!
//! **What carries a run.** The future of a `#[drip::run]` function, and any
//! future wrapped by [`spawn`], [`InCurrentRun::in_current_run`] or
//! [`RunInfo::instrument`]; a sync `#[drip::run]` function for its duration;
//! [`RunInfo::in_scope`] on another thread. Plain `tokio::spawn`,
//! `std::thread::spawn` and `spawn_blocking` start with no run.

mod current;
mod customer;
mod events;
mod integration;
mod pending;
mod propagate;
pub(crate) mod run;
mod scoped;
pub(crate) mod site;
pub(crate) mod tool;
mod warn_once;

pub use events::{LlmUsage, error_event, execute, llm_call, llm_call_with, plan};
pub use integration::{record_llm_call, record_tool_call};
pub use propagate::{InCurrentRun, InRun, RunInfo, current_run, spawn};
pub use scoped::{RunEnd, RunTemplate, ScopedRun};

pub(crate) use crate::runtime::enabled;
pub(crate) use run::{run_enter, run_enter_external};
pub(crate) use tool::{CustomerKind, tool_begin_metered, tool_enter, tool_enter_metered};
