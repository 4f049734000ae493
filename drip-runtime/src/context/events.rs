//! Hand-written events: LLM calls, plans, steps, errors.

use super::current;
use super::pending::PendingEvent;
use super::warn_once::{WarnOnce, warn_once};
use crate::metadata::Metadata;
use crate::model::Event;

/// Token counts of one LLM call, for [`llm_call_with`].
///
/// ```
/// let usage = drip_runtime::LlmUsage::new(1_200, 300).with_cached_tokens(1_000);
/// assert_eq!(usage.total_tokens(), 1_500);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LlmUsage {
    /// Prompt (input) tokens.
    pub input_tokens: u64,
    /// Completion (output) tokens.
    pub output_tokens: u64,
    /// Input tokens served from the provider's cache, if reported.
    pub cached_tokens: Option<u64>,
    /// Reasoning tokens, if reported.
    pub reasoning_tokens: Option<u64>,
}

impl LlmUsage {
    /// Input and output token counts.
    ///
    /// ```
    /// let usage = drip_runtime::LlmUsage::new(10, 5);
    /// assert_eq!((usage.input_tokens, usage.output_tokens), (10, 5));
    /// ```
    pub fn new(input_tokens: u64, output_tokens: u64) -> Self {
        LlmUsage {
            input_tokens,
            output_tokens,
            cached_tokens: None,
            reasoning_tokens: None,
        }
    }

    /// Adds the count of cached input tokens.
    ///
    /// ```
    /// assert_eq!(drip_runtime::LlmUsage::new(10, 5).with_cached_tokens(8).cached_tokens, Some(8));
    /// ```
    #[must_use]
    pub fn with_cached_tokens(mut self, tokens: u64) -> Self {
        self.cached_tokens = Some(tokens);
        self
    }

    /// Adds the count of reasoning tokens.
    ///
    /// ```
    /// assert_eq!(drip_runtime::LlmUsage::new(10, 5).with_reasoning_tokens(3).reasoning_tokens, Some(3));
    /// ```
    #[must_use]
    pub fn with_reasoning_tokens(mut self, tokens: u64) -> Self {
        self.reasoning_tokens = Some(tokens);
        self
    }

    /// Input plus output tokens: the event's quantity.
    ///
    /// ```
    /// assert_eq!(drip_runtime::LlmUsage::new(10, 5).total_tokens(), 15);
    /// ```
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }
}

/// Records an `llm.call` of `tokens` tokens of `model` in the current run.
///
/// Outside any run it records nothing (and warns once through `tracing`).
///
/// ```
/// let cap = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
/// run.in_scope(|| drip_runtime::llm_call("gpt-4o", 1_700));
/// run.end(drip_runtime::RunEnd::Completed);
/// let event = &cap.runs()[0].events[0];
/// assert_eq!((event.event_type.as_str(), event.quantity), ("llm.call", Some(1_700.0)));
/// # Ok::<(), drip_runtime::Error>(())
/// ```
pub fn llm_call(model: &str, tokens: u64) {
    if !super::enabled() {
        return;
    }
    attach("llm.call", || Event::llm_call(model, tokens));
}

/// Records an `llm.call` with its token breakdown (`input_tokens`,
/// `output_tokens`, `total_tokens`, and cached / reasoning tokens when given);
/// the quantity is the total.
///
/// ```
/// use drip_runtime::LlmUsage;
/// let cap = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
/// run.in_scope(|| drip_runtime::llm_call_with("claude-sonnet", LlmUsage::new(900, 100)));
/// run.end(drip_runtime::RunEnd::Completed);
/// let event = &cap.runs()[0].events[0];
/// assert_eq!(event.quantity, Some(1_000.0));
/// assert_eq!(event.metadata.as_ref().unwrap().get("input_tokens"), Some(&900.into()));
/// # Ok::<(), drip_runtime::Error>(())
/// ```
pub fn llm_call_with(model: &str, usage: LlmUsage) {
    if !super::enabled() {
        return;
    }
    attach("llm.call", || {
        let mut event = Event::llm_call(model, usage.total_tokens());
        let metadata = event.metadata_mut();
        metadata.insert("input_tokens", usage.input_tokens);
        metadata.insert("output_tokens", usage.output_tokens);
        metadata.insert("total_tokens", usage.total_tokens());
        if let Some(n) = usage.cached_tokens {
            metadata.insert("cached_tokens", n);
        }
        if let Some(n) = usage.reasoning_tokens {
            metadata.insert("reasoning_tokens", n);
        }
        event
    });
}

/// Records an `agent.plan` step in the current run. The description is
/// redacted (secrets and personal data removed, cut to 256 characters) at
/// the runtime's sanitising boundary, before it is spooled or sent.
///
/// ```
/// let cap = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
/// run.in_scope(|| drip_runtime::plan("search, then summarise"));
/// run.end(drip_runtime::RunEnd::Completed);
/// assert_eq!(cap.runs()[0].events[0].event_type, "agent.plan");
/// # Ok::<(), drip_runtime::Error>(())
/// ```
pub fn plan(description: &str) {
    if !super::enabled() {
        return;
    }
    attach("agent.plan", || Event::plan(description));
}

/// Records an `agent.execute` step with metadata in the current run.
///
/// ```
/// use drip_runtime::Metadata;
/// let cap = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
/// let mut m = Metadata::new();
/// m.insert("action_count", 2);
/// run.in_scope(|| drip_runtime::execute("apply edits", m));
/// run.end(drip_runtime::RunEnd::Completed);
/// assert_eq!(cap.runs()[0].events[0].event_type, "agent.execute");
/// # Ok::<(), drip_runtime::Error>(())
/// ```
pub fn execute(description: &str, metadata: Metadata) {
    if !super::enabled() {
        return;
    }
    attach("agent.execute", || Event::execute(description, metadata));
}

/// Records an `error` event with metadata in the current run (the run itself
/// goes on; its status comes from how it returns).
///
/// ```
/// use drip_runtime::Metadata;
/// let cap = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
/// let mut m = Metadata::new();
/// m.insert("retry_count", 3);
/// run.in_scope(|| drip_runtime::error_event("search provider unavailable", m));
/// run.end(drip_runtime::RunEnd::Completed);
/// assert_eq!(cap.runs()[0].events[0].event_type, "error");
/// # Ok::<(), drip_runtime::Error>(())
/// ```
pub fn error_event(description: &str, metadata: Metadata) {
    if !super::enabled() {
        return;
    }
    attach("error", || Event::error(description, metadata));
}

/// Adds the event built by `make` to the current run, or warns once.
fn attach(kind: &str, make: impl FnOnce() -> Event) {
    match current::current() {
        Some(run) => run.push(PendingEvent::Ready(Box::new(make()))),
        None => {
            crate::runtime::count_outside_run();
            warn_once(
                WarnOnce::EventOutsideRun,
                "drip: an event (llm_call, plan, execute or error_event) was recorded outside any #[drip::run] and dropped; call it beneath a run or carry the run with drip::spawn / .in_current_run()",
            );
            crate::runtime::note_unattached(kind);
        }
    }
}
