//! Stream events on their way to `/run-events/batch` (and record-mode runs to
//! `/runs/record`): made ready for the wire once, on their way into the spool
//! (`Submission::into_envelope`, so the spool and the dead-letter file hold
//! only sanitised events), and serialised straight into a request body from
//! the segment's envelopes, without copying them.

use super::envelope::Envelope;
use crate::Error;
use crate::model::Event;
use crate::privacy::Sanitizer;
use bytes::Bytes;
use std::io::Write;

/// The pipeline's sanitising boundary: applies what the client's typed calls
/// apply (the privacy hook on metadata, descriptions and error text, a key
/// for a keyless event) to every envelope kind on its way into the spool, so
/// that bodies can be sent as they are and the spool holds only sanitised
/// text, whatever built the envelope. Sanitising is idempotent: envelopes
/// read back from a spool pass here again without change.
pub(crate) fn prepare(envelope: &mut Envelope, privacy: &Sanitizer) {
    use crate::client::prepare;
    let sanitize = |metadata: &mut Option<crate::Metadata>| {
        *metadata = prepare::metadata(privacy, metadata.take());
    };
    let event = |event: &mut Event| prepare::event_in_place(privacy, event);
    match envelope {
        Envelope::StreamEvents { events, .. } => events
            .iter_mut()
            .filter(|e| !e.is_built_clean())
            .for_each(event),
        Envelope::Run { run, .. } => {
            run.events
                .iter_mut()
                .filter(|e| !e.is_built_clean())
                .for_each(event);
            sanitize(&mut run.metadata);
            run.error_message = prepare::text(privacy, run.error_message.take());
        }
        Envelope::StreamStart { run, .. } => sanitize(&mut run.metadata),
        // Made from a batch that crossed this boundary (or read back from
        // this process's own segment).
        Envelope::StreamWire { .. } => {}
        Envelope::StreamEnd { end, .. } => {
            sanitize(&mut end.metadata);
            end.error_message = prepare::text(privacy, end.error_message.take());
        }
        Envelope::Usage { usage, .. } => {
            sanitize(&mut usage.metadata);
            usage.description = prepare::text(privacy, usage.description.take());
        }
        Envelope::Charge { charge, .. } => sanitize(&mut charge.metadata),
    }
    envelope.fill_keys();
}

/// Why the server would refuse `event` on its own (the client's checks), if it would.
pub(crate) fn refusal(event: &Event) -> Option<Error> {
    if event.is_built_clean() {
        // A tool call: constant type and units, one call, a fresh key.
        return None;
    }
    crate::client::prepare::check_event(event).err()
}

/// [`refusal`] of an event of a batch body (parsed, when given as JSON).
pub(crate) fn refusal_of(event: EventRef<'_>) -> Option<Error> {
    match event {
        EventRef::Typed(event) => refusal(event),
        EventRef::Json(json) => match serde_json::from_slice::<Event>(json) {
            Ok(event) => refusal(&event),
            Err(e) => Some(Error::Validation {
                field: "events",
                reason: format!("an event of the spool does not read back: {e}"),
            }),
        },
    }
}

/// The typed event (parsed, when given as JSON; `None` if it does not parse).
pub(crate) fn typed(event: EventRef<'_>) -> Option<Event> {
    match event {
        EventRef::Typed(event) => Some(event.clone()),
        EventRef::Json(json) => serde_json::from_slice(json).ok(),
    }
}

/// The spool line of an event batch, written by hand so that each event's
/// JSON is known by position: the request body is spliced from these bytes,
/// and no event is serialised a second time. Once written, a batch stays
/// these bytes until the wire (`Envelope::StreamWire`): read back from a
/// segment by a scan of its spans ([`EventJson::scan`]), not a parse into
/// typed events.
///
/// The line is `{"stream_events":{"external_run_id":…,"checked":true,"events":[…],"lens":[…]}}`,
/// `lens` the byte length of each event's object, so that reading a line back
/// finds the events without scanning their text;
/// `"checked":true` says every event passed the client's checks
/// ([`refusal`]) when the line was written, so dispatch need not parse them
/// to check again. Without it (a batch holding an event the server would
/// refuse, or a line of an earlier drip) each event is checked at dispatch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventJson {
    /// Without its newline; a slice of the whole segment when read back.
    line: Bytes,
    /// Byte range of each event's object in `line`.
    spans: Vec<(u32, u32)>,
    checked: bool,
}

const LINE_HEAD: &[u8] = b"{\"stream_events\":{\"external_run_id\":";
const CHECKED: &[u8] = b",\"checked\":true";
const EVENTS: &[u8] = b",\"events\":[";
/// Between the events and their lengths, which end the line: a reader
/// finds each event by the lengths instead of scanning its text.
const LENS: &[u8] = b"],\"lens\":[";
const LINE_TAIL: &[u8] = b"]}}";

impl EventJson {
    /// The line (without its newline) for a stream event batch; `None` for other envelopes.
    #[cfg(test)]
    pub(crate) fn of(envelope: &Envelope) -> Option<EventJson> {
        Self::of_in(envelope, &mut Vec::new())
    }

    /// The line for a stream event batch (`None` for other envelopes),
    /// written in `scratch` first so that the kept line is one allocation of
    /// exactly its size.
    pub(crate) fn of_in(envelope: &Envelope, scratch: &mut Vec<u8>) -> Option<EventJson> {
        let Envelope::StreamEvents {
            external_run_id,
            events,
        } = envelope
        else {
            return None;
        };
        let (spans, checked) = Self::write(external_run_id, events, scratch)?;
        Some(EventJson {
            line: Bytes::copy_from_slice(scratch.strip_suffix(b"\n")?),
            spans,
            checked,
        })
    }

    /// Writes the line of `events` into `line`; the events' spans, and
    /// whether they all pass the client's checks.
    pub(crate) fn write(
        external_run_id: &str,
        events: &[Event],
        line: &mut Vec<u8>,
    ) -> Option<(Vec<(u32, u32)>, bool)> {
        let checked = events.iter().all(|e| refusal(e).is_none());
        line.clear();
        line.extend_from_slice(LINE_HEAD);
        serde_json::to_writer(&mut *line, external_run_id).ok()?;
        if checked {
            line.extend_from_slice(CHECKED);
        }
        line.extend_from_slice(EVENTS);
        let mut spans = Vec::with_capacity(events.len());
        for (j, event) in events.iter().enumerate() {
            if j > 0 {
                line.push(b',');
            }
            let start = u32::try_from(line.len()).ok()?;
            serde_json::to_writer(&mut *line, event).ok()?;
            spans.push((start, u32::try_from(line.len()).ok()?));
        }
        write_lens(&spans, line);
        line.push(b'\n');
        Some((spans, checked))
    }

    /// Reads a line of this format (without its newline) by its spans: the
    /// run's client-made id and the batch, which keeps a reference to
    /// `bytes` (no copy). `None` for any other line, or one this scan cannot
    /// vouch for (the caller parses it in full then, which reports a corrupt line).
    pub(crate) fn scan(bytes: &Bytes) -> Option<(String, EventJson)> {
        let line: &[u8] = bytes;
        // One pass over the bytes: every span then slices valid UTF-8.
        std::str::from_utf8(line).ok()?;
        let rest = line.strip_prefix(LINE_HEAD)?;
        let id_len = string_len(rest)?;
        let external_run_id: String = serde_json::from_slice(&rest[..id_len]).ok()?;
        let mut at = line.len() - rest.len() + id_len;
        let checked = line[at..].starts_with(CHECKED);
        if checked {
            at += CHECKED.len();
        }
        if !line[at..].starts_with(EVENTS) {
            return None;
        }
        at += EVENTS.len();
        // The lengths: digits and commas between the last `],"lens":[` and the tail.
        let body = line.strip_suffix(LINE_TAIL)?;
        let lens_at = memchr::memmem::rfind(body, LENS)?;
        let lens = &body[lens_at + LENS.len()..];
        let mut spans = Vec::new();
        if !lens.is_empty() {
            for len in lens.split(|&b| b == b',') {
                if len.is_empty() || len.len() > 9 || !len.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let len = len
                    .iter()
                    .fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
                if !spans.is_empty() {
                    // The separator after the previous event.
                    (line.get(at) == Some(&b',')).then_some(())?;
                    at += 1;
                }
                let end = at.checked_add(len)?;
                // Each event an object: a damaged line is parsed in full instead.
                let object = line.get(at..end)?;
                (object.len() >= 2 && object[0] == b'{' && object[len - 1] == b'}').then_some(())?;
                spans.push((u32::try_from(at).ok()?, u32::try_from(end).ok()?));
                at = end;
            }
        }
        if at != lens_at {
            return None;
        }
        Some((
            external_run_id,
            EventJson {
                line: bytes.clone(),
                spans,
                checked,
            },
        ))
    }

    pub(crate) fn line(&self) -> &[u8] {
        &self.line
    }

    /// How many events the batch holds.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether every event passed the client's checks when the line was written.
    pub(crate) fn is_checked(&self) -> bool {
        self.checked
    }

    /// The `j`th event's JSON object.
    pub(crate) fn event(&self, j: usize) -> Option<&[u8]> {
        let &(start, end) = self.spans.get(j)?;
        self.line.get(start as usize..end as usize)
    }

    /// The `j`th event, typed: for the rare paths that need one (checking
    /// an unchecked batch, a dead letter).
    pub(crate) fn typed(&self, j: usize) -> Option<Event> {
        serde_json::from_slice(self.event(j)?).ok()
    }

    /// All events, typed (an event that does not parse is left out).
    pub(crate) fn all_typed(&self) -> Vec<Event> {
        (0..self.len()).filter_map(|j| self.typed(j)).collect()
    }
}

/// Writes an event batch's spool line one event at a time, for events
/// written straight into bytes that all pass the client's checks (tool
/// calls made of their compile-time-checked parts): the batch never exists
/// as typed events.
pub(crate) struct LineWriter {
    line: Vec<u8>,
    spans: Vec<(u32, u32)>,
    /// A span past `u32::MAX` bytes: no line.
    too_long: bool,
}

impl LineWriter {
    /// A line for `events` events of the run `external_run_id`.
    pub(crate) fn checked(external_run_id: &str, events: usize) -> Self {
        let mut line = Vec::with_capacity(96 + events * 288);
        line.extend_from_slice(LINE_HEAD);
        // Writing JSON into a Vec cannot fail for a string.
        let _ = serde_json::to_writer(&mut line, external_run_id);
        line.extend_from_slice(CHECKED);
        line.extend_from_slice(EVENTS);
        LineWriter {
            line,
            spans: Vec::with_capacity(events),
            too_long: false,
        }
    }

    /// Appends one event, whose JSON object `write` writes.
    pub(crate) fn event(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        if !self.spans.is_empty() {
            self.line.push(b',');
        }
        let start = self.line.len();
        write(&mut self.line);
        match (u32::try_from(start), u32::try_from(self.line.len())) {
            (Ok(start), Ok(end)) => self.spans.push((start, end)),
            _ => self.too_long = true,
        }
    }

    /// The batch; `None` if it outgrew what a line can index.
    pub(crate) fn finish(mut self) -> Option<EventJson> {
        write_lens(&self.spans, &mut self.line);
        (!self.too_long).then(|| EventJson {
            line: self.line.into(),
            spans: self.spans,
            checked: true,
        })
    }
}

/// Ends a line: the events' array, their lengths, the tail.
fn write_lens(spans: &[(u32, u32)], line: &mut Vec<u8>) {
    line.extend_from_slice(LENS);
    for (j, (start, end)) in spans.iter().enumerate() {
        if j > 0 {
            line.push(b',');
        }
        push_decimal(line, end - start);
    }
    line.extend_from_slice(LINE_TAIL);
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut Vec<u8>, n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// The length of the JSON string token at the start of `s` (quotes included).
fn string_len(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    loop {
        i += memchr::memchr2(b'"', b'\\', s.get(i..)?)?;
        if s[i] == b'"' {
            return Some(i + 1);
        }
        i += 2;
    }
}

/// The length of the JSON object at the start of `s`, found by matching its
/// braces outside strings (brackets and the rest are not validated: a
/// damaged event is refused by the server and dead-lettered alone).
fn object_len(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'{') {
        return None;
    }
    let mut depth = 0usize;
    let mut i = 0;
    loop {
        i += memchr::memchr3(b'"', b'{', b'}', s.get(i..)?)?;
        match s[i] {
            b'"' => {
                i += string_len(&s[i..])?;
                continue;
            }
            b'{' => depth += 1,
            _ => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
        }
        i += 1;
    }
}

/// A record-mode run's events as their JSON array, kept beside the run's
/// request (whose `events` is then empty) from the moment the transport
/// writes them until the wire: spliced into the `/runs/record` body and the
/// spool line, read back by a scan. Only events that pass the client's
/// checks are kept this way (tool calls of compile-time-checked parts); the
/// line says so with `"checked":true`, and a line without it is parsed in full.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunEventsJson {
    /// `[…]`; a slice of the whole segment when read back.
    array: Bytes,
    len: usize,
}

/// `"events":[]` as an empty `RecordRun` serialises it: always present
/// (the field is never skipped), and its first occurrence is the field's,
/// as any quote inside a string value is escaped.
const EMPTY_EVENTS: &[u8] = b"\"events\":[]";
const RECORD_HEAD: &[u8] = b"{\"record_run\":{";

/// Writes a [`RunEventsJson`] one event at a time.
pub(crate) struct RunEventsWriter {
    array: Vec<u8>,
    len: usize,
}

impl RunEventsWriter {
    /// For about `capacity` events.
    pub(crate) fn new(capacity: usize) -> Self {
        let mut array = Vec::with_capacity(2 + capacity * 288);
        array.push(b'[');
        RunEventsWriter { array, len: 0 }
    }

    /// One event: `write` appends its JSON object.
    pub(crate) fn event(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        if self.len > 0 {
            self.array.push(b',');
        }
        write(&mut self.array);
        self.len += 1;
    }

    pub(crate) fn finish(mut self) -> RunEventsJson {
        self.array.push(b']');
        RunEventsJson {
            array: self.array.into(),
            len: self.len,
        }
    }
}

impl RunEventsJson {
    /// Events written by `write`, one call per event into the array.
    pub(crate) fn write<T>(
        items: impl IntoIterator<Item = T>,
        capacity: usize,
        mut write: impl FnMut(T, &mut Vec<u8>),
    ) -> Self {
        let mut array = RunEventsWriter::new(capacity);
        for item in items {
            array.event(|out| write(item, out));
        }
        array.finish()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The events, typed (an array that does not parse gives none), for
    /// the rare paths that need them (the step-by-step fallback, a dead
    /// letter, a test's capture).
    pub(crate) fn typed(&self) -> Vec<Event> {
        serde_json::from_slice(&self.array).unwrap_or_default()
    }

    /// `json` (a serialised run or envelope whose run has no events) with
    /// these events in its `events`, appended to `out`.
    pub(crate) fn splice(&self, json: &[u8], out: &mut Vec<u8>) -> Option<()> {
        let at = memchr::memmem::find(json, EMPTY_EVENTS)?;
        let array_at = at + EMPTY_EVENTS.len() - 2;
        out.reserve(json.len() + self.array.len());
        out.extend_from_slice(&json[..array_at]);
        out.extend_from_slice(&self.array);
        out.extend_from_slice(&json[array_at + 2..]);
        Some(())
    }

    /// The spool line (newline included) of a record-mode envelope whose
    /// events are these, written in `line`.
    pub(crate) fn write_line(&self, envelope: &Envelope, line: &mut Vec<u8>) -> Option<()> {
        let mut head = serde_json::to_vec(envelope).ok()?;
        // Marked checked: only events that passed the client's checks are kept this way.
        let rest = head.strip_prefix(RECORD_HEAD)?.to_vec();
        head.truncate(RECORD_HEAD.len());
        head.extend_from_slice(CHECKED.strip_prefix(b",")?);
        head.push(b',');
        head.extend_from_slice(&rest);
        line.clear();
        self.splice(&head, line)?;
        line.push(b'\n');
        Some(())
    }

    /// A record-mode line written by [`write_line`](Self::write_line)
    /// (without its newline): the line with its events taken out, for a
    /// typed parse of the rest, and the events. `None` for any other line.
    pub(crate) fn scan(bytes: &Bytes) -> Option<(Vec<u8>, RunEventsJson)> {
        let line: &[u8] = bytes;
        let rest = line.strip_prefix(RECORD_HEAD)?;
        rest.strip_prefix(CHECKED.strip_prefix(b",")?)?;
        std::str::from_utf8(line).ok()?;
        let field = memchr::memmem::find(line, b"\"events\":[")?;
        let start = field + b"\"events\":".len();
        let mut at = start + 1;
        let mut len = 0;
        if line.get(at) != Some(&b']') {
            loop {
                at += object_len(line.get(at..)?)?;
                len += 1;
                match line.get(at)? {
                    b',' => at += 1,
                    b']' => break,
                    _ => return None,
                }
            }
        }
        let end = at + 1;
        let mut head = Vec::with_capacity(line.len() - (end - start) + 2);
        head.extend_from_slice(&line[..start]);
        head.extend_from_slice(b"[]");
        head.extend_from_slice(&line[end..]);
        Some((
            head,
            RunEventsJson {
                array: bytes.slice(start..end),
                len,
            },
        ))
    }
}

/// One event of a batch body: its JSON as spooled, or (a batch not made
/// into bytes) the typed event.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EventRef<'a> {
    Json(&'a [u8]),
    Typed(&'a Event),
}

/// Reusable buffers for building batch bodies.
#[derive(Default)]
pub(crate) struct BodyWriter {
    scratch: Vec<u8>,
}

impl BodyWriter {
    /// `{"events":[{"runId":<run_id>, …event}, …]}`, the body the typed call
    /// would serialise for the same events, each event given with its run's
    /// server id, spliced from its JSON when known.
    pub(crate) fn batch<'a>(
        &mut self,
        events: impl IntoIterator<Item = (&'a str, EventRef<'a>)>,
        expected: usize,
    ) -> Vec<u8> {
        // `{"runId":"…"`, made again only when the run changes.
        let mut run_field = Vec::with_capacity(48);
        let mut run_of_field: Option<&str> = None;
        let mut body = Vec::with_capacity(16 + expected * 320);
        body.extend_from_slice(b"{\"events\":[");
        for (i, (run_id, event)) in events.into_iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            if run_of_field != Some(run_id) {
                run_field.clear();
                run_field.extend_from_slice(b"{\"runId\":");
                // Writing JSON into a Vec cannot fail for a string.
                let _ = serde_json::to_writer(&mut run_field, run_id);
                run_of_field = Some(run_id);
            }
            let json = match event {
                EventRef::Json(json) if json.len() >= 2 && json[0] == b'{' => json,
                EventRef::Json(_) => b"{}".as_slice(),
                EventRef::Typed(event) => {
                    self.scratch.clear();
                    if serde_json::to_writer(&mut self.scratch, event).is_err() {
                        // Unreachable for these types; an empty object keeps the body valid.
                        self.scratch.clear();
                        self.scratch.extend_from_slice(b"{}");
                    }
                    &self.scratch
                }
            };
            body.extend_from_slice(&run_field);
            // The event's own object, spliced after `runId`.
            let fields = &json[1..];
            if fields.len() > 1 {
                body.push(b',');
            }
            let _ = body.write_all(fields);
        }
        body.extend_from_slice(b"]}");
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::Metadata;
    use crate::model::ToolStatus;
    use std::time::Duration;

    #[test]
    fn the_spliced_body_is_the_typed_body() {
        let mut with_metadata = Event::llm_call("gpt-4o", 12);
        with_metadata.description = Some("a \"quoted\" note\n".into());
        let events = [
            Event::tool_call("web-search", Duration::from_millis(3), ToolStatus::Ok),
            with_metadata,
        ];
        let env = Envelope::StreamEvents {
            external_run_id: "run_1".into(),
            events: events.to_vec(),
        };
        let json = EventJson::of(&env).unwrap();
        let back: Envelope = serde_json::from_slice(json.line()).unwrap();
        assert_eq!(back, env, "the hand-written line is the spool format");
        // The first event from its spooled JSON, the second serialised afresh.
        // Events of two runs in one body, each naming its own.
        let body = BodyWriter::default().batch(
            [
                ("run_\"x\"", EventRef::Json(json.event(0).unwrap())),
                ("run_y", EventRef::Typed(&events[1])),
            ],
            events.len(),
        );
        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let expected: Vec<serde_json::Value> = events
            .iter()
            .zip(["run_\"x\"", "run_y"])
            .map(|(e, run)| {
                let mut v = serde_json::to_value(e).unwrap();
                v.as_object_mut()
                    .unwrap()
                    .insert("runId".into(), run.into());
                v
            })
            .collect();
        assert_eq!(parsed, serde_json::json!({ "events": expected }));
    }

    #[test]
    fn prepared_events_are_sanitised_and_keyed() {
        let mut event = Event::plan("x");
        event.idempotency_key = " ".into();
        event.description = Some("mail me at jane.doe@example.com".into());
        event.metadata = Some(
            [("api_key", crate::metadata::Value::from("x"))]
                .into_iter()
                .collect::<Metadata>(),
        );
        let mut env = Envelope::StreamEvents {
            external_run_id: "r".into(),
            events: vec![event],
        };
        let privacy = Sanitizer::new();
        prepare(&mut env, &privacy);
        let Envelope::StreamEvents { events, .. } = &env else {
            unreachable!()
        };
        assert!(events[0].idempotency_key.starts_with("evt"));
        assert!(
            !events[0]
                .description
                .as_deref()
                .unwrap()
                .contains("jane.doe")
        );
        assert_eq!(events[0].metadata, None);
        let again = env.clone();
        prepare(&mut env, &privacy);
        assert_eq!(env, again, "preparing twice changes nothing");
    }

    #[test]
    fn invalid_events_are_refused_before_sending() {
        let mut event = Event::llm_call("gpt-4o", 1);
        assert!(refusal(&event).is_none());
        event.quantity = Some(f64::NAN);
        assert!(refusal(&event).is_some());
        event.quantity = Some(-1.0);
        assert!(refusal(&event).is_some());
        let mut blank = Event::plan("x");
        blank.event_type = " ".into();
        assert!(refusal(&blank).is_some());
    }

    fn batch_line(events: Vec<Event>) -> EventJson {
        EventJson::of(&Envelope::StreamEvents {
            external_run_id: "run_\"1\"\\é".into(),
            events,
        })
        .unwrap()
    }

    #[test]
    fn a_line_reads_back_by_its_spans_as_written() {
        let mut odd = Event::plan("braces } { and ] [ \" \\\" in text");
        odd.metadata = Some(
            [("note", crate::metadata::Value::from("}]\"{["))]
                .into_iter()
                .collect::<Metadata>(),
        );
        for events in [vec![], vec![Event::llm_call("gpt-4o", 3), odd]] {
            let json = batch_line(events.clone());
            let (id, read) = EventJson::scan(&Bytes::copy_from_slice(json.line())).unwrap();
            assert_eq!(id, "run_\"1\"\\é");
            assert_eq!(read, json);
            assert_eq!(read.all_typed(), events);
            assert!(read.is_checked());
        }
    }

    #[test]
    fn a_batch_the_server_would_refuse_is_written_unchecked() {
        let mut bad = Event::llm_call("gpt-4o", 1);
        bad.quantity = Some(-1.0);
        let json = batch_line(vec![Event::plan("fine"), bad]);
        assert!(!json.is_checked());
        let (_, read) = EventJson::scan(&Bytes::copy_from_slice(json.line())).unwrap();
        assert!(!read.is_checked());
        assert!(refusal_of(EventRef::Json(read.event(1).unwrap())).is_some());
        assert!(refusal_of(EventRef::Json(read.event(0).unwrap())).is_none());
    }

    #[test]
    fn hostile_lines_are_left_to_the_full_parse() {
        let json = batch_line(vec![Event::plan("a"), Event::plan("b")]);
        let bare = json.line();
        let mut cases: Vec<Vec<u8>> = (0..bare.len()).map(|n| bare[..n].to_vec()).collect();
        let text = String::from_utf8(bare.to_vec()).unwrap();
        for (from, to) in [
            ("},{", "}{"),
            ("},{", "},]"),
            ("]}}", "]}"),
            ("]}}", "]}}x"),
            ("\"events\":[", "\"events\":"),
            ("\"events\":[", "\"evts\":["),
            ("\"external_run_id\":\"", "\"external_run_id\":"),
            ("{\"eventType", "[\"eventType"),
            ("\"lens\":[", "\"lens\":[1"),
            ("\"lens\":[", "\"lens\":[,"),
            ("\"lens\":[", "\"lens\":[x"),
            ("],\"lens\"", "]"),
            ("\"agent.plan\"", "\"agent.plan!\""),
        ] {
            cases.push(text.replacen(from, to, 1).into_bytes());
        }
        let mut invalid_utf8 = bare.to_vec();
        invalid_utf8[bare.len() / 2] = 0xff;
        cases.push(invalid_utf8);
        cases.push(br#"{"record_run":{"run":{}}}"#.to_vec());
        for case in cases {
            assert!(
                EventJson::scan(&Bytes::from(case.clone())).is_none(),
                "{}",
                String::from_utf8_lossy(&case)
            );
        }
    }
}
