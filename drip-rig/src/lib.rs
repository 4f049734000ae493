//! Meter [rig](https://docs.rs/rig-agent) agents with drip: [`DripHook`] is
//! an `AgentHook` that records each completion's usage as an `llm.call` and
//! each tool call as a `tool.call` of the drip run the agent is prompted in —
//! blocking and streamed alike.
//!
//! ```
//! use rig_agent::{Agent, AgentBuilder, core::{DynModel, operation::Completion}};
//!
//! fn assistant(model: impl Into<DynModel<Completion>>) -> Agent {
//!     AgentBuilder::new(model)
//!         .preamble("Be concise.")
//!         .add_hook(drip_rig::DripHook::new())
//!         .build()
//! }
//! ```
//!
//! What is read: the response's model name (`response_model`, else the
//! requested `model`), its `usage` (`input_tokens`, `output_tokens`,
//! `cached_input_tokens`, `reasoning_tokens`), the tool's name and its result's
//! status (`success` → `ok`, `error` → `error`, `denied` / `skipped` →
//! `cancelled`), and the time from each dispatch to its outcome. Prompts,
//! completions, tool arguments and results are never read.
//!
//! **Which run.** The drip run current when the agent run starts (prompting
//! inside a `#[drip::run]` function is enough); rig may resolve tools and
//! completions wherever it likes after that. A completion whose usage the
//! provider did not report records nothing.
//!
//! Use the hook or `drip-tracing`'s layer for an agent, not both: each records
//! the same completions.
#![forbid(unsafe_code)]

use drip_runtime::model::ToolStatus;
use drip_runtime::{LlmUsage, RunInfo};
use rig_agent::agent::{
    DispatchAction, DispatchEvent, OutcomeAction, OutcomeEvent, RunStart, RunStartAction,
};
use rig_agent::{AgentHook, HookContext};
use rig_core::effect::{EffectId, EffectKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// The rig hook recording usage and tool calls into drip runs; see the
/// [crate docs](crate).
///
/// ```
/// let hook = drip_rig::DripHook::new();
/// # let _ = hook;
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct DripHook;

impl DripHook {
    /// A hook for any number of agents and concurrent agent runs.
    ///
    /// ```
    /// let hook = drip_rig::DripHook::new();
    /// # let _ = hook;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        DripHook
    }
}

/// Kept in the agent run's scratchpad: the drip run and when each effect was
/// dispatched.
#[derive(Clone, Default)]
struct Carried {
    run: Option<RunInfo>,
    dispatched: Arc<Mutex<HashMap<EffectId, Instant>>>,
}

impl Carried {
    fn of(ctx: &HookContext) -> Carried {
        ctx.scratchpad()
            .get::<Carried>()
            .unwrap_or_else(|| Carried {
                run: drip_runtime::current_run(),
                dispatched: Arc::default(),
            })
    }

    fn in_run(&self, write: impl FnOnce()) {
        match &self.run {
            Some(run) => run.in_scope(write),
            None => write(),
        }
    }
}

fn is_metered(kind: &EffectKind) -> bool {
    matches!(
        kind,
        EffectKind::Completion { .. } | EffectKind::ToolCall { .. }
    )
}

impl AgentHook for DripHook {
    fn name(&self) -> Option<String> {
        Some("drip".to_owned())
    }

    async fn on_run_start(&self, ctx: &HookContext, _event: RunStart<'_>) -> RunStartAction {
        ctx.scratchpad().insert(Carried {
            run: drip_runtime::current_run(),
            dispatched: Arc::default(),
        });
        RunStartAction::Continue
    }

    async fn on_dispatch(&self, ctx: &HookContext, event: DispatchEvent<'_>) -> DispatchAction {
        if is_metered(event.kind) {
            Carried::of(ctx)
                .dispatched
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(event.id, Instant::now());
        }
        DispatchAction::Proceed
    }

    async fn on_outcome(&self, ctx: &HookContext, event: OutcomeEvent<'_>) -> OutcomeAction {
        if !is_metered(event.kind) {
            return OutcomeAction::Proceed;
        }
        let carried = Carried::of(ctx);
        let elapsed = carried
            .dispatched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&event.id)
            .map(|started| started.elapsed());
        if let Some(response) = event.completion() {
            let usage = &response.usage;
            if usage.input_tokens.is_some() || usage.output_tokens.is_some() {
                let mut counts = LlmUsage::new(
                    usage.input_tokens.unwrap_or(0),
                    usage.output_tokens.unwrap_or(0),
                );
                if let Some(n) = usage.cached_input_tokens {
                    counts = counts.with_cached_tokens(n);
                }
                if let Some(n) = usage.reasoning_tokens {
                    counts = counts.with_reasoning_tokens(n);
                }
                let origin = &response.origin;
                let model = origin.response_model.as_deref().unwrap_or(&origin.model);
                carried.in_run(|| drip_runtime::record_llm_call(model, counts, elapsed));
            }
        } else if let Some(name) = event.tool_name() {
            let status = match event.tool_result().map(|result| result.status_name()) {
                Some("success") => ToolStatus::Ok,
                Some("denied" | "skipped") => ToolStatus::Cancelled,
                _ => ToolStatus::Error,
            };
            let elapsed = elapsed.unwrap_or_default();
            carried.in_run(|| drip_runtime::record_tool_call(name, elapsed, status));
        }
        OutcomeAction::Proceed
    }
}
