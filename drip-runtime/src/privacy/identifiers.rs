//! The identifier rule on the delivery pipeline: an envelope whose customer
//! id, workflow, meter, run or correlation id, or event type breaks the rule
//! is dropped before it reaches the spool, and counted. When a stream's start
//! is dropped, its later event batches and its end are dropped with it: the
//! server would refuse them for a run it never saw.

use super::counters::{Kind, record};
use super::fingerprint::Refused;
use crate::delivery::Envelope;
use crate::fields::{IdentifierRefusal, check_identifier};
use crate::model::Event;
use std::collections::HashSet;
use std::sync::Mutex;

/// External run ids of streams whose start was dropped, until their end
/// passes. Bounded: past the cap the oldest streams are forgotten (their
/// leftovers are then refused by the server instead).
static DROPPED_STREAMS: Mutex<Option<HashSet<String>>> = Mutex::new(None);
const MAX_DROPPED_STREAMS: usize = 4096;

/// Whether `external_run_id` belongs to a stream whose start was dropped;
/// `end` forgets it.
fn stream_was_dropped(external_run_id: &str, end: bool) -> bool {
    let mut set = DROPPED_STREAMS.lock().unwrap_or_else(|e| e.into_inner());
    let Some(set) = set.as_mut() else {
        return false;
    };
    if end {
        set.remove(external_run_id)
    } else {
        set.contains(external_run_id)
    }
}

fn remember_dropped_stream(external_run_id: &str) {
    let mut set = DROPPED_STREAMS.lock().unwrap_or_else(|e| e.into_inner());
    let set = set.get_or_insert_with(HashSet::new);
    if set.len() >= MAX_DROPPED_STREAMS {
        set.clear();
    }
    set.insert(external_run_id.to_owned());
}

/// The first identifier field of `envelope` that breaks the rule.
fn first_refusal(envelope: &Envelope) -> Option<(&'static str, &str, IdentifierRefusal)> {
    let mut fields: Vec<(&'static str, Option<&str>)> = Vec::new();
    let mut events: &[Event] = &[];
    match envelope {
        Envelope::Run(run) => {
            fields.extend([
                ("customerId", Some(run.customer_id.as_str())),
                ("workflow", Some(run.workflow.as_str())),
                ("externalRunId", Some(run.external_run_id.as_str())),
                ("parentRunId", run.parent_external_run_id.as_deref()),
                ("correlationId", run.correlation_id.as_deref()),
            ]);
            events = &run.events;
        }
        Envelope::StreamStart(start) => fields.extend([
            ("customerId", Some(start.customer_id.as_str())),
            ("workflow", Some(start.workflow.as_str())),
            ("externalRunId", Some(start.external_run_id.as_str())),
            ("parentRunId", start.parent_external_run_id.as_deref()),
            ("correlationId", start.correlation_id.as_deref()),
        ]),
        Envelope::StreamEvents {
            external_run_id,
            events: batch,
        } => {
            fields.push(("externalRunId", Some(external_run_id.as_str())));
            events = batch;
        }
        Envelope::StreamEnd(end) => {
            fields.push(("externalRunId", Some(end.external_run_id.as_str())));
        }
        Envelope::Usage(usage) => fields.extend([
            ("customerId", Some(usage.customer_id.as_str())),
            ("meter", Some(usage.meter.as_str())),
        ]),
    }
    for event in events {
        fields.extend([
            ("eventType", Some(event.event_type.as_str())),
            ("correlationId", event.correlation_id.as_deref()),
            ("spanId", event.span_id.as_deref()),
            ("parentEventId", event.parent_event_id.as_deref()),
            ("units", event.units.as_deref()),
        ]);
    }
    fields.into_iter().find_map(|(field, value)| {
        let value = value?;
        check_identifier(value)
            .err()
            .map(|refusal| (field, value, refusal))
    })
}

/// Whether `envelope` must be dropped for an identifier that breaks the
/// rule; counts it and logs the first one (field and class, never the value).
pub(crate) fn refuse_envelope(envelope: &Envelope) -> bool {
    let follows_dropped_start = match envelope {
        Envelope::StreamEvents {
            external_run_id, ..
        } => stream_was_dropped(external_run_id, false),
        Envelope::StreamEnd(end) => stream_was_dropped(&end.external_run_id, true),
        _ => false,
    };
    if follows_dropped_start {
        record(Kind::DroppedIdentifier);
        return true;
    }
    let Some((field, value, refusal)) = first_refusal(envelope) else {
        return false;
    };
    if let Envelope::StreamStart(start) = envelope {
        remember_dropped_stream(&start.external_run_id);
    }
    if record(Kind::DroppedIdentifier) {
        let class = match refusal {
            IdentifierRefusal::Empty => "empty",
            IdentifierRefusal::TooLong { .. } => "too_long",
            IdentifierRefusal::Whitespace => "whitespace",
            IdentifierRefusal::Sensitive(kind) => kind.class(),
        };
        tracing::warn!(
            field,
            refused = %Refused { class, text: value },
            "drip dropped a run, event batch or usage record whose identifier breaks the identifier rule (the value is not logged); further drops are only counted"
        );
    }
    true
}
