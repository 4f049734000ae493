//! Run events as the server keeps them, built for cheap ingestion.
//!
//! Metadata stays the raw JSON text the client sent (checked on arrival, never turned into a
//! `serde_json::Value` tree on the hot path), and what every event of a batch repeats (the
//! run id, the receive time) is shared rather than copied. Inspection converts to the public
//! [`EventRecord`] on demand. The serialised form (the `--persist` snapshot) is the same as
//! [`EventRecord`]'s, so snapshots written before and after this layout load either way.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::records::EventRecord;

/// Text shared by many records: cloning is a reference-count increment, not a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SharedText(Arc<str>);

impl SharedText {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedText {
    fn from(text: &str) -> Self {
        Self(text.into())
    }
}

impl Serialize for SharedText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self(s.into()))
    }
}

/// An event id, `evt_` and at least 12 hex digits of a number unique within the store; kept
/// as the number (no allocation per event) and written out as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventId(pub(crate) u64);

const EVENT_ID_PREFIX: &str = "evt_";

impl EventId {
    /// The id's text, written into `buf`.
    fn encode(self, buf: &mut [u8; 20]) -> &str {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let significant = (64 - self.0.leading_zeros() as usize).div_ceil(4);
        let digits = significant.max(12);
        buf[..4].copy_from_slice(EVENT_ID_PREFIX.as_bytes());
        for (i, slot) in buf[4..4 + digits].iter_mut().enumerate() {
            let shift = 4 * (digits - 1 - i);
            // Shifts of 64 or more (the zero padding) give 0.
            let nibble = self.0.checked_shr(shift as u32).unwrap_or(0) & 0xf;
            *slot = HEX[nibble as usize];
        }
        // Only ASCII was written.
        std::str::from_utf8(&buf[..4 + digits]).unwrap_or(EVENT_ID_PREFIX)
    }

    /// Parses text that `encode` produced; `None` for anything else.
    pub(crate) fn decode(text: &str) -> Option<Self> {
        let hex = text.strip_prefix(EVENT_ID_PREFIX)?;
        let id = Self(u64::from_str_radix(hex, 16).ok()?);
        (id.encode(&mut [0; 20]) == text).then_some(id)
    }
}

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.encode(&mut [0; 20]))
    }
}

impl Serialize for EventId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.encode(&mut [0; 20]))
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::decode(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not an event id this emulator issues (evt_ and 12 or more hex digits)"
            ))
        })
    }
}

/// One stored run event; field for field an [`EventRecord`] (same serialised names and order).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredEvent {
    pub(crate) id: EventId,
    pub(crate) run_id: SharedText,
    pub(crate) event_type: String,
    pub(crate) quantity: Option<f64>,
    pub(crate) units: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) cost_units: Option<f64>,
    pub(crate) cost_currency: Option<String>,
    /// A JSON object, as sent (validated on arrival and on load).
    pub(crate) metadata: Option<Box<RawValue>>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) timestamp: Option<String>,
    pub(crate) parent_event_id: Option<String>,
    pub(crate) correlation_id: Option<String>,
    pub(crate) span_id: Option<String>,
    pub(crate) received_at: SharedText,
}

impl StoredEvent {
    /// The public snapshot of this event.
    pub(crate) fn to_record(&self) -> EventRecord {
        EventRecord {
            id: self.id.to_string(),
            run_id: self.run_id.as_str().to_owned(),
            event_type: self.event_type.clone(),
            quantity: self.quantity,
            units: self.units.clone(),
            description: self.description.clone(),
            cost_units: self.cost_units,
            cost_currency: self.cost_currency.clone(),
            // Metadata was checked to parse as a JSON value before it was stored.
            metadata: self
                .metadata
                .as_deref()
                .and_then(|m| serde_json::from_str(m.get()).ok()),
            idempotency_key: self.idempotency_key.clone(),
            timestamp: self.timestamp.clone(),
            parent_event_id: self.parent_event_id.clone(),
            correlation_id: self.correlation_id.clone(),
            span_id: self.span_id.clone(),
            received_at: self.received_at.as_str().to_owned(),
        }
    }
}

/// Deepest metadata nesting the fast path accepts; deeper documents take the exact (slow)
/// path, whose limits are serde_json's own.
const MAX_FAST_DEPTH: usize = 64;

/// Whether `raw` parses into a `serde_json::Value` (numbers in range, no lone surrogates —
/// what skipping over it as raw text does not check), without building one.
pub(crate) fn parses_as_value(raw: &RawValue) -> bool {
    let mut de = serde_json::Deserializer::from_str(raw.get());
    serde::de::DeserializeSeed::deserialize(Checked(0), &mut de).is_ok()
}

/// Visits every scalar the way `Value` parsing does, keeping nothing.
#[derive(Clone, Copy)]
struct Checked(usize);

impl<'de> serde::de::DeserializeSeed<'de> for Checked {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Checked {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.nested::<A::Error>()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.nested::<A::Error>()?;
        while map.next_key_seed(inner)?.is_some() {
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}

impl Checked {
    fn nested<E: serde::de::Error>(self) -> Result<Self, E> {
        if self.0 >= MAX_FAST_DEPTH {
            Err(E::custom("nested too deeply for the fast path"))
        } else {
            Ok(Self(self.0 + 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn accepts_what_value_accepts_and_rejects_what_it_rejects() {
        for text in [
            r#"{"a":1,"b":[true,null,"x\n"],"c":{"d":-1.5e3}}"#,
            r#"{"a":1,"a":2}"#,
            r#"{}"#,
        ] {
            assert!(parses_as_value(&raw(text)), "{text}");
            assert!(serde_json::from_str::<serde_json::Value>(text).is_ok());
        }
        for text in [r#"{"a":1e400}"#, r#"{"a":"\ud800"}"#] {
            assert!(!parses_as_value(&raw(text)), "{text}");
            assert!(serde_json::from_str::<serde_json::Value>(text).is_err());
        }
    }

    #[test]
    fn event_ids_read_as_store_new_id_wrote_them() {
        for n in [
            0u64,
            1,
            0xabc,
            0xffff_ffff_ffff,
            0x1_0000_0000_0000,
            u64::MAX,
        ] {
            let text = format!("evt_{n:012x}");
            assert_eq!(EventId(n).to_string(), text);
            assert_eq!(EventId::decode(&text), Some(EventId(n)));
        }
        for bad in [
            "evt_1",
            "evt_00000000000g",
            "run_000000000001",
            "evt_0000000000001",
        ] {
            assert_eq!(EventId::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn snapshots_read_and_write_the_event_record_form() {
        let record = EventRecord {
            id: "evt_00000000002a".into(),
            run_id: "run_000000000001".into(),
            event_type: "llm.call".into(),
            quantity: Some(3.0),
            units: Some("tokens".into()),
            description: None,
            cost_units: Some(0.5),
            cost_currency: None,
            metadata: Some(serde_json::json!({"model": "m", "n": [1, 2.5, null]})),
            idempotency_key: Some("k".into()),
            timestamp: Some("2026-01-31T12:00:00Z".into()),
            parent_event_id: None,
            correlation_id: Some("c".into()),
            span_id: None,
            received_at: "2026-01-31T12:00:01Z".into(),
        };
        // A snapshot written when events were stored as `EventRecord` loads unchanged…
        let old_form = serde_json::to_string(&record).unwrap();
        let stored: StoredEvent = serde_json::from_str(&old_form).unwrap();
        assert_eq!(stored.to_record(), record);
        // …and what is written now reads back as the same `EventRecord`.
        let new_form = serde_json::to_string(&stored).unwrap();
        assert_eq!(
            serde_json::from_str::<EventRecord>(&new_form).unwrap(),
            record
        );
    }

    #[test]
    fn deep_nesting_is_left_to_the_exact_path() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(!parses_as_value(&raw(&deep)));
    }
}
