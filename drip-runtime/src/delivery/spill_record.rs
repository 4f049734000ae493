//! The compact spool line a spilling caller writes for a stream-mode chunk
//! or a record-mode run of clean tool calls (compile-time-checked parts
//! only), turned into the chunk's event batch (`Envelope::StreamWire`) or the
//! run's envelope only when the line is read back, for sending or replay.
//!
//! Making each event's JSON (key, RFC 3339 timestamp, sorted metadata, a
//! float) is most of a chunk's cost; a caller that spills because the
//! transport is behind would pay it on its own thread. The record holds only
//! what those bytes are made from: the run's id, the key nonce once and the
//! first of a block of key numbers reserved with one atomic add, the run's
//! wall-clock start, then per event only numbers (site index, end offset,
//! elapsed nanoseconds, status code; the error's type name if any), and the
//! table of the chunk's distinct tool sites (name and literal metadata, once
//! each). Reading it back writes, byte for byte, the line the transport
//! would have written from the same calls (`context/pending.rs`).
//!
//! The line is JSON, so a scan of an earlier process's segment counts its
//! events like any batch's:
//! `{"spilled_events":{"external_run_id":…,"nonce":"<16 hex>","key":…,"wall_ns":…,"events":[[site,end_ns,elapsed_ns,status(,"error type")],…],"sites":[["name",[["key",tag,value],…]],…]}}`,
//! literal tags 0 string, 1 integer, 2 float (its IEEE-754 bits, so the
//! value reads back exactly), 3 bool (0 or 1).
//!
//! A record-mode run of clean tool calls spills the same events and sites,
//! without the run's id up front but with the run's own part at the end
//! (`Envelope::Run` without events, across the sanitising boundary, made
//! once per run with serde), and reads back as the `Envelope::Run` with
//! `events_json` the transport would have made:
//! `{"spilled_run":{"nonce":…,"key":…,"wall_ns":…,"events":[…],"sites":[…],"run":{"record_run":{…}}}}`.

use super::Envelope;
use super::event_wire::{LineWriter, RunEventsWriter};
use super::tool_json::{ToolCallFacts, ToolJsonWriter, ToolValue};
use crate::model::ToolStatus;
use crate::model::idempotency::Reserved;
use serde::Deserialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const HEAD: &[u8] = b"{\"spilled_events\":{\"external_run_id\":";
const RUN_HEAD: &[u8] = b"{\"spilled_run\":{";

/// Events one record holds at most: a stream chunk is far smaller, and a
/// reader bounds what a damaged or hostile line can make it allocate.
pub(crate) const MAX_EVENTS: usize = 1 << 16;

/// Why a spill record could not be read back. The line alone is lost
/// (counted as a corrupt spool line); the segment's other lines are not.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SpillRecordError {
    #[error("a spill record that does not parse: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("a spill record's key nonce is not 16 hex digits")]
    Nonce,
    #[error("a spill record's event names tool site {index}, of {sites}")]
    SiteOutOfRange { index: u32, sites: usize },
    #[error("a spill record's event has status code {0}")]
    Status(u8),
    #[error("a spill record's metadata value has tag {0}")]
    LiteralTag(u8),
    #[error("a spill record's metadata value does not match its tag")]
    LiteralValue,
    #[error("a spill record holds more than {MAX_EVENTS} events")]
    TooManyEvents,
    #[error("a spill record holds no event")]
    NoEvents,
    #[error("a spill record's keys run past the end of the sequence")]
    KeyOverflow,
    #[error("a spill record's timestamp is out of range")]
    TimeOutOfRange,
    #[error("a spill record too long for one spool line")]
    TooLong,
    #[error(
        "a spill record's own part is not of its kind (a stream chunk's run id, a run without events)"
    )]
    Kind,
}

fn status_code(status: ToolStatus) -> u8 {
    match status {
        ToolStatus::Ok => 0,
        ToolStatus::Error => 1,
        ToolStatus::Panicked => 2,
        ToolStatus::Cancelled => 3,
    }
}

fn status_of(code: u8) -> Option<ToolStatus> {
    Some(match code {
        0 => ToolStatus::Ok,
        1 => ToolStatus::Error,
        2 => ToolStatus::Panicked,
        3 => ToolStatus::Cancelled,
        _ => return None,
    })
}

/// Whether `line` is a spill record (and is to be read by [`read`]).
pub(crate) fn is_spill_record(line: &[u8]) -> bool {
    line.starts_with(HEAD) || line.starts_with(RUN_HEAD)
}

/// Writes one record into a buffer: [`begin`](Self::begin), an
/// [`event`](Self::event) per call, then the site table
/// ([`site`](Self::site) per site index, in order) and [`finish`](Self::finish).
pub(crate) struct SpillWriter {
    out: Vec<u8>,
    events: usize,
    sites: usize,
}

impl SpillWriter {
    /// A record of the run `external_run_id`, its events keyed from `keys`
    /// on (with this process's nonce), their ends counted from `wall`, for
    /// about `events` events. `None` if `wall` is before 1970 or past 2554.
    pub(crate) fn begin(
        external_run_id: &str,
        keys: Reserved,
        wall: SystemTime,
        events: usize,
    ) -> Option<SpillWriter> {
        Self::open(keys, wall, events, external_run_id.len(), |out| {
            out.extend_from_slice(HEAD);
            // Writing JSON into a Vec cannot fail for a string.
            let _ = serde_json::to_writer(&mut *out, external_run_id);
            out.push(b',');
        })
    }

    /// A record-mode run's record (its events keyed and timed as for
    /// [`begin`](Self::begin)), ended by [`finish_run`](Self::finish_run)
    /// with the run's own part, which is made once its events are written.
    pub(crate) fn begin_run(
        keys: Reserved,
        wall: SystemTime,
        events: usize,
    ) -> Option<SpillWriter> {
        Self::open(keys, wall, events, 512, |out| {
            out.extend_from_slice(RUN_HEAD);
        })
    }

    fn open(
        keys: Reserved,
        wall: SystemTime,
        events: usize,
        head_len: usize,
        head: impl FnOnce(&mut Vec<u8>),
    ) -> Option<SpillWriter> {
        let wall_ns = u64::try_from(wall.duration_since(UNIX_EPOCH).ok()?.as_nanos()).ok()?;
        let mut out = Vec::with_capacity(160 + head_len + events * 32);
        head(&mut out);
        out.extend_from_slice(b"\"nonce\":\"");
        let nonce = crate::model::idempotency::nonce();
        for place in (0..16).rev() {
            out.push(b"0123456789abcdef"[((nonce >> (place * 4)) & 0xf) as usize]);
        }
        out.extend_from_slice(b"\",\"key\":");
        push_u64(&mut out, keys.number());
        out.extend_from_slice(b",\"wall_ns\":");
        push_u64(&mut out, wall_ns);
        out.extend_from_slice(b",\"events\":[");
        Some(SpillWriter {
            out,
            events: 0,
            sites: 0,
        })
    }

    /// One call: its site's index in the table, its end and duration, its
    /// status and error type. `false` (nothing written) when the end or the
    /// duration does not fit 64-bit nanoseconds.
    #[inline]
    pub(crate) fn event(
        &mut self,
        site: u32,
        ended: Duration,
        elapsed: Duration,
        status: ToolStatus,
        error_type: Option<&str>,
    ) -> bool {
        let (Ok(end_ns), Ok(elapsed_ns)) = (
            u64::try_from(ended.as_nanos()),
            u64::try_from(elapsed.as_nanos()),
        ) else {
            return false;
        };
        let out = &mut self.out;
        if self.events > 0 {
            out.push(b',');
        }
        out.push(b'[');
        push_u64(out, u64::from(site));
        out.push(b',');
        push_u64(out, end_ns);
        out.push(b',');
        push_u64(out, elapsed_ns);
        out.push(b',');
        out.push(b'0' + status_code(status));
        if let Some(kind) = error_type {
            out.push(b',');
            let _ = serde_json::to_writer(&mut *out, kind);
        }
        out.push(b']');
        self.events += 1;
        true
    }

    /// The next site of the table: its name and literal metadata in the site's order.
    pub(crate) fn site<'a>(
        &mut self,
        name: &str,
        literals: impl IntoIterator<Item = (&'a str, ToolValue<'a>)>,
    ) {
        let out = &mut self.out;
        out.extend_from_slice(if self.sites == 0 {
            b"],\"sites\":["
        } else {
            b","
        });
        out.push(b'[');
        let _ = serde_json::to_writer(&mut *out, name);
        out.extend_from_slice(b",[");
        for (i, (key, value)) in literals.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'[');
            let _ = serde_json::to_writer(&mut *out, key);
            match value {
                ToolValue::Str(s) => {
                    out.extend_from_slice(b",0,");
                    let _ = serde_json::to_writer(&mut *out, s);
                }
                ToolValue::Int(n) => {
                    out.extend_from_slice(b",1,");
                    let _ = serde_json::to_writer(&mut *out, &n);
                }
                ToolValue::Float(f) => {
                    out.extend_from_slice(b",2,");
                    push_u64(out, f.to_bits());
                }
                ToolValue::Bool(b) => {
                    out.extend_from_slice(if b { b",3,1" } else { b",3,0" });
                }
            }
            out.push(b']');
        }
        out.extend_from_slice(b"]]");
        self.sites += 1;
    }

    /// The line, without its newline, and the events it holds.
    pub(crate) fn finish(mut self) -> (Vec<u8>, usize) {
        self.end_sites();
        self.out.extend_from_slice(b"]}}");
        (self.out, self.events)
    }

    /// A run's record ended with the run's own part: `run`, an
    /// `Envelope::Run` without events, already across the sanitising
    /// boundary. `None` if it does not serialise.
    pub(crate) fn finish_run(mut self, run: &Envelope) -> Option<(Vec<u8>, usize)> {
        self.end_sites();
        self.out.extend_from_slice(b"],\"run\":");
        serde_json::to_writer(&mut self.out, run).ok()?;
        self.out.extend_from_slice(b"}}");
        Some((self.out, self.events))
    }

    fn end_sites(&mut self) {
        if self.sites == 0 {
            self.out.extend_from_slice(b"],\"sites\":[");
        }
    }
}

/// Appends `n` in decimal, two digits at a time (three numbers per event
/// on the caller's path).
#[inline]
fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        digits[i] = b'0' + n as u8;
    }
    out.extend_from_slice(&digits[i..]);
}

/// A line of either kind; each kind's own part is checked by its reader.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    SpilledEvents(Record),
    SpilledRun(Record),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    /// A stream chunk's run.
    #[serde(default)]
    external_run_id: Option<String>,
    /// A record-mode run's own part: `Envelope::Run` without events.
    #[serde(default)]
    run: Option<Envelope>,
    nonce: String,
    key: u64,
    wall_ns: u64,
    events: Rows,
    sites: Vec<SiteRow>,
}

#[derive(Deserialize)]
struct SiteRow(String, Vec<LiteralRow>);

#[derive(Deserialize)]
struct LiteralRow(String, u8, serde_json::Value);

/// One event's numbers.
struct Row {
    site: u32,
    end_ns: u64,
    elapsed_ns: u64,
    status: u8,
    error_type: Option<String>,
}

/// The events, kept up to one past [`MAX_EVENTS`] (the rest skipped and
/// counted), so a hostile line cannot make the reader allocate per event.
struct Rows {
    rows: Vec<Row>,
    count: usize,
}

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Row;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("[site, end_ns, elapsed_ns, status(, error type)]")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Row, A::Error> {
                use serde::de::Error;
                let mut next = |i: usize| {
                    seq.next_element::<u64>()?
                        .ok_or_else(|| A::Error::invalid_length(i, &self))
                };
                let site = u32::try_from(next(0)?)
                    .map_err(|_| A::Error::custom("a site index past u32"))?;
                let end_ns = next(1)?;
                let elapsed_ns = next(2)?;
                let status = u8::try_from(next(3)?).unwrap_or(u8::MAX);
                let error_type = seq.next_element::<String>()?;
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(A::Error::invalid_length(6, &self));
                }
                Ok(Row {
                    site,
                    end_ns,
                    elapsed_ns,
                    status,
                    error_type,
                })
            }
        }
        d.deserialize_seq(Visitor)
    }
}

impl<'de> Deserialize<'de> for Rows {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Rows;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of events")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Rows, A::Error> {
                let mut rows = Vec::new();
                let mut count = 0usize;
                loop {
                    if count < MAX_EVENTS {
                        match seq.next_element::<Row>()? {
                            Some(row) => rows.push(row),
                            None => break,
                        }
                    } else if seq.next_element::<serde::de::IgnoredAny>()?.is_none() {
                        break;
                    }
                    count = count.saturating_add(1);
                }
                Ok(Rows { rows, count })
            }
        }
        d.deserialize_seq(Visitor)
    }
}

/// A site of the table, its literals borrowed from the parsed record.
struct Site<'a> {
    name: &'a str,
    literals: Vec<(&'a str, ToolValue<'a>)>,
}

fn site_of(row: &SiteRow) -> Result<Site<'_>, SpillRecordError> {
    let literals = row
        .1
        .iter()
        .map(|LiteralRow(key, tag, value)| {
            let value = match (*tag, value) {
                (0, serde_json::Value::String(s)) => ToolValue::Str(s),
                (1, v) => ToolValue::Int(v.as_i64().ok_or(SpillRecordError::LiteralValue)?),
                (2, v) => ToolValue::Float(f64::from_bits(
                    v.as_u64().ok_or(SpillRecordError::LiteralValue)?,
                )),
                (3, v) => match v.as_u64() {
                    Some(0) => ToolValue::Bool(false),
                    Some(1) => ToolValue::Bool(true),
                    _ => return Err(SpillRecordError::LiteralValue),
                },
                (0, _) => return Err(SpillRecordError::LiteralValue),
                (tag, _) => return Err(SpillRecordError::LiteralTag(tag)),
            };
            Ok((key.as_str(), value))
        })
        .collect::<Result<_, _>>()?;
    Ok(Site {
        name: &row.0,
        literals,
    })
}

/// Reads a spill record (without its newline) into the envelope the
/// transport would have made from the same calls: a stream chunk's event
/// batch as its line (`Envelope::StreamWire`), a record-mode run with its
/// events as their JSON array (`Envelope::Run` with `events_json`), both
/// marked made of compile-time-checked parts. Every field is checked;
/// nothing in a damaged line can panic.
pub(crate) fn read_envelope(line: &[u8]) -> Result<Envelope, SpillRecordError> {
    match serde_json::from_slice(line)? {
        Line::SpilledEvents(mut record) => {
            let (Some(external_run_id), None) = (record.external_run_id.take(), &record.run) else {
                return Err(SpillRecordError::Kind);
            };
            let mut out = LineWriter::checked(&external_run_id, record.events.rows.len());
            Events::of(&record)?.write_each(|event| out.event(event))?;
            let json = out.finish().ok_or(SpillRecordError::TooLong)?;
            Ok(Envelope::StreamWire {
                external_run_id,
                json,
            })
        }
        Line::SpilledRun(mut record) => {
            let Some(Envelope::Run {
                run,
                parent_external_run_id,
                external_customer,
                ..
            }) = record.run.take()
            else {
                return Err(SpillRecordError::Kind);
            };
            // The run's part carries no events of its own.
            if record.external_run_id.is_some() || !run.events.is_empty() {
                return Err(SpillRecordError::Kind);
            }
            let mut out = RunEventsWriter::new(record.events.rows.len());
            Events::of(&record)?.write_each(|event| out.event(event))?;
            Ok(Envelope::Run {
                run,
                parent_external_run_id,
                external_customer,
                events_json: Some(out.finish()),
            })
        }
    }
}

/// Reads a stream chunk's spill record into the run's client-made id and
/// the batch's line (see [`read_envelope`]).
#[cfg(test)]
pub(crate) fn read(line: &[u8]) -> Result<(String, super::EventJson), SpillRecordError> {
    match read_envelope(line)? {
        Envelope::StreamWire {
            external_run_id,
            json,
        } => Ok((external_run_id, json)),
        _ => Err(SpillRecordError::Kind),
    }
}

/// A record's parts every event is written from, checked.
struct Events<'r> {
    nonce: u64,
    keys: Reserved,
    wall: SystemTime,
    sites: Vec<Site<'r>>,
    rows: &'r [Row],
}

impl<'r> Events<'r> {
    fn of(record: &'r Record) -> Result<Self, SpillRecordError> {
        if record.events.count > MAX_EVENTS {
            return Err(SpillRecordError::TooManyEvents);
        }
        // A caller spills only chunks and runs that hold events.
        if record.events.count == 0 {
            return Err(SpillRecordError::NoEvents);
        }
        let nonce = (record.nonce.len() == 16)
            .then(|| u64::from_str_radix(&record.nonce, 16).ok())
            .flatten()
            .ok_or(SpillRecordError::Nonce)?;
        let sites = record
            .sites
            .iter()
            .map(site_of)
            .collect::<Result<Vec<_>, _>>()?;
        let wall = UNIX_EPOCH
            .checked_add(Duration::from_nanos(record.wall_ns))
            .ok_or(SpillRecordError::TimeOutOfRange)?;
        Ok(Events {
            nonce,
            keys: Reserved::from_number(record.key),
            wall,
            sites,
            rows: &record.events.rows,
        })
    }

    /// Writes every event, in order, each through `event` (which hands
    /// the writer the buffer to append its JSON object to).
    fn write_each(
        &self,
        mut event: impl FnMut(&mut dyn FnMut(&mut Vec<u8>)),
    ) -> Result<(), SpillRecordError> {
        let mut writer = ToolJsonWriter::default();
        for (i, row) in (0u64..).zip(self.rows) {
            let site =
                self.sites
                    .get(row.site as usize)
                    .ok_or(SpillRecordError::SiteOutOfRange {
                        index: row.site,
                        sites: self.sites.len(),
                    })?;
            let status = status_of(row.status).ok_or(SpillRecordError::Status(row.status))?;
            let key = self.keys.nth(i).ok_or(SpillRecordError::KeyOverflow)?;
            let ended = self
                .wall
                .checked_add(Duration::from_nanos(row.end_ns))
                .ok_or(SpillRecordError::TimeOutOfRange)?;
            event(&mut |json| {
                writer.write(
                    ToolCallFacts {
                        name: site.name,
                        literals: site.literals.iter().copied(),
                        elapsed: Duration::from_nanos(row.elapsed_ns),
                        status,
                        error_type: row.error_type.as_deref(),
                        key: (self.nonce, key),
                        ended,
                    },
                    json,
                );
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-written record: one site with literals of every kind, two events.
    const GOOD: &str = concat!(
        r#"{"spilled_events":{"external_run_id":"run_h","nonce":"00000000000000ab","key":16,"#,
        r#""wall_ns":1764000000000000000,"events":[[0,1000000,2500000,0],[0,2000000,1,1,"Timeout"]],"#,
        r#""sites":[["lookup",[["region",0,"eu"],["n",1,-3],["ratio",2,4598175219545276416],["hot",3,1]]]]}}"#
    );

    fn read_str(line: &str) -> Result<(String, super::super::EventJson), SpillRecordError> {
        read(line.as_bytes())
    }

    #[test]
    fn a_hand_written_record_reads_as_its_events() {
        let (id, json) = read_str(GOOD).expect("a good record");
        assert_eq!(id, "run_h");
        assert!(json.is_checked());
        let events = json.all_typed();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].idempotency_key, "evt_00000000000000ab10");
        assert_eq!(events[1].idempotency_key, "evt_00000000000000ab11");
        assert_eq!(events[0].timestamp, "2025-11-24T16:00:00.001Z");
        let meta = |i: usize, k: &str| events[i].metadata.as_ref().unwrap().get(k).cloned();
        assert_eq!(meta(0, "tool_name"), Some("lookup".into()));
        assert_eq!(meta(0, "duration_ms"), Some(2.5.into()));
        assert_eq!(meta(0, "ratio"), Some(0.25.into()));
        assert_eq!(meta(0, "n"), Some((-3i64).into()));
        assert_eq!(meta(0, "hot"), Some(true.into()));
        assert_eq!(meta(0, "region"), Some("eu".into()));
        assert_eq!(meta(1, "status"), Some("error".into()));
        assert_eq!(meta(1, "error_type"), Some("Timeout".into()));
    }

    #[test]
    fn hostile_records_are_typed_errors_never_panics() {
        type Expected = fn(&SpillRecordError) -> bool;
        let cases: Vec<(String, Expected)> = vec![
            (GOOD[..GOOD.len() - 9].to_owned(), |e| {
                matches!(e, SpillRecordError::Malformed(_))
            }),
            (GOOD.replace("[0,2000000", "[7,2000000"), |e| {
                matches!(e, SpillRecordError::SiteOutOfRange { index: 7, sites: 1 })
            }),
            (GOOD.replace("[0,1000000,", "[0,\"1000000\","), |e| {
                matches!(e, SpillRecordError::Malformed(_))
            }),
            (GOOD.replace("2500000,0]", "2500000,9]"), |e| {
                matches!(e, SpillRecordError::Status(9))
            }),
            (GOOD.replace("2500000,0]", "2500000,300]"), |e| {
                matches!(e, SpillRecordError::Status(u8::MAX))
            }),
            (
                GOOD.replace("\"key\":16", "\"key\":18446744073709551615"),
                |e| matches!(e, SpillRecordError::KeyOverflow),
            ),
            (
                GOOD.replace("\"key\":16", "\"key\":184467440737095516150"),
                |e| matches!(e, SpillRecordError::Malformed(_)),
            ),
            (GOOD.replace("00000000000000ab", "zz000000000000ab"), |e| {
                matches!(e, SpillRecordError::Nonce)
            }),
            (GOOD.replace("[\"hot\",3,1]", "[\"hot\",3,2]"), |e| {
                matches!(e, SpillRecordError::LiteralValue)
            }),
            (GOOD.replace("[\"hot\",3,1]", "[\"hot\",8,1]"), |e| {
                matches!(e, SpillRecordError::LiteralTag(8))
            }),
            (
                GOOD.replace("[0,1000000,2500000,0]", "[0,1000000,2500000,0,\"x\",1]"),
                |e| matches!(e, SpillRecordError::Malformed(_)),
            ),
            (
                GOOD.replace("\"wall_ns\"", "\"extra\":1,\"wall_ns\""),
                |e| matches!(e, SpillRecordError::Malformed(_)),
            ),
            (
                GOOD.replace(
                    "[0,1000000,2500000,0],",
                    &"[0,1,1,0],".repeat(MAX_EVENTS + 3),
                ),
                |e| matches!(e, SpillRecordError::TooManyEvents),
            ),
            (
                GOOD.replace(r#"[[0,1000000,2500000,0],[0,2000000,1,1,"Timeout"]]"#, "[]"),
                |e| matches!(e, SpillRecordError::NoEvents),
            ),
        ];
        for (line, expected) in cases {
            let err = read_str(&line).expect_err(&line[..line.len().min(200)]);
            assert!(expected(&err), "{err} for {}", &line[..line.len().min(200)]);
            assert!(!err.to_string().is_empty());
        }
        // Not UTF-8.
        let mut bytes = GOOD.as_bytes().to_vec();
        bytes[60] = 0xff;
        assert!(matches!(read(&bytes), Err(SpillRecordError::Malformed(_))));
    }

    /// A hand-written record-mode run: the stream record's events and
    /// sites, then the run's own part.
    const GOOD_RUN: &str = concat!(
        r#"{"spilled_run":{"nonce":"00000000000000ab","key":16,"wall_ns":1764000000000000000,"#,
        r#""events":[[0,1000000,2500000,0],[0,2000000,1,1,"Timeout"]],"sites":[["lookup",[["region",0,"eu"]]]],"#,
        r#""run":{"record_run":{"run":{"customerId":"","workflow":"agent","events":[],"status":"COMPLETED","#,
        r#""externalRunId":"run_r","metadata":{"k":"v"}},"parent_external_run_id":"run_p","external_customer":"user_1"}}}}"#
    );

    #[test]
    fn a_hand_written_run_record_reads_as_its_run() {
        let Envelope::Run {
            run,
            parent_external_run_id,
            external_customer,
            events_json: Some(json),
        } = read_envelope(GOOD_RUN.as_bytes()).expect("a good record")
        else {
            panic!("a run with its events as JSON")
        };
        assert_eq!(run.external_run_id.as_deref(), Some("run_r"));
        assert_eq!(run.workflow, "agent");
        assert_eq!(parent_external_run_id.as_deref(), Some("run_p"));
        assert_eq!(external_customer.as_deref(), Some("user_1"));
        assert_eq!(
            run.metadata.as_ref().and_then(|m| m.get("k")),
            Some(&"v".into())
        );
        let events = json.typed();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].idempotency_key, "evt_00000000000000ab11");
        assert_eq!(events[1].timestamp, "2025-11-24T16:00:00.002Z");
        let meta = |i: usize, k: &str| events[i].metadata.as_ref().unwrap().get(k).cloned();
        assert_eq!(meta(0, "region"), Some("eu".into()));
        assert_eq!(meta(1, "error_type"), Some("Timeout".into()));
        // An earlier process's line: the run with typed events, to cross
        // the boundary again.
        let Envelope::Run {
            run, events_json, ..
        } = Envelope::from_line(GOOD_RUN.as_bytes()).expect("reads in full")
        else {
            panic!("a run")
        };
        assert!(events_json.is_none());
        assert_eq!(run.events.len(), 2);
        assert!(run.events.iter().all(|e| !e.is_built_clean()));
    }

    #[test]
    fn hostile_run_records_are_typed_errors_never_panics() {
        type Expected = fn(&SpillRecordError) -> bool;
        let malformed: Expected = |e| matches!(e, SpillRecordError::Malformed(_));
        let kind: Expected = |e| matches!(e, SpillRecordError::Kind);
        let cases: Vec<(String, Expected)> = vec![
            (GOOD_RUN[..GOOD_RUN.len() - 40].to_owned(), malformed),
            (GOOD_RUN.replace("[0,2000000", "[3,2000000"), |e| {
                matches!(e, SpillRecordError::SiteOutOfRange { index: 3, sites: 1 })
            }),
            (GOOD_RUN.replace("2500000,0]", "2500000,4]"), |e| {
                matches!(e, SpillRecordError::Status(4))
            }),
            (
                GOOD_RUN.replace(
                    "[0,1000000,2500000,0],",
                    &"[0,1,1,0],".repeat(MAX_EVENTS + 3),
                ),
                |e| matches!(e, SpillRecordError::TooManyEvents),
            ),
            (
                GOOD_RUN.replace(r#"[[0,1000000,2500000,0],[0,2000000,1,1,"Timeout"]]"#, "[]"),
                |e| matches!(e, SpillRecordError::NoEvents),
            ),
            // Wrong types in the run's part.
            (
                GOOD_RUN.replace(r#""customerId":"""#, r#""customerId":5"#),
                malformed,
            ),
            (
                GOOD_RUN.replace(r#""status":"COMPLETED""#, r#""status":"DONE""#),
                malformed,
            ),
            (
                GOOD_RUN.replace(r#""metadata":{"k":"v"}"#, r#""metadata":[1]"#),
                malformed,
            ),
            (GOOD_RUN.replace(r#""run_p""#, "[]"), malformed),
            // The run's part missing, of another kind, or with events of its own.
            (
                GOOD_RUN.replace(r#","run":{"record_run""#, r#","xrun":{"record_run""#),
                malformed,
            ),
            (
                GOOD_RUN.replace(
                    r#""run":{"record_run":{"run":{"#,
                    r#""external_run_id":"x","run":{"record_run":{"run":{"#,
                ),
                kind,
            ),
            (
                GOOD_RUN.replace(
                    r#""events":[],"#,
                    r#""events":[{"eventType":"agent.plan","idempotencyKey":"k","timestamp":"2026-01-01T00:00:00Z"}],"#,
                ),
                kind,
            ),
            (
                format!(
                    "{}\"run\":{{\"end_run\":{{\"external_run_id\":\"r\",\"end\":{{\"status\":\"COMPLETED\"}}}}}}}}}}",
                    &GOOD_RUN[..GOOD_RUN.find(r#""run":{"record_run""#).unwrap()]
                ),
                kind,
            ),
            // A stream record that carries a run's part.
            (
                GOOD.replace(
                    r#""nonce""#,
                    &format!(
                        "\"run\":{},\"nonce\"",
                        &GOOD_RUN[GOOD_RUN.find(r#"{"record_run""#).unwrap()..GOOD_RUN.len() - 2]
                    ),
                ),
                kind,
            ),
        ];
        for (line, expected) in cases {
            let err = read_envelope(line.as_bytes()).expect_err(&line[..line.len().min(300)]);
            assert!(expected(&err), "{err} for {}", &line[..line.len().min(300)]);
            assert!(Envelope::from_line(line.as_bytes()).is_err());
        }
    }

    #[test]
    fn written_and_read_numbers_agree_at_their_limits() {
        for n in [0, 9, 10, 99, 100, 101, 4_294_967_296, u64::MAX] {
            let mut out = Vec::new();
            push_u64(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
        for status in [
            ToolStatus::Ok,
            ToolStatus::Error,
            ToolStatus::Panicked,
            ToolStatus::Cancelled,
        ] {
            assert_eq!(status_of(status_code(status)), Some(status));
        }
    }
}
