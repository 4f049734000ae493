//! Events recorded by integrations (the GenAI tracing layer, the rig hook,
//! the async-openai helpers): facts measured elsewhere — a tool call's name,
//! duration and status, an LLM call's latency — handed to the current run.

use super::current;
use super::events::LlmUsage;
use super::pending::PendingEvent;
use super::warn_once::{WarnOnce, warn_once};
use crate::model::{Event, ToolStatus};
use std::time::Duration;

/// Records a `tool.call` of tool `name` that took `duration` and ended with
/// `status`, in the current run (for tools that are not `#[drip::tool]`
/// functions, e.g. a framework's tools observed through its hooks).
///
/// Outside any run it records nothing (and warns once through `tracing`).
///
/// ```
/// use drip_runtime::model::ToolStatus;
/// use std::time::Duration;
///
/// let capture = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("agent")?.start("cus_1");
/// run.in_scope(|| drip_runtime::record_tool_call("weather", Duration::from_millis(40), ToolStatus::Ok));
/// run.end(drip_runtime::RunEnd::Completed);
/// let event = &capture.runs()[0].events[0];
/// assert_eq!(event.event_type, "tool.call");
/// assert_eq!(event.metadata.as_ref().unwrap().get("tool_name"), Some(&"weather".into()));
/// # Ok::<(), drip_runtime::Error>(())
/// ```
pub fn record_tool_call(name: &str, duration: Duration, status: ToolStatus) {
    if !super::enabled() {
        return;
    }
    attach_integration("tool.call", || Event::tool_call(name, duration, status));
}

/// Records an `llm.call` of `model` with its token breakdown (as
/// [`llm_call_with`](crate::llm_call_with)) and, when known, the call's
/// latency as `latency_ms`, in the current run.
///
/// ```
/// use drip_runtime::LlmUsage;
/// use std::time::Duration;
///
/// let capture = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("agent")?.start("cus_1");
/// let usage = LlmUsage::new(900, 100).with_reasoning_tokens(40);
/// run.in_scope(|| drip_runtime::record_llm_call("gpt-4o", usage, Some(Duration::from_millis(750))));
/// run.end(drip_runtime::RunEnd::Completed);
/// let event = &capture.runs()[0].events[0];
/// assert_eq!(event.quantity, Some(1_000.0));
/// let metadata = event.metadata.as_ref().unwrap();
/// assert_eq!(metadata.get("latency_ms"), Some(&750.into()));
/// assert_eq!(metadata.get("reasoning_tokens"), Some(&40.into()));
/// # Ok::<(), drip_runtime::Error>(())
/// ```
pub fn record_llm_call(model: &str, usage: LlmUsage, latency: Option<Duration>) {
    if !super::enabled() {
        return;
    }
    attach_integration("llm.call", || {
        let mut event = Event::llm_call(model, usage.total_tokens());
        let counts = [
            ("input_tokens", Some(usage.input_tokens)),
            ("output_tokens", Some(usage.output_tokens)),
            ("total_tokens", Some(usage.total_tokens())),
            ("cached_tokens", usage.cached_tokens),
            ("reasoning_tokens", usage.reasoning_tokens),
            (
                "latency_ms",
                latency.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            ),
        ];
        let metadata = event.metadata_mut();
        for (key, count) in counts {
            if let Some(count) = count {
                metadata.insert(key, count);
            }
        }
        event
    });
}

fn attach_integration(kind: &str, make: impl FnOnce() -> Event) {
    let Some(run) = current::current() else {
        warn_once(
            WarnOnce::EventOutsideRun,
            "drip: an LLM or tool call seen by an integration happened outside any #[drip::run] and was dropped; open a run around the agent call or carry it with drip::spawn / .in_current_run()",
        );
        crate::runtime::note_unattached(kind);
        return;
    };
    run.push(PendingEvent::Ready(Box::new(make())));
}
