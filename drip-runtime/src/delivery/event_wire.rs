//! Stream events on their way to `/run-events/batch` (and record-mode runs to
//! `/runs/record`): made ready for the wire once, on their way into the spool
//! (`Submission::into_envelope`, so the spool and the dead-letter file hold
//! only sanitised events), and serialised straight into a request body from
//! the segment's envelopes, without copying them.

use super::envelope::Envelope;
use crate::Error;
use crate::model::Event;
use crate::privacy::Sanitizer;
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

/// The spool line of an event batch, written by hand so that each event's
/// JSON is known by position: the request body is spliced from these bytes,
/// and no event is serialised a second time.
#[derive(Debug)]
pub(crate) struct EventJson {
    line: Vec<u8>,
    /// Byte range of each event's object in `line`.
    spans: Vec<(u32, u32)>,
}

impl EventJson {
    /// The line (newline included) for a stream event batch; `None` for other envelopes.
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
        let line = scratch;
        line.clear();
        line.extend_from_slice(b"{\"stream_events\":{\"external_run_id\":");
        serde_json::to_writer(&mut *line, external_run_id).ok()?;
        line.extend_from_slice(b",\"events\":[");
        let mut spans = Vec::with_capacity(events.len());
        for (j, event) in events.iter().enumerate() {
            if j > 0 {
                line.push(b',');
            }
            let start = u32::try_from(line.len()).ok()?;
            serde_json::to_writer(&mut *line, event).ok()?;
            spans.push((start, u32::try_from(line.len()).ok()?));
        }
        line.extend_from_slice(b"]}}\n");
        Some(EventJson {
            line: line.clone(),
            spans,
        })
    }

    pub(crate) fn line(&self) -> &[u8] {
        &self.line
    }

    /// The `j`th event's JSON object.
    pub(crate) fn event(&self, j: usize) -> Option<&[u8]> {
        let &(start, end) = self.spans.get(j)?;
        self.line.get(start as usize..end as usize)
    }
}

/// Reusable buffers for building batch bodies.
#[derive(Default)]
pub(crate) struct BodyWriter {
    scratch: Vec<u8>,
}

impl BodyWriter {
    /// `{"events":[{"runId":<run_id>, …event}, …]}`, the body the typed call
    /// would serialise for the same events, each event given with its run's
    /// server id. Each event comes as its JSON (from the spool line) when
    /// known, else as the event itself.
    pub(crate) fn batch<'a>(
        &mut self,
        events: impl IntoIterator<Item = (&'a str, &'a Event, Option<&'a [u8]>)>,
        expected: usize,
    ) -> Vec<u8> {
        // `{"runId":"…"`, made again only when the run changes.
        let mut run_field = Vec::with_capacity(48);
        let mut run_of_field: Option<&str> = None;
        let mut body = Vec::with_capacity(16 + expected * 360);
        body.extend_from_slice(b"{\"events\":[");
        for (i, (run_id, event, json)) in events.into_iter().enumerate() {
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
            let json = match json {
                Some(json) if json.len() >= 2 && json[0] == b'{' => json,
                _ => {
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
                ("run_\"x\"", &events[0], json.event(0)),
                ("run_y", &events[1], None),
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
}
