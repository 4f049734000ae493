//! The identifier rule on the delivery pipeline: an envelope whose customer
//! id, workflow, meter, run or correlation id, or event type breaks the rule
//! is dropped before it reaches the spool, and counted. When a stream's start
//! is dropped, its later event batches and its end are dropped with it: the
//! server would refuse them for a run it never saw.

use super::Envelope;
use crate::fields::{IdentifierRefusal, check_identifier};
use crate::model::Event;
use crate::privacy::{Kind, Refused, Sanitizer};
use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// External run ids of streams whose start was dropped, until their end
/// passes. Bounded: past the cap the oldest streams are forgotten (their
/// leftovers are then refused by the server instead).
static DROPPED_STREAMS: Mutex<Option<HashSet<String>>> = Mutex::new(None);
const MAX_DROPPED_STREAMS: usize = 4096;
/// Set once a start is dropped, so that batches and ends of a process that
/// never dropped one skip the lock.
static ANY_DROPPED: AtomicBool = AtomicBool::new(false);

/// Whether `external_run_id` belongs to a stream whose start was dropped;
/// `end` forgets it.
fn stream_was_dropped(external_run_id: &str, end: bool) -> bool {
    if !ANY_DROPPED.load(Ordering::Acquire) {
        return false;
    }
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
    ANY_DROPPED.store(true, Ordering::Release);
}

/// The first envelope-level identifier field that breaks the rule.
fn first_refusal(envelope: &Envelope) -> Option<(&'static str, &str, IdentifierRefusal)> {
    let fields: &[(&'static str, Option<&str>)] = match envelope {
        Envelope::Run {
            run,
            parent_external_run_id,
            external_customer,
            ..
        } => &[
            customer_field(&run.customer_id, external_customer),
            ("externalCustomerId", external_customer.as_deref()),
            ("workflow", Some(run.workflow.as_str())),
            (
                "externalRunId",
                Some(run.external_run_id.as_deref().unwrap_or_default()),
            ),
            ("parentRunId", parent_external_run_id.as_deref()),
            ("correlationId", run.correlation_id.as_deref()),
        ],
        Envelope::StreamStart {
            run,
            workflow,
            parent_external_run_id,
            external_customer,
        } => &[
            customer_field(&run.customer_id, external_customer),
            ("externalCustomerId", external_customer.as_deref()),
            ("workflow", Some(workflow.as_str())),
            (
                "externalRunId",
                Some(run.external_run_id.as_deref().unwrap_or_default()),
            ),
            ("parentRunId", parent_external_run_id.as_deref()),
            ("correlationId", run.correlation_id.as_deref()),
        ],
        Envelope::StreamEvents {
            external_run_id, ..
        }
        | Envelope::StreamWire {
            external_run_id, ..
        } => &[("externalRunId", Some(external_run_id.as_str()))],
        Envelope::StreamEnd {
            external_run_id, ..
        } => &[("externalRunId", Some(external_run_id.as_str()))],
        Envelope::Usage {
            usage,
            external_customer,
        } => &[
            customer_field(&usage.customer_id, external_customer),
            ("externalCustomerId", external_customer.as_deref()),
            ("meter", Some(usage.meter.as_str())),
            ("units", usage.units.as_deref()),
        ],
        Envelope::Charge {
            charge,
            external_customer,
        } => &[
            customer_field(&charge.customer_id, external_customer),
            ("externalCustomerId", external_customer.as_deref()),
            ("meter", Some(charge.meter.as_str())),
        ],
    };
    first_broken(fields)
}

/// Drip's customer id, unless it is left empty for delivery to resolve
/// from an external id.
fn customer_field<'a>(
    customer_id: &'a str,
    external: &Option<String>,
) -> (&'static str, Option<&'a str>) {
    let unresolved = customer_id.is_empty() && external.is_some();
    ("customerId", (!unresolved).then_some(customer_id))
}

/// [`event_refusal`], unless the event is a tool call built from its site,
/// whose identifiers are constants.
fn event_refusal_unless_clean(event: &Event) -> Option<(&'static str, &str, IdentifierRefusal)> {
    if event.is_built_clean() {
        return None;
    }
    event_refusal(event)
}

/// The first identifier field of `event` that breaks the rule.
fn event_refusal(event: &Event) -> Option<(&'static str, &str, IdentifierRefusal)> {
    first_broken(&[
        ("eventType", Some(event.event_type.as_str())),
        ("correlationId", event.correlation_id.as_deref()),
        ("spanId", event.span_id.as_deref()),
        ("parentEventId", event.parent_event_id.as_deref()),
        ("units", event.units.as_deref()),
    ])
}

fn first_broken<'a>(
    fields: &[(&'static str, Option<&'a str>)],
) -> Option<(&'static str, &'a str, IdentifierRefusal)> {
    fields.iter().find_map(|&(field, value)| {
        let value = value?;
        check_identifier(value)
            .err()
            .map(|refusal| (field, value, refusal))
    })
}

/// Removes the events whose identifiers break the rule; how many.
fn remove_bad_events(events: &mut Vec<Event>, privacy: &Sanitizer) -> u64 {
    let before = events.len();
    events.retain(|event| match event_refusal_unless_clean(event) {
        Some((field, value, refusal)) => {
            count_and_log(privacy, field, value, refusal);
            false
        }
        None => true,
    });
    (before - events.len()) as u64
}

fn count_and_log(privacy: &Sanitizer, field: &str, value: &str, refusal: IdentifierRefusal) {
    if privacy.count(Kind::DroppedIdentifier) {
        let class = match refusal {
            IdentifierRefusal::Empty => "empty",
            IdentifierRefusal::TooLong { .. } => "too_long",
            IdentifierRefusal::Whitespace => "whitespace",
            IdentifierRefusal::Sensitive(kind) => kind.class(),
        };
        tracing::warn!(
            target: "drip::privacy",
            field,
            refused = %Refused { class, text: value },
            "drip dropped a run, event or usage record whose identifier breaks the identifier rule (the value is not logged); further drops are only counted"
        );
    }
}

/// [`screen_envelope`] of an event batch of tool calls of
/// compile-time-checked parts for the run `external_run_id`, before the
/// batch is made (a spilling caller's compact record): whether to keep it,
/// the caller counts its items as dropped otherwise. Only the run's id can
/// break the rule.
pub(crate) fn screen_clean_batch(external_run_id: &str, privacy: &Sanitizer) -> bool {
    if stream_was_dropped(external_run_id, false) {
        privacy.count(Kind::DroppedIdentifier);
        return false;
    }
    match first_broken(&[("externalRunId", Some(external_run_id))]) {
        Some((field, value, refusal)) => {
            count_and_log(privacy, field, value, refusal);
            false
        }
        None => true,
    }
}

/// Applies the identifier rule to `envelope`: events whose identifiers
/// break it are removed; the whole envelope is to be dropped when an
/// envelope-level identifier breaks it, when it belongs to a stream whose
/// start was dropped, or when no event is left of a batch. Returns the
/// items dropped and whether to keep the envelope; every drop is counted
/// and the first logged (field and class, never the value).
pub(crate) fn screen_envelope(envelope: &mut Envelope, privacy: &Sanitizer) -> (u64, bool) {
    let follows_dropped_start = match &*envelope {
        Envelope::StreamEvents {
            external_run_id, ..
        }
        | Envelope::StreamWire {
            external_run_id, ..
        } => stream_was_dropped(external_run_id, false),
        Envelope::StreamEnd {
            external_run_id, ..
        } => stream_was_dropped(external_run_id, true),
        _ => false,
    };
    if follows_dropped_start {
        privacy.count(Kind::DroppedIdentifier);
        return (envelope.items(), false);
    }
    let removed = match envelope {
        Envelope::Run { run, .. } => remove_bad_events(&mut run.events, privacy),
        Envelope::StreamEvents { events, .. } => remove_bad_events(events, privacy),
        _ => 0,
    };
    if let Some((field, value, refusal)) = first_refusal(envelope) {
        count_and_log(privacy, field, value, refusal);
        if let (Envelope::StreamStart { .. }, Some(ext)) = (&*envelope, envelope.external_run_id())
        {
            remember_dropped_stream(ext);
        }
        return (removed + envelope.items(), false);
    }
    let emptied = matches!(&*envelope, Envelope::StreamEvents { events, .. } if events.is_empty());
    (removed, !emptied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::envelope::end_run;
    use crate::model::{RunStatus, StartRun, TrackUsage};

    fn screen(envelope: &mut Envelope) -> (u64, bool) {
        screen_envelope(envelope, &Sanitizer::new())
    }

    fn batch(run: &str, types: &[&str]) -> Envelope {
        Envelope::StreamEvents {
            external_run_id: run.into(),
            events: types.iter().map(|t| Event::new(*t)).collect(),
        }
    }

    #[test]
    fn bad_events_are_removed_and_counted_bad_envelopes_dropped() {
        let mut mixed = batch("run_a", &["tool.call", "ada@example.com", "agent.plan"]);
        assert_eq!(screen(&mut mixed), (1, true));
        assert_eq!(mixed.items(), 2);
        let mut all_bad = batch("run_a", &["a  b", "078-05-1120"]);
        assert_eq!(screen(&mut all_bad), (2, false));
        let mut fine = batch("run_a", &["tool.call"]);
        assert_eq!(screen(&mut fine), (0, true));
    }

    #[test]
    fn a_stream_whose_start_is_dropped_is_dropped_whole() {
        let mut start = Envelope::stream_start(
            StartRun::new("jane@example.com", "").external_run_id("run_dropped_start"),
            "wf",
            None,
        );
        assert_eq!(screen(&mut start), (0, false));
        let mut events = batch("run_dropped_start", &["tool.call", "agent.plan"]);
        assert_eq!(screen(&mut events), (2, false));
        let end = || {
            Envelope::stream_end(
                "run_dropped_start",
                end_run(RunStatus::Completed, None, None),
            )
        };
        assert_eq!(screen(&mut end()), (0, false));
        // The end forgot the stream: a later run reusing the id is not affected.
        assert_eq!(screen(&mut end()), (0, true));
    }

    #[test]
    fn a_spilled_clean_batch_is_screened_by_its_run_id_and_its_streams_start() {
        let privacy = Sanitizer::new();
        assert!(screen_clean_batch("xrun_clean_batch", &privacy));
        assert!(!screen_clean_batch("jane@example.com", &privacy));
        let mut start = Envelope::stream_start(
            StartRun::new("jane@example.com", "").external_run_id("run_spilled_after_drop"),
            "wf",
            None,
        );
        assert_eq!(screen(&mut start), (0, false));
        assert!(!screen_clean_batch("run_spilled_after_drop", &privacy));
        assert_eq!(privacy.counters().dropped_identifiers, 2);
    }

    #[test]
    fn an_external_customer_id_is_screened_and_an_unresolved_customer_id_is_not() {
        let usage = |external: &str| {
            Envelope::usage(TrackUsage::new("", "calls", 1.0).idempotency_key("k"))
                .for_external_customer(Some(external.into()))
        };
        assert_eq!(screen(&mut usage("user_8841")), (0, true));
        assert_eq!(screen(&mut usage("jane@example.com")), (1, false));
        let mut no_customer = usage("user_1");
        no_customer = no_customer.for_external_customer(None);
        assert_eq!(screen(&mut no_customer), (1, false));
    }
}
