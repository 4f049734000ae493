//! The JSON object of a `tool.call` event of compile-time-checked parts,
//! written by hand: by the transport from a run's buffered call
//! (`context/pending.rs`), and from a spill record read back
//! (`delivery/spill_record.rs`), so both give the same bytes.

use crate::model::{ToolStatus, idempotency::Reserved, time::TimestampWriter};
use std::time::{Duration, SystemTime};

/// A metadata value of a clean tool call, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ToolValue<'a> {
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// One tool call's facts, borrowed.
pub(crate) struct ToolCallFacts<'a, L> {
    pub(crate) name: &'a str,
    /// The site's literal metadata, in the site's order.
    pub(crate) literals: L,
    pub(crate) elapsed: Duration,
    pub(crate) status: ToolStatus,
    pub(crate) error_type: Option<&'a str>,
    /// The key's nonce (the process that reserved it) and number.
    pub(crate) key: (u64, Reserved),
    pub(crate) ended: SystemTime,
}

/// What writing one tool call after another reuses.
#[derive(Default)]
pub(crate) struct ToolJsonWriter<'a> {
    entries: Vec<(&'a str, ToolValue<'a>)>,
    timestamps: TimestampWriter,
}

impl<'a> ToolJsonWriter<'a> {
    /// Appends the JSON object of the event `Event::tool_call_at` and
    /// `merge_user_metadata` make, as serde writes it (fields in declaration
    /// order, metadata keys sorted, drip's own keys winning over the site's).
    pub(crate) fn write<L>(&mut self, call: ToolCallFacts<'a, L>, out: &mut Vec<u8>)
    where
        L: IntoIterator<Item = (&'a str, ToolValue<'a>)>,
    {
        let entries = &mut self.entries;
        entries.clear();
        entries.extend([
            ("tool_name", ToolValue::Str(call.name)),
            (
                "duration_ms",
                ToolValue::Float(crate::model::duration_ms(call.elapsed)),
            ),
            ("status", ToolValue::Str(call.status.as_str())),
        ]);
        if let Some(kind) = call.error_type {
            entries.push(("error_type", ToolValue::Str(kind)));
        }
        entries.extend(call.literals);
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
                ToolValue::Str(s) => serde_json::to_writer(&mut *out, s),
                ToolValue::Float(f) => serde_json::to_writer(&mut *out, &f),
                ToolValue::Int(n) => serde_json::to_writer(&mut *out, &n),
                ToolValue::Bool(b) => serde_json::to_writer(&mut *out, &b),
            };
        }
        out.extend_from_slice(br#"},"idempotencyKey":""#);
        let (nonce, number) = call.key;
        number.write_key_of(nonce, "evt", out);
        out.extend_from_slice(br#"","timestamp":""#);
        self.timestamps.write(call.ended, out);
        out.extend_from_slice(br#""}"#);
    }
}
