//! Run events as clients send them, parsed cheaply.
//!
//! The fast parse borrows strings from the request body (copying only those with escapes) and
//! keeps metadata as raw JSON text, checked without building a `Value`. Whatever the fast
//! parse refuses, or cannot vouch for, is parsed again the exact way (owned strings, `Value`
//! metadata) so that error messages and edge cases stay those of that path.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Refusal, check_quantity, check_timestamp, required};
use crate::stored_event::{EventId, SharedText, StoredEvent, parses_as_value};

/// A string field, borrowed from the request body unless it contained escapes.
pub(crate) struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        deserializer.deserialize_str(Visitor).map(Text)
    }
}

/// A JSON value kept as text, borrowed from the request body.
pub(crate) struct RawJson<'a>(Cow<'a, RawValue>);

impl<'de: 'a, 'a> Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <&'a RawValue>::deserialize(deserializer).map(|raw| RawJson(Cow::Borrowed(raw)))
    }
}

/// One event as a client sends it (also the shape of `/runs/record` events), generic over how
/// strings (`S`) and metadata (`M`) are held.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventInput<S, M> {
    run_id: Option<S>,
    event_type: Option<S>,
    quantity: Option<f64>,
    units: Option<S>,
    description: Option<S>,
    cost_units: Option<f64>,
    cost_currency: Option<S>,
    correlation_id: Option<S>,
    parent_event_id: Option<S>,
    span_id: Option<S>,
    idempotency_key: Option<S>,
    metadata: Option<M>,
    timestamp: Option<S>,
}

/// The form the handlers work with.
pub(crate) type FastEvent<'a> = EventInput<Text<'a>, RawJson<'a>>;

/// The exact (slow) form: what the fast parse falls back to.
pub(crate) type ExactEvent = EventInput<String, Value>;

/// Parses `body` the fast way when it can, else the exact way (whose errors are the answer).
///
/// `vouch` says whether a fast parse may be trusted; `exact` converts the exact form.
pub(crate) fn parse_fast<'a, F, E>(
    body: &'a [u8],
    vouch: impl Fn(&F) -> bool,
    exact: impl FnOnce(E) -> Result<F, Refusal>,
) -> Result<F, Refusal>
where
    F: Deserialize<'a>,
    E: DeserializeOwned,
{
    if let Ok(fast) = serde_json::from_slice::<F>(body)
        && vouch(&fast)
    {
        return Ok(fast);
    }
    exact(super::parse::<E>(body)?)
}

impl FastEvent<'_> {
    /// Whether the metadata (kept as text) is exactly what a `Value` field would have accepted.
    pub(crate) fn vouch(&self) -> bool {
        self.metadata.as_ref().is_none_or(|m| parses_as_value(&m.0))
    }
}

impl ExactEvent {
    pub(crate) fn into_fast<'a>(self) -> Result<FastEvent<'a>, Refusal> {
        let text = |s: Option<String>| s.map(|s| Text(Cow::Owned(s)));
        let metadata = match self.metadata {
            Some(v) => Some(RawJson(Cow::Owned(
                serde_json::value::to_raw_value(&v)
                    .map_err(|e| Refusal::validation(format!("invalid metadata: {e}")))?,
            ))),
            None => None,
        };
        Ok(EventInput {
            run_id: text(self.run_id),
            event_type: text(self.event_type),
            quantity: self.quantity,
            units: text(self.units),
            description: text(self.description),
            cost_units: self.cost_units,
            cost_currency: text(self.cost_currency),
            correlation_id: text(self.correlation_id),
            parent_event_id: text(self.parent_event_id),
            span_id: text(self.span_id),
            idempotency_key: text(self.idempotency_key),
            metadata,
            timestamp: text(self.timestamp),
        })
    }
}

/// A validated event, not yet bound to a stored run.
pub(crate) struct ValidEvent<'a> {
    pub(crate) run_id: Option<Cow<'a, str>>,
    pub(crate) event_type: Cow<'a, str>,
    quantity: Option<f64>,
    units: Option<Cow<'a, str>>,
    description: Option<Cow<'a, str>>,
    cost_units: Option<f64>,
    cost_currency: Option<Cow<'a, str>>,
    correlation_id: Option<Cow<'a, str>>,
    parent_event_id: Option<Cow<'a, str>>,
    span_id: Option<Cow<'a, str>>,
    pub(crate) idempotency_key: Option<Cow<'a, str>>,
    metadata: Option<Cow<'a, RawValue>>,
    timestamp: Option<Cow<'a, str>>,
}

fn cow(text: Option<Text<'_>>) -> Option<Cow<'_, str>> {
    text.map(|t| t.0)
}

/// Empty strings count as absent for optional identifiers.
fn non_blank(text: Option<Text<'_>>) -> Option<Cow<'_, str>> {
    cow(text).filter(|t| !t.is_empty())
}

fn owned(text: Option<&Text<'_>>) -> Option<String> {
    text.map(|t| t.0.as_ref().to_owned())
}

fn is_object(metadata: &RawJson<'_>) -> bool {
    metadata.0.get().starts_with('{')
}

impl<'a> FastEvent<'a> {
    /// Validates; `position` is the event's index in an `events` array, used to name fields
    /// (`events[2].quantity`) in error messages.
    pub(crate) fn validate(self, position: Option<usize>) -> Result<ValidEvent<'a>, Refusal> {
        self.check(position)?;
        Ok(self.into_valid())
    }

    /// Whether the event carries a `runId`.
    pub(crate) fn has_run_id(&self) -> bool {
        self.run_id.is_some()
    }

    /// The validation of [`FastEvent::validate`], without consuming the event (so a batch can
    /// be checked whole before anything is stored, without a second list).
    pub(crate) fn check(&self, position: Option<usize>) -> Result<(), Refusal> {
        let field = |name: &str| match position {
            Some(n) => format!("events[{n}].{name}"),
            None => name.to_owned(),
        };
        // Field names are only built when something is wrong.
        if self
            .event_type
            .as_ref()
            .is_none_or(|t| t.0.trim().is_empty())
            || self.quantity.is_some_and(|q| !q.is_finite() || q < 0.0)
            || self.cost_units.is_some_and(|c| !c.is_finite())
            || self.run_id.as_ref().is_some_and(|r| r.0.is_empty())
            || self.metadata.as_ref().is_some_and(|m| !is_object(m))
            || self
                .timestamp
                .as_ref()
                .is_some_and(|t| !crate::clock::is_rfc3339(&t.0))
        {
            return Err(self.explain(&field));
        }
        Ok(())
    }

    /// The event as validated; only for events [`FastEvent::check`] accepted.
    pub(crate) fn into_valid(self) -> ValidEvent<'a> {
        ValidEvent {
            run_id: cow(self.run_id),
            event_type: cow(self.event_type).unwrap_or_default(),
            quantity: self.quantity,
            units: cow(self.units),
            description: cow(self.description),
            cost_units: self.cost_units,
            cost_currency: cow(self.cost_currency),
            correlation_id: non_blank(self.correlation_id),
            parent_event_id: non_blank(self.parent_event_id),
            span_id: non_blank(self.span_id),
            idempotency_key: non_blank(self.idempotency_key),
            metadata: self.metadata.map(|m| m.0),
            timestamp: cow(self.timestamp),
        }
    }

    /// The first problem with an invalid event, as a 400.
    fn explain(&self, field: &dyn Fn(&str) -> String) -> Refusal {
        let check = || -> Result<(), Refusal> {
            required(&field("eventType"), owned(self.event_type.as_ref()))?;
            if let Some(q) = self.quantity {
                check_quantity(&field("quantity"), q)?;
            }
            if self.cost_units.is_some_and(|c| !c.is_finite()) {
                return Err(Refusal::validation(format!(
                    "`{}` must be a finite number",
                    field("costUnits")
                )));
            }
            if self.run_id.as_ref().is_some_and(|r| r.0.is_empty()) {
                return Err(Refusal::validation(format!(
                    "`{}` must not be empty",
                    field("runId")
                )));
            }
            if self.metadata.as_ref().is_some_and(|m| !is_object(m)) {
                return Err(Refusal::validation(format!(
                    "`{}` must be a JSON object",
                    field("metadata")
                )));
            }
            check_timestamp(&field("timestamp"), owned(self.timestamp.as_ref()))?;
            Ok(())
        };
        check()
            .err()
            .unwrap_or_else(|| Refusal::validation("invalid event"))
    }
}

impl ValidEvent<'_> {
    /// The record to store, copying what was borrowed from the request body.
    pub(crate) fn into_stored(
        self,
        id: EventId,
        run_id: SharedText,
        received_at: SharedText,
    ) -> StoredEvent {
        let owned = |t: Option<Cow<'_, str>>| t.map(Cow::into_owned);
        StoredEvent {
            id,
            run_id,
            event_type: self.event_type.into_owned(),
            quantity: self.quantity,
            units: owned(self.units),
            description: owned(self.description),
            cost_units: self.cost_units,
            cost_currency: owned(self.cost_currency),
            metadata: self.metadata.map(Cow::into_owned),
            idempotency_key: owned(self.idempotency_key),
            timestamp: owned(self.timestamp),
            parent_event_id: owned(self.parent_event_id),
            correlation_id: owned(self.correlation_id),
            span_id: owned(self.span_id),
            received_at,
        }
    }
}
