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

use super::site::{LiteralValue, ToolSite};
use crate::clock::Tick;
use crate::delivery::{Envelope, LineWriter, RunEventsJson};
use crate::metadata::{Metadata, Value};
use crate::model::{Event, RecordRun, ToolStatus, idempotency, time};
use std::borrow::Cow;
use std::time::{Duration, SystemTime};

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
    /// A tool call of compile-time-checked parts only (name, literal
    /// metadata, status, the error's type name): nothing for the sanitising
    /// boundary to check.
    fn is_clean_tool(&self) -> bool {
        match self {
            PendingEvent::Tool(call) => call
                .extra
                .as_ref()
                .is_none_or(|x| x.error_message.is_none() && x.values.is_none()),
            PendingEvent::Ready(_) => false,
        }
    }

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

/// A streaming run's buffered events as the batch it hands over. When all
/// are tool calls of compile-time-checked parts, each is written straight
/// into the batch's spool line (`Envelope::StreamWire`), the bytes the typed
/// event would serialise to, with no typed event made; otherwise the batch
/// is typed events, which cross the sanitising boundary. `wall_of` turns an
/// instant into wall-clock time (the run knows its start).
pub(crate) fn stream_batch(
    external_run_id: String,
    pending: Vec<PendingEvent>,
    wall_of: impl Fn(Tick) -> SystemTime,
) -> Envelope {
    if pending.iter().all(PendingEvent::is_clean_tool) {
        let mut line = LineWriter::checked(&external_run_id, pending.len());
        let mut scratch = Scratch::default();
        for event in &pending {
            if let PendingEvent::Tool(call) = event {
                line.event(|out| call.write_json(wall_of(call.ended), &mut scratch, out));
            }
        }
        if let Some(json) = line.finish() {
            return Envelope::StreamWire {
                external_run_id,
                json,
            };
        }
    }
    let events = pending
        .into_iter()
        .map(|e| e.into_event(|at| time::rfc3339(wall_of(at))))
        .collect();
    Envelope::StreamEvents {
        external_run_id,
        events,
    }
}

/// A record-mode run's envelope (`run` without its events, nested in the
/// run `parent_external_run_id` if any) with its buffered events. When all
/// are tool calls of compile-time-checked parts, they are written straight
/// into their JSON array (the envelope's `events_json`), as for a streaming
/// run's batch ([`stream_batch`]); otherwise they are typed events, which
/// cross the sanitising boundary.
pub(crate) fn record_envelope(
    mut run: RecordRun,
    pending: Vec<PendingEvent>,
    wall_of: impl Fn(Tick) -> SystemTime,
    parent_external_run_id: Option<String>,
) -> Envelope {
    if pending.is_empty() || !pending.iter().all(PendingEvent::is_clean_tool) {
        run.events = pending
            .into_iter()
            .map(|e| e.into_event(|at| time::rfc3339(wall_of(at))))
            .collect();
        return Envelope::record(run, parent_external_run_id);
    }
    let mut scratch = Scratch::default();
    let json = RunEventsJson::write(&pending, pending.len(), |event, out| {
        if let PendingEvent::Tool(call) = event {
            call.write_json(wall_of(call.ended), &mut scratch, out);
        }
    });
    let mut envelope = Envelope::record(run, parent_external_run_id);
    if let Envelope::Run { events_json, .. } = &mut envelope {
        *events_json = Some(json);
    }
    envelope
}

/// A metadata value of a clean tool call, borrowed.
#[derive(Clone, Copy)]
enum Entry<'a> {
    Str(&'a str),
    Float(f64),
    Literal(LiteralValue),
}

/// What writing one tool call after another reuses.
#[derive(Default)]
struct Scratch<'a> {
    entries: Vec<(&'static str, Entry<'a>)>,
    timestamps: time::TimestampWriter,
}

impl ToolRecord {
    /// The JSON object of the event [`PendingEvent::into_event`] makes, as
    /// serde writes it (fields in declaration order, metadata keys sorted,
    /// drip's own keys winning over the site's), for a call of
    /// compile-time-checked parts only.
    fn write_json<'a>(&'a self, ended: SystemTime, scratch: &mut Scratch<'a>, out: &mut Vec<u8>) {
        let entries = &mut scratch.entries;
        entries.clear();
        entries.extend([
            ("tool_name", Entry::Str(self.site.name)),
            (
                "duration_ms",
                Entry::Float(crate::model::duration_ms(self.elapsed)),
            ),
            ("status", Entry::Str(self.status.as_str())),
        ]);
        if let Some(kind) = self.extra.as_ref().and_then(|x| x.error_type.as_deref()) {
            entries.push(("error_type", Entry::Str(kind)));
        }
        entries.extend(
            self.site
                .metadata
                .iter()
                .map(|&(k, v)| (k, Entry::Literal(v))),
        );
        // Stable: of equal keys the first pushed stays, as `merge_user_metadata` keeps it.
        entries.sort_by(|a, b| a.0.cmp(b.0));
        entries.dedup_by(|later, first| later.0 == first.0);
        out.extend_from_slice(
            br#"{"eventType":"tool.call","quantity":1.0,"units":"calls","metadata":{"#,
        );
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // Writing JSON into a Vec cannot fail for these types.
            let _ = serde_json::to_writer(&mut *out, key);
            out.push(b':');
            let _ = match *value {
                Entry::Str(s) | Entry::Literal(LiteralValue::Str(s)) => {
                    serde_json::to_writer(&mut *out, s)
                }
                Entry::Float(f) | Entry::Literal(LiteralValue::Float(f)) => {
                    serde_json::to_writer(&mut *out, &f)
                }
                Entry::Literal(LiteralValue::Int(n)) => serde_json::to_writer(&mut *out, &n),
                Entry::Literal(LiteralValue::Bool(b)) => serde_json::to_writer(&mut *out, &b),
            };
        }
        out.extend_from_slice(br#"},"idempotencyKey":""#);
        idempotency::Reserved::next().write_key("evt", out);
        out.extend_from_slice(br#"","timestamp":""#);
        scratch.timestamps.write(ended, out);
        out.extend_from_slice(br#""}"#);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    static PLAIN: ToolSite = ToolSite {
        name: "web-search",
        metadata: &[],
        meter: None,
        error_message: false,
    };
    // Literals sorting before and after drip's keys, one trying to replace
    // drip's `status`, one repeated, one needing escapes.
    static LITERALS: ToolSite = ToolSite {
        name: "db \"lookup\"\n",
        metadata: &[
            ("a_first", LiteralValue::Int(-3)),
            ("status", LiteralValue::Str("overridden")),
            ("zone", LiteralValue::Str("eu-\"west\"\u{e9}")),
            ("ratio", LiteralValue::Float(0.25)),
            ("cached", LiteralValue::Bool(true)),
            ("zone", LiteralValue::Str("second")),
        ],
        meter: None,
        error_message: false,
    };

    fn record(
        site: &'static ToolSite,
        status: ToolStatus,
        error: Option<Cow<'static, str>>,
    ) -> ToolRecord {
        ToolRecord {
            site,
            ended: crate::clock::now(),
            elapsed: Duration::from_nanos(42_400),
            status,
            extra: ToolExtra::new(error, None, None),
        }
    }

    /// The typed event's JSON with its key replaced by the one the direct
    /// writer made (keys are drawn fresh for each event).
    fn typed_json(record: ToolRecord, wall: SystemTime, key: &str) -> Vec<u8> {
        let mut event = PendingEvent::Tool(record).into_event(|_| time::rfc3339(wall));
        assert!(event.is_built_clean());
        event.idempotency_key = key.to_owned();
        serde_json::to_vec(&event).unwrap()
    }

    #[test]
    fn a_clean_tool_call_is_written_as_its_typed_event_serialises() {
        let wall = UNIX_EPOCH + Duration::from_millis(1_764_000_000_123);
        let make = || {
            [
                record(&PLAIN, ToolStatus::Ok, None),
                record(&LITERALS, ToolStatus::Error, Some(Cow::Borrowed("Timeout"))),
                record(
                    &LITERALS,
                    ToolStatus::Panicked,
                    Some(Cow::Owned("io::Error".into())),
                ),
                record(&PLAIN, ToolStatus::Cancelled, None),
            ]
        };
        for (direct, typed) in make().into_iter().zip(make()) {
            let mut out = Vec::new();
            direct.write_json(wall, &mut Scratch::default(), &mut out);
            let parsed: serde_json::Value = serde_json::from_slice(&out).unwrap();
            let key = parsed["idempotencyKey"].as_str().unwrap();
            assert!(key.starts_with("evt_"), "{key}");
            assert_eq!(
                String::from_utf8(out.clone()).unwrap(),
                String::from_utf8(typed_json(typed, wall, key)).unwrap()
            );
        }
    }

    #[test]
    fn a_batch_of_clean_calls_is_bytes_and_anything_else_is_typed() {
        let wall = |_| UNIX_EPOCH + Duration::from_secs(1_764_000_000);
        let clean = vec![
            PendingEvent::Tool(record(&PLAIN, ToolStatus::Ok, None)),
            PendingEvent::Tool(record(&LITERALS, ToolStatus::Ok, None)),
        ];
        let Envelope::StreamWire {
            external_run_id,
            json,
        } = stream_batch("run_1".into(), clean, wall)
        else {
            panic!("clean tool calls are written as bytes")
        };
        assert_eq!(external_run_id, "run_1");
        assert!(json.is_checked());
        let (id, scanned) =
            crate::delivery::EventJson::scan(&bytes::Bytes::copy_from_slice(json.line()))
                .expect("the line reads back");
        assert_eq!((id.as_str(), &scanned), ("run_1", &json));
        let events = json.all_typed();
        assert_eq!(events.len(), 2);
        assert_eq!(
            events[1].metadata.as_ref().unwrap().get("tool_name"),
            Some(&"db \"lookup\"\n".into())
        );

        // A run-time value needs the boundary: the batch is typed events.
        let mut with_value = record(&PLAIN, ToolStatus::Ok, None);
        with_value.extra =
            ToolExtra::new(None, None, Some(Box::new(vec![("k", Value::from("v"))])));
        let mixed = vec![
            PendingEvent::Tool(record(&PLAIN, ToolStatus::Ok, None)),
            PendingEvent::Tool(with_value),
            PendingEvent::Ready(Box::new(Event::plan("next"))),
        ];
        let Envelope::StreamEvents { events, .. } = stream_batch("run_1".into(), mixed, wall)
        else {
            panic!("a run-time value keeps the batch typed")
        };
        assert_eq!(events.len(), 3);
        assert!(events[0].is_built_clean() && !events[1].is_built_clean());
    }

    #[test]
    fn a_record_run_of_clean_calls_keeps_its_events_as_json_and_reads_back() {
        let wall = |_| UNIX_EPOCH + Duration::from_secs(1_764_000_000);
        let make = || {
            crate::model::RecordRun::new("cus_1", "agent", crate::model::RunStatus::Completed)
                .external_run_id("run_\"r\"")
                .metadata(
                    [("events", Value::from("\"events\":[]"))]
                        .into_iter()
                        .collect::<Metadata>(),
                )
        };
        let calls = || {
            vec![
                PendingEvent::Tool(record(&PLAIN, ToolStatus::Ok, None)),
                PendingEvent::Tool(record(&LITERALS, ToolStatus::Error, Some("E".into()))),
            ]
        };
        let envelope = record_envelope(make(), calls(), wall, Some("parent".into()))
            .for_external_customer(Some("user_1".into()));
        assert_eq!(envelope.items(), 2);
        let Envelope::Run {
            run, events_json, ..
        } = &envelope
        else {
            panic!("a run")
        };
        assert!(run.events.is_empty() && events_json.is_some());

        // Its spool line reads back to the same envelope, the events still bytes.
        let mut line = Vec::new();
        events_json
            .as_ref()
            .unwrap()
            .write_line(&envelope, &mut line)
            .unwrap();
        let bare = bytes::Bytes::copy_from_slice(line.strip_suffix(b"\n").unwrap());
        let back = Envelope::read_line(&bare).unwrap();
        assert_eq!(back, envelope);
        // And typed, it is the run the typed path makes (keys aside).
        let typed = back.into_typed();
        let Envelope::Run { run: typed_run, .. } = &typed else {
            panic!("a run")
        };
        let full = Envelope::from_line(&bare).unwrap();
        assert_eq!(full, typed, "the line parses in full to the same run");
        assert_eq!(typed_run.events.len(), 2);
        assert_eq!(
            typed_run.events[1]
                .metadata
                .as_ref()
                .unwrap()
                .get("error_type"),
            Some(&"E".into())
        );
        assert_eq!(
            typed_run.metadata.as_ref().unwrap().get("events"),
            Some(&"\"events\":[]".into())
        );

        // Anything but clean tool calls keeps the events typed.
        let mut mixed = calls();
        mixed.push(PendingEvent::Ready(Box::new(Event::plan("p"))));
        let Envelope::Run {
            run, events_json, ..
        } = record_envelope(make(), mixed, wall, None)
        else {
            panic!("a run")
        };
        assert_eq!((run.events.len(), events_json), (3, None));
    }
}
