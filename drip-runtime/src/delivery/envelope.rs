//! What the run context hands to delivery: the client's own request types
//! ([`RecordRun`], [`StartRun`], [`Event`], [`EndRun`], [`TrackUsage`],
//! [`Charge`]), one per wire concept, with beside them only what the spool
//! needs and the wire does not carry yet (a stream run's workflow slug still
//! to resolve, the parent's client-made run id still to map to the server's).
//!
//! Envelopes are also the spool's record format (one JSON line each, the
//! request type serialised as the wire body), so every idempotency key,
//! `externalRunId` and timestamp made at capture survives a restart
//! unchanged. Lines of the earlier format are read by `legacy`.

mod legacy;

use super::event_wire::{EventJson, RunEventsJson};
use crate::model::{Charge, EndRun, Event, RecordRun, RunStatus, StartRun, TrackUsage};
use serde::{Deserialize, Serialize};

/// A unit of work for the transport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// Externally tagged: reading a spool line back needs no buffering. The tags
// differ from the earlier format's (`legacy`) wherever the body changed.
#[serde(rename_all = "snake_case")]
pub(crate) enum Envelope {
    /// A record-mode run, sent whole as one `POST /runs/record`; its
    /// `externalRunId`, timing and idempotency key are set.
    #[serde(rename = "record_run")]
    Run {
        run: RecordRun,
        /// The parent run's client-made id: sent as the parent's server id
        /// when the parent is a stream run already started.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent_external_run_id: Option<String>,
        /// The application's own id for the customer, resolved to Drip's id
        /// (the request's `customerId`, empty until then) on the transport thread.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        external_customer: Option<String>,
        /// The run's events as their JSON array, `run.events` then empty:
        /// tool calls written straight into bytes, spliced into the body and
        /// the spool line (`event_wire::RunEventsJson`), never through serde.
        #[serde(skip)]
        events_json: Option<RunEventsJson>,
    },
    /// Stream mode: `POST /runs`. `run.workflow_id` and `run.parent_run_id`
    /// are filled when it is sent (from `workflow` and the parent's server id).
    #[serde(rename = "start_run")]
    StreamStart {
        run: StartRun,
        /// The workflow slug, resolved to an id once per process.
        workflow: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent_external_run_id: Option<String>,
        /// The application's own id for the customer, resolved to Drip's id
        /// (the request's `customerId`, empty until then) on the transport thread.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        external_customer: Option<String>,
    },
    /// Stream mode: events of a started run, batched to `/run-events/batch`.
    StreamEvents {
        /// The run's client-made id (the transport maps it to the server's id).
        external_run_id: String,
        /// Events, keys and timestamps already fixed.
        events: Vec<Event>,
    },
    /// Stream mode: an event batch as its spool line, as the backlog keeps
    /// it and dispatch sends it (`StreamEvents` once written, or read back
    /// from a segment). Spooled as its line, never through serde.
    #[serde(skip)]
    StreamWire {
        /// The run's client-made id (also in the line).
        external_run_id: String,
        json: EventJson,
    },
    /// Stream mode: `PATCH /runs/{id}` of the run with this client-made id.
    #[serde(rename = "end_run")]
    StreamEnd {
        external_run_id: String,
        end: EndRun,
    },
    /// `POST /usage/internal`, its idempotency key set.
    #[serde(rename = "track_usage")]
    Usage {
        usage: TrackUsage,
        /// The application's own id for the customer, resolved to Drip's id
        /// (the request's `customerId`, empty until then) on the transport thread.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        external_customer: Option<String>,
    },
    /// `POST /usage`: a charge (a `StreamMeter` flush, a metered tool), its
    /// key fixed before the first attempt.
    #[serde(rename = "record_charge")]
    Charge {
        charge: Charge,
        /// The application's own id for the customer, resolved to Drip's id
        /// (the request's `customerId`, empty until then) on the transport thread.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        external_customer: Option<String>,
    },
}

impl Envelope {
    /// Reads one spool line, in this format or the earlier one.
    /// A spill record (`delivery/spill_record.rs`) reads as the typed
    /// events of its batch or run, so that they cross the boundary again.
    pub(crate) fn from_line(line: &[u8]) -> serde_json::Result<Envelope> {
        if super::spill_record::is_spill_record(line) {
            return Self::spill_record(line).map(Envelope::into_typed);
        }
        serde_json::from_slice::<Envelope>(line).or_else(|e| legacy::read(line).ok_or(e))
    }

    /// The event batch (`StreamWire`) or the record-mode run (`Run` with
    /// `events_json`) a spill record stands for.
    fn spill_record(line: &[u8]) -> serde_json::Result<Envelope> {
        super::spill_record::read_envelope(line)
            .map_err(<serde_json::Error as serde::de::Error>::custom)
    }

    /// Reads one spool line as the backlog keeps it: an event batch of this
    /// format by a scan of its spans, a spill record made into its batch
    /// (both `StreamWire`) or its run (`Run`), a record-mode run's
    /// events kept as their JSON (`events_json`), anything else as
    /// [`from_line`](Self::from_line) does.
    pub(crate) fn read_line(line: &bytes::Bytes) -> serde_json::Result<Envelope> {
        if super::spill_record::is_spill_record(line) {
            return Self::spill_record(line);
        }
        if let Some((external_run_id, json)) = EventJson::scan(line) {
            return Ok(Envelope::StreamWire {
                external_run_id,
                json,
            });
        }
        if let Some((head, events)) = RunEventsJson::scan(line)
            && let Ok(Envelope::Run {
                run,
                parent_external_run_id,
                external_customer,
                ..
            }) = serde_json::from_slice::<Envelope>(&head)
        {
            return Ok(Envelope::Run {
                run,
                parent_external_run_id,
                external_customer,
                events_json: Some(events),
            });
        }
        Self::from_line(line)
    }

    /// The same work with an event batch made into its spool line
    /// (`StreamWire`), written in `scratch` first; other kinds unchanged.
    pub(crate) fn into_wire(self, scratch: &mut Vec<u8>) -> Envelope {
        match EventJson::of_in(&self, scratch) {
            Some(json) => {
                let Envelope::StreamEvents {
                    external_run_id, ..
                } = self
                else {
                    return self;
                };
                Envelope::StreamWire {
                    external_run_id,
                    json,
                }
            }
            None => self,
        }
    }

    /// The same work with an event batch kept as bytes made typed
    /// (`StreamEvents`; an event that does not parse is left out), for the
    /// rare paths that need typed events (a dead letter, a test's capture).
    pub(crate) fn into_typed(self) -> Envelope {
        match self {
            Envelope::Run {
                mut run,
                parent_external_run_id,
                external_customer,
                events_json: Some(json),
            } => {
                run.events = json.typed();
                Envelope::Run {
                    run,
                    parent_external_run_id,
                    external_customer,
                    events_json: None,
                }
            }
            Envelope::StreamWire {
                external_run_id,
                json,
            } => Envelope::StreamEvents {
                external_run_id,
                events: json.all_typed(),
            },
            other => other,
        }
    }

    /// A record-mode run of `run` (its `externalRunId` set), nested in the
    /// run `parent_external_run_id` if any.
    pub(crate) fn record(run: RecordRun, parent_external_run_id: Option<String>) -> Self {
        let mut envelope = Envelope::Run {
            run,
            parent_external_run_id,
            external_customer: None,
            events_json: None,
        };
        envelope.fill_keys();
        envelope
    }

    /// A usage record (its idempotency key set).
    pub(crate) fn usage(usage: TrackUsage) -> Self {
        Envelope::Usage {
            usage,
            external_customer: None,
        }
    }

    /// A charge (its idempotency key set).
    pub(crate) fn charge(charge: Charge) -> Self {
        Envelope::Charge {
            charge,
            external_customer: None,
        }
    }

    /// The start of a stream run of `workflow` (a slug); `run` holds the
    /// rest of the `POST /runs` body, its `externalRunId` set.
    pub(crate) fn stream_start(
        run: StartRun,
        workflow: impl Into<String>,
        parent_external_run_id: Option<String>,
    ) -> Self {
        let mut envelope = Envelope::StreamStart {
            run,
            workflow: workflow.into(),
            parent_external_run_id,
            external_customer: None,
        };
        envelope.fill_keys();
        envelope
    }

    /// The end of the stream run `external_run_id`.
    pub(crate) fn stream_end(external_run_id: impl Into<String>, end: EndRun) -> Self {
        let mut envelope = Envelope::StreamEnd {
            external_run_id: external_run_id.into(),
            end,
        };
        envelope.fill_keys();
        envelope
    }

    /// The same work for the customer the application knows as
    /// `external_customer` (the request's `customerId` left empty): resolved
    /// to Drip's id on the transport thread. Kinds without a customer are
    /// returned unchanged.
    #[must_use]
    pub(crate) fn for_external_customer(mut self, external: Option<String>) -> Self {
        if let Some(slot) = self.external_customer_mut() {
            *slot = external;
        }
        self
    }

    /// The application's id of the customer this work is for, when Drip's
    /// id is still to be resolved.
    pub(crate) fn external_customer(&self) -> Option<&str> {
        match self {
            Envelope::Run {
                external_customer, ..
            }
            | Envelope::StreamStart {
                external_customer, ..
            }
            | Envelope::Usage {
                external_customer, ..
            }
            | Envelope::Charge {
                external_customer, ..
            } => external_customer.as_deref(),
            Envelope::StreamEvents { .. }
            | Envelope::StreamWire { .. }
            | Envelope::StreamEnd { .. } => None,
        }
    }

    fn external_customer_mut(&mut self) -> Option<&mut Option<String>> {
        match self {
            Envelope::Run {
                external_customer, ..
            }
            | Envelope::StreamStart {
                external_customer, ..
            }
            | Envelope::Usage {
                external_customer, ..
            }
            | Envelope::Charge {
                external_customer, ..
            } => Some(external_customer),
            Envelope::StreamEvents { .. }
            | Envelope::StreamWire { .. }
            | Envelope::StreamEnd { .. } => None,
        }
    }

    /// Gives a run's start, end and record their idempotency keys where
    /// missing: derived from the run's client-made id, so that every
    /// attempt and every replay of the same run carries the same key.
    pub(crate) fn fill_keys(&mut self) {
        let (key, prefix, ext) = match self {
            Envelope::Run { run, .. } => (
                &mut run.idempotency_key,
                "rec",
                run.external_run_id.as_deref(),
            ),
            Envelope::StreamStart { run, .. } => (
                &mut run.idempotency_key,
                "start",
                run.external_run_id.as_deref(),
            ),
            Envelope::StreamEnd {
                external_run_id,
                end,
            } => (
                &mut end.idempotency_key,
                "end",
                Some(external_run_id.as_str()),
            ),
            _ => return,
        };
        if key.as_deref().is_none_or(|k| k.trim().is_empty())
            && let Some(ext) = ext
        {
            *key = Some(format!("{prefix}:{ext}"));
        }
    }

    /// Billable items inside: events and usage records. Reports count these.
    pub(crate) fn items(&self) -> u64 {
        match self {
            Envelope::Run {
                run, events_json, ..
            } => (run.events.len() + events_json.as_ref().map_or(0, RunEventsJson::len)) as u64,
            Envelope::StreamEvents { events, .. } => events.len() as u64,
            Envelope::StreamWire { json, .. } => json.len() as u64,
            Envelope::Usage { .. } | Envelope::Charge { .. } => 1,
            Envelope::StreamStart { .. } | Envelope::StreamEnd { .. } => 0,
        }
    }

    /// The client-made id of the run this envelope belongs to, if any.
    pub(crate) fn external_run_id(&self) -> Option<&str> {
        match self {
            Envelope::Run { run, .. } => run.external_run_id.as_deref(),
            Envelope::StreamStart { run, .. } => run.external_run_id.as_deref(),
            Envelope::StreamEvents {
                external_run_id, ..
            }
            | Envelope::StreamWire {
                external_run_id, ..
            }
            | Envelope::StreamEnd {
                external_run_id, ..
            } => Some(external_run_id),
            Envelope::Usage { .. } | Envelope::Charge { .. } => None,
        }
    }
}

/// A stream run's start as the transport sends it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Start<'a> {
    pub run: &'a StartRun,
    pub workflow: &'a str,
    pub parent_external_run_id: Option<&'a str>,
    /// The whole envelope: its customer reference, and for the dead letters.
    pub envelope: &'a Envelope,
}

impl<'a> Start<'a> {
    /// The start inside `envelope`, if it is one.
    pub(crate) fn of(envelope: &'a Envelope) -> Option<Self> {
        match envelope {
            Envelope::StreamStart {
                run,
                workflow,
                parent_external_run_id,
                ..
            } => Some(Start {
                run,
                workflow,
                parent_external_run_id: parent_external_run_id.as_deref(),
                envelope,
            }),
            _ => None,
        }
    }

    pub(crate) fn external_run_id(&self) -> &'a str {
        self.run.external_run_id.as_deref().unwrap_or_default()
    }
}

/// A run that ended with `status`, `error_code` and `error_message`, as
/// `PATCH /runs/{id}` carries it.
pub(crate) fn end_run(
    status: RunStatus,
    error_code: Option<String>,
    error_message: Option<String>,
) -> EndRun {
    let mut end = EndRun::new(status);
    end.error_code = error_code;
    end.error_message = error_message;
    end
}

/// For each stream-run start, how many of its ancestors are among `starts`:
/// starting them in rising order starts every parent before its children,
/// so a child's request can name its parent's server id.
pub(crate) fn parent_depths(starts: &[Start<'_>]) -> Vec<usize> {
    let index: std::collections::HashMap<&str, usize> = starts
        .iter()
        .enumerate()
        .map(|(i, s)| (s.external_run_id(), i))
        .collect();
    starts
        .iter()
        .map(|start| {
            let mut depth = 0;
            let mut parent = start.parent_external_run_id;
            // Bounded: a cycle (which runs cannot make) ends at `starts.len()`.
            while let Some(&j) = parent.and_then(|p| index.get(p)) {
                if depth == starts.len() {
                    break;
                }
                depth += 1;
                parent = starts[j].parent_external_run_id;
            }
            depth
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::Metadata;

    #[test]
    fn envelopes_survive_the_spool_format_unchanged() {
        let event = Event::llm_call("gpt-4o", 12);
        let env = Envelope::StreamEvents {
            external_run_id: "run_x".into(),
            events: vec![event.clone()],
        };
        let line = serde_json::to_string(&env).unwrap();
        let back = Envelope::from_line(line.as_bytes()).unwrap();
        assert_eq!(back, env);
        let Envelope::StreamEvents { events, .. } = back else {
            panic!("kind changed")
        };
        assert_eq!(events[0].idempotency_key, event.idempotency_key);
        assert_eq!(events[0].timestamp, event.timestamp);
    }

    #[test]
    fn the_spooled_request_is_the_wire_body() {
        let started =
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        let run = RecordRun::new("cus_1", "w", RunStatus::Failed)
            .external_run_id("run_1")
            .error_code("Timeout")
            .timing(started, started + std::time::Duration::from_millis(50))
            .metadata(
                [("region", crate::metadata::Value::from("eu"))]
                    .into_iter()
                    .collect::<Metadata>(),
            );
        let env = Envelope::record(run.clone(), Some("run_0".into()));
        let line = serde_json::to_value(&env).unwrap();
        let keyed = run.idempotency_key("rec:run_1");
        assert_eq!(
            line["record_run"]["run"],
            serde_json::to_value(&keyed).unwrap()
        );
        assert_eq!(line["record_run"]["run"]["durationMs"], 50);
        assert_eq!(line["record_run"]["parent_external_run_id"], "run_0");
        let back = Envelope::from_line(line.to_string().as_bytes()).unwrap();
        assert_eq!(back, env);
        for env in [
            Envelope::stream_start(
                StartRun::new("cus_1", "").external_run_id("r"),
                "agent",
                None,
            ),
            Envelope::stream_end("r", end_run(RunStatus::Completed, None, None)),
            Envelope::usage(TrackUsage::new("cus_1", "calls", 2.0).idempotency_key("k")),
            Envelope::charge(Charge::new("cus_1", "calls", 2.0).idempotency_key("k")),
        ] {
            let line = serde_json::to_vec(&env).unwrap();
            assert_eq!(Envelope::from_line(&line).unwrap(), env);
        }
    }

    fn start(run: &str, parent: Option<&str>) -> Envelope {
        Envelope::stream_start(
            StartRun::new("cus_1", "").external_run_id(run),
            "agent",
            parent.map(Into::into),
        )
    }

    #[test]
    fn parents_are_shallower_than_their_children() {
        let starts = [
            start("grandchild", Some("child")),
            start("other", None),
            start("child", Some("root")),
            start("orphan", Some("gone")),
            start("root", None),
        ];
        let refs: Vec<Start<'_>> = starts.iter().filter_map(Start::of).collect();
        assert_eq!(parent_depths(&refs), [2, 0, 1, 0, 0]);
        // A cycle (which runs cannot make) still ends, with every run given a depth.
        let cycle = [start("a", Some("b")), start("b", Some("a"))];
        let refs: Vec<Start<'_>> = cycle.iter().filter_map(Start::of).collect();
        assert_eq!(parent_depths(&refs).len(), 2);
    }

    #[test]
    fn an_external_customer_survives_the_spool_format_and_other_lines_have_none() {
        let env = Envelope::record(
            RecordRun::new("", "w", RunStatus::Completed).external_run_id("run_1"),
            None,
        )
        .for_external_customer(Some("user_8841".into()));
        let line = serde_json::to_string(&env).unwrap();
        assert!(
            line.contains(r#""external_customer":"user_8841""#),
            "{line}"
        );
        let back = Envelope::from_line(line.as_bytes()).unwrap();
        assert_eq!(back, env);
        assert_eq!(back.external_customer(), Some("user_8841"));
        let plain = Envelope::usage(TrackUsage::new("cus_1", "m", 1.0).idempotency_key("k"));
        let line = serde_json::to_vec(&plain).unwrap();
        assert_eq!(
            Envelope::from_line(&line).unwrap().external_customer(),
            None
        );
    }
}
