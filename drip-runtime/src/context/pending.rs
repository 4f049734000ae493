//! Events as they wait in a run's buffer.
//!
//! A tool call is buffered as a few words of plain data (its static site, an
//! instant, a duration, a status) and only turned into a wire [`Event`] —
//! idempotency key, RFC 3339 timestamp, metadata map — after the run hands its
//! events to delivery, by the transport thread as it takes them from the queue
//! (see `delivery::submission`). That keeps the per-call cost inside a run to
//! two clock reads, one lock and one push, and the caller's thread free of the
//! rest. The key is still made once per event, before anything is spooled or
//! sent, so every retry and spool replay carries the same key.

use super::site::ToolSite;
use crate::clock::Tick;
use crate::metadata::{Metadata, Value};
use crate::model::{Event, ToolStatus};
use std::borrow::Cow;
use std::time::Duration;

/// Run-time metadata values given by generated code (keys checked at compile time).
pub(crate) type RuntimeValues = Vec<(&'static str, Value)>;

/// One buffered event of a run.
pub(crate) enum PendingEvent {
    /// A `#[drip::tool]` call, made into a `tool.call` event later.
    Tool(ToolRecord),
    /// An event already built (LLM calls, plans, …).
    Ready(Box<Event>),
}

/// The facts of one finished tool call. Kept to a few words: the rarer
/// parts (an error, run-time metadata) sit behind one optional box.
pub(crate) struct ToolRecord {
    pub(crate) site: &'static ToolSite,
    pub(crate) ended: Tick,
    pub(crate) elapsed: Duration,
    pub(crate) status: ToolStatus,
    pub(crate) extra: Option<Box<ToolExtra>>,
}

/// What only some tool calls carry.
pub(crate) struct ToolExtra {
    pub(crate) error_type: Option<Cow<'static, str>>,
    /// Only with `error_message`; redacted at the boundary.
    pub(crate) error_message: Option<String>,
    pub(crate) values: Option<Box<RuntimeValues>>,
}

impl ToolExtra {
    /// `None` when there is nothing beyond the plain facts.
    pub(crate) fn new(
        error_type: Option<Cow<'static, str>>,
        error_message: Option<String>,
        values: Option<Box<RuntimeValues>>,
    ) -> Option<Box<ToolExtra>> {
        (error_type.is_some() || error_message.is_some() || values.is_some()).then(|| {
            Box::new(ToolExtra {
                error_type,
                error_message,
                values,
            })
        })
    }
}

impl PendingEvent {
    /// The wire event. `timestamp_of` turns an instant into RFC 3339 (the run
    /// knows its wall-clock start).
    pub(crate) fn into_event(self, timestamp_of: impl FnOnce(Tick) -> String) -> Event {
        match self {
            PendingEvent::Ready(event) => *event,
            PendingEvent::Tool(call) => {
                let mut event = Event::tool_call_at(
                    call.site.name,
                    call.elapsed,
                    call.status,
                    timestamp_of(call.ended),
                );
                let ToolExtra {
                    error_type,
                    error_message,
                    values,
                } = call.extra.map_or(
                    ToolExtra {
                        error_type: None,
                        error_message: None,
                        values: None,
                    },
                    |extra| *extra,
                );
                // Only what the macro checked at compile time (name, literal
                // metadata, status, the error's type name): the boundary may
                // skip it. Run-time values or error text make it an ordinary
                // event, which the boundary checks in full, once.
                let compile_time_only = error_message.is_none() && values.is_none();
                event.description = error_message;
                let metadata = event.metadata_mut();
                if let Some(kind) = error_type {
                    metadata.insert("error_type", kind.into_owned());
                }
                merge_user_metadata(metadata, call.site, values);
                event.built_clean = crate::model::BuiltClean(compile_time_only);
                event
            }
        }
    }
}

/// Adds a site's literal metadata and the call's run-time values to `into`,
/// never replacing what drip itself set (`tool_name`, `status`, …).
///
/// The values are not checked here: the whole map crosses the runtime's
/// sanitising boundary (`delivery/event_wire.rs::prepare`) once, with the
/// envelope, before anything is spooled or sent.
pub(crate) fn merge_user_metadata(
    into: &mut Metadata,
    site: &'static ToolSite,
    values: Option<Box<RuntimeValues>>,
) {
    for (key, value) in site.metadata {
        // Literals were checked by the macro, keys and values both.
        if into.get(key).is_none() {
            into.insert(*key, Value::from(*value));
        }
    }
    for (key, value) in values.into_iter().flat_map(|v| *v) {
        if into.get(key).is_none() {
            into.insert(key, value);
        }
    }
}
