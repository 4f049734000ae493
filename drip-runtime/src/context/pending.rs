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
use crate::delivery::{
    Envelope, EventJson, LineWriter, RunEventsJson, SPILL_MAX_EVENTS, SpillWriter, StreamChunk,
    ToolCallFacts, ToolJsonWriter, ToolValue,
};
use crate::metadata::{Metadata, Value};
use crate::model::idempotency::{self, Reserved};
use crate::model::{Event, RecordRun, ToolStatus, time};
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
        let keys = Reserved::block(pending.len() as u64);
        if let Some(json) = clean_line(&external_run_id, &pending, &wall_of, keys) {
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

/// A streaming run's buffered events as it hands them over: made into their
/// batch ([`stream_batch`]) by the transport, or written as a compact spill
/// record by a caller who finds the queue full.
pub(crate) struct BufferedChunk {
    pub(crate) external_run_id: String,
    pub(crate) pending: Vec<PendingEvent>,
    /// The run's start on the run clock and on the wall clock.
    pub(crate) started_at: Tick,
    pub(crate) started_wall: SystemTime,
}

impl StreamChunk for BufferedChunk {
    fn make_envelope(self: Box<Self>) -> Envelope {
        let (at, wall) = (self.started_at, self.started_wall);
        stream_batch(self.external_run_id, self.pending, move |t| {
            wall + t.saturating_duration_since(at)
        })
    }

    fn external_run_id(&self) -> &str {
        &self.external_run_id
    }

    fn spill_record(&self) -> Option<Vec<u8>> {
        let pending = &self.pending;
        if !spillable(pending) {
            return None;
        }
        let keys = Reserved::block(pending.len() as u64);
        let record = SpillWriter::begin(
            &self.external_run_id,
            keys,
            self.started_wall,
            pending.len(),
        )?;
        Some(spill_events(record, pending, self.started_at)?.finish().0)
    }
}

/// A record-mode run's buffered events as the start of its spill record
/// (ended with the run's own part by `SpillWriter::finish_run`), or `None`
/// when they are not all clean tool calls (the run is then spilled as its
/// envelope). `started` is the run's start on the run clock and the wall clock.
pub(crate) fn run_spill_events(
    pending: &[PendingEvent],
    started: (Tick, SystemTime),
) -> Option<SpillWriter> {
    if pending.is_empty() || !spillable(pending) {
        return None;
    }
    let keys = Reserved::block(pending.len() as u64);
    let record = SpillWriter::begin_run(keys, started.1, pending.len())?;
    spill_events(record, pending, started.0)
}

/// Whether `pending` fits one spill record: clean tool calls, not too many.
fn spillable(pending: &[PendingEvent]) -> bool {
    pending.len() <= SPILL_MAX_EVENTS && pending.iter().all(PendingEvent::is_clean_tool)
}

/// Writes clean tool calls into a spill record: numbers only per call
/// (`delivery/spill_record.rs`); each distinct site's name and literals
/// once, found by address among the few a run holds. `None` if any is not
/// a tool call or does not fit the record.
fn spill_events(
    mut record: SpillWriter,
    pending: &[PendingEvent],
    started_at: Tick,
) -> Option<SpillWriter> {
    let mut sites: Vec<&'static ToolSite> = Vec::new();
    // Calls in a row are mostly of one site: the last one is tried first.
    let mut last = 0;
    for event in pending {
        let PendingEvent::Tool(call) = event else {
            return None;
        };
        let index = if sites.get(last).is_some_and(|s| std::ptr::eq(*s, call.site)) {
            last
        } else {
            match sites.iter().position(|s| std::ptr::eq(*s, call.site)) {
                Some(i) => i,
                None => {
                    sites.push(call.site);
                    sites.len() - 1
                }
            }
        };
        last = index;
        let written = record.event(
            u32::try_from(index).ok()?,
            call.ended.saturating_duration_since(started_at),
            call.elapsed,
            call.status,
            call.error_type(),
        );
        if !written {
            return None;
        }
    }
    for site in sites {
        record.site(
            site.name,
            site.metadata.iter().map(|&(k, v)| (k, tool_value(v))),
        );
    }
    Some(record)
}

/// The spool line of a batch of clean tool calls, keyed from `keys` on.
fn clean_line(
    external_run_id: &str,
    pending: &[PendingEvent],
    wall_of: impl Fn(Tick) -> SystemTime,
    keys: Reserved,
) -> Option<EventJson> {
    let mut line = LineWriter::checked(external_run_id, pending.len());
    let mut writer = ToolJsonWriter::default();
    for (i, event) in (0..).zip(pending) {
        if let PendingEvent::Tool(call) = event {
            let key = keys.nth(i)?;
            line.event(|out| call.write_json(wall_of(call.ended), key, &mut writer, out));
        }
    }
    line.finish()
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
    let keys = Reserved::block(pending.len() as u64);
    clean_record_envelope(run, &pending, wall_of, parent_external_run_id, keys)
}

/// [`record_envelope`] of clean tool calls, keyed from `keys` on.
fn clean_record_envelope(
    run: RecordRun,
    pending: &[PendingEvent],
    wall_of: impl Fn(Tick) -> SystemTime,
    parent_external_run_id: Option<String>,
    keys: Reserved,
) -> Envelope {
    let mut writer = ToolJsonWriter::default();
    let json = RunEventsJson::write((0..).zip(pending), pending.len(), |(i, event), out| {
        if let PendingEvent::Tool(call) = event {
            // The block ends within the sequence: the add that reserved it did not wrap.
            let key = keys.nth(i).unwrap_or(keys);
            call.write_json(wall_of(call.ended), key, &mut writer, out);
        }
    });
    let mut envelope = Envelope::record(run, parent_external_run_id);
    if let Envelope::Run { events_json, .. } = &mut envelope {
        *events_json = Some(json);
    }
    envelope
}

impl ToolRecord {
    /// The JSON object of the event [`PendingEvent::into_event`] makes, as
    /// serde writes it, for a call of compile-time-checked parts only, keyed
    /// `key` (a number this process reserved).
    fn write_json<'a>(
        &'a self,
        ended: SystemTime,
        key: Reserved,
        writer: &mut ToolJsonWriter<'a>,
        out: &mut Vec<u8>,
    ) {
        writer.write(
            ToolCallFacts {
                name: self.site.name,
                literals: self.site.metadata.iter().map(|&(k, v)| (k, tool_value(v))),
                elapsed: self.elapsed,
                status: self.status,
                error_type: self.error_type(),
                key: (idempotency::nonce(), key),
                ended,
            },
            out,
        );
    }

    fn error_type(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|x| x.error_type.as_deref())
    }
}

/// A site's literal as the event writer takes it.
fn tool_value(v: LiteralValue) -> ToolValue<'static> {
    match v {
        LiteralValue::Str(s) => ToolValue::Str(s),
        LiteralValue::Int(n) => ToolValue::Int(n),
        LiteralValue::Float(f) => ToolValue::Float(f),
        LiteralValue::Bool(b) => ToolValue::Bool(b),
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
            direct.write_json(
                wall,
                Reserved::next(),
                &mut ToolJsonWriter::default(),
                &mut out,
            );
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

    /// The key number a spill record (of either kind) starts its block at.
    fn record_key(record: &[u8]) -> Reserved {
        let parsed: serde_json::Value = serde_json::from_slice(record).unwrap();
        let (_, body) = parsed.as_object().unwrap().iter().next().unwrap();
        Reserved::from_number(body["key"].as_u64().unwrap())
    }

    /// Clean calls of every status, of two sites, ending `started_at` on.
    fn varied_calls(started_at: Tick) -> Vec<PendingEvent> {
        let call = |site, ns, status, error: Option<&'static str>| {
            let mut r = record(site, status, error.map(Cow::Borrowed));
            r.ended = started_at + Duration::from_nanos(ns);
            r.elapsed = Duration::from_nanos(ns / 3 + 7);
            PendingEvent::Tool(r)
        };
        vec![
            call(&PLAIN, 0, ToolStatus::Ok, None),
            call(&LITERALS, 543_211, ToolStatus::Error, Some("io::Error")),
            call(&PLAIN, 1_000_000_001, ToolStatus::Cancelled, None),
            call(
                &LITERALS,
                2_500_000_000,
                ToolStatus::Panicked,
                Some("\"odd\"\u{e9}"),
            ),
            call(&PLAIN, 2_500_000_001, ToolStatus::Ok, None),
        ]
    }

    /// Nanoseconds and a leap to the next second, so timestamps differ.
    const SPILL_WALL: Duration = Duration::new(1_764_000_000, 999_456_789);

    #[test]
    fn a_spill_record_reads_back_as_the_line_the_transport_writes() {
        let started_at = crate::clock::now();
        let started_wall = UNIX_EPOCH + SPILL_WALL;
        let make = || BufferedChunk {
            external_run_id: "run_\"spilled\"".into(),
            pending: varied_calls(started_at),
            started_at,
            started_wall,
        };
        let chunk = make();
        let record = chunk.spill_record().expect("clean calls spill compactly");
        let (id, read) = crate::delivery::spill_record::read(&record).expect("reads back");
        let wall_of = |t: Tick| started_wall + t.saturating_duration_since(started_at);
        let direct = clean_line(
            &chunk.external_run_id,
            &chunk.pending,
            wall_of,
            record_key(&record),
        )
        .expect("a line");
        assert_eq!(id, chunk.external_run_id);
        assert_eq!(
            String::from_utf8_lossy(read.line()),
            String::from_utf8_lossy(direct.line())
        );
        assert_eq!(read, direct);
        // The sites' table holds each distinct site once.
        let text = String::from_utf8_lossy(&record).into_owned();
        assert_eq!(text.matches("web-search").count(), 1, "{text}");
        // And the envelope the transport makes reads the same, but for its keys.
        let Envelope::StreamWire { json, .. } =
            (Box::new(make()) as Box<dyn StreamChunk>).make_envelope()
        else {
            panic!("clean calls make a wire batch")
        };
        let strip = |e: Event| Event {
            idempotency_key: String::new(),
            ..e
        };
        assert_eq!(
            json.all_typed().into_iter().map(strip).collect::<Vec<_>>(),
            read.all_typed().into_iter().map(strip).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_run_spill_record_reads_back_as_the_envelope_the_transport_makes() {
        let started_at = crate::clock::now();
        let started_wall = UNIX_EPOCH + SPILL_WALL;
        let pending = varied_calls(started_at);
        let run = crate::model::RecordRun::new("cus_1", "agent", crate::model::RunStatus::Failed)
            .external_run_id("run_\"r\"")
            .timing(started_wall, started_wall + Duration::from_secs(3))
            .metadata(
                [
                    ("events", Value::from("\"events\":[]")),
                    ("n", Value::from(7)),
                ]
                .into_iter()
                .collect::<Metadata>(),
            );
        let events = run_spill_events(&pending, (started_at, started_wall)).expect("clean calls");
        let own = Envelope::record(run.clone(), Some("parent_1".into()))
            .for_external_customer(Some("user_1".into()));
        let (spilled, count) = events.finish_run(&own).expect("a record");
        assert_eq!(count, pending.len());
        let read = crate::delivery::spill_record::read_envelope(&spilled).expect("reads back");
        let wall_of = |t: Tick| started_wall + t.saturating_duration_since(started_at);
        let direct = clean_record_envelope(
            run,
            &pending,
            wall_of,
            Some("parent_1".into()),
            record_key(&spilled),
        )
        .for_external_customer(Some("user_1".into()));
        // The spool line each would be written as, byte for byte.
        let line_of = |envelope: &Envelope| {
            let Envelope::Run {
                events_json: Some(json),
                ..
            } = envelope
            else {
                panic!("a run with its events as JSON: {envelope:?}")
            };
            let mut line = Vec::new();
            json.write_line(envelope, &mut line).expect("a line");
            String::from_utf8(line).unwrap()
        };
        assert_eq!(line_of(&read), line_of(&direct));
        assert_eq!(read, direct);
        // Each distinct site once, however many calls.
        let text = String::from_utf8_lossy(&spilled).into_owned();
        assert_eq!(text.matches("web-search").count(), 1, "{text}");

        // Anything but clean calls, or none, keeps the envelope path.
        let mut with_values = record(&PLAIN, ToolStatus::Ok, None);
        with_values.extra =
            ToolExtra::new(None, None, Some(Box::new(vec![("k", Value::from("v"))])));
        assert!(
            run_spill_events(
                &[PendingEvent::Tool(with_values)],
                (started_at, started_wall)
            )
            .is_none()
        );
        assert!(run_spill_events(&[], (started_at, started_wall)).is_none());
    }

    #[test]
    fn a_chunk_with_anything_but_clean_calls_has_no_spill_record() {
        let mut with_message = record(&PLAIN, ToolStatus::Error, None);
        with_message.extra = ToolExtra::new(None, Some("boom".into()), None);
        for odd in [
            PendingEvent::Tool(with_message),
            PendingEvent::Ready(Box::new(Event::plan("next"))),
        ] {
            let chunk = BufferedChunk {
                external_run_id: "run_1".into(),
                pending: vec![
                    PendingEvent::Tool(record(&PLAIN, ToolStatus::Ok, None)),
                    odd,
                ],
                started_at: crate::clock::now(),
                started_wall: UNIX_EPOCH + Duration::from_secs(1_764_000_000),
            };
            assert!(chunk.spill_record().is_none());
        }
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
