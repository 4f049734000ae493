use super::{idempotency, time};
use crate::metadata::{Metadata, Value};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How a tool call ended.
///
/// ```
/// use drip_runtime::model::ToolStatus;
/// assert_eq!(ToolStatus::Cancelled.as_str(), "cancelled");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ToolStatus {
    /// Returned normally (not an `Err`).
    Ok,
    /// Returned an `Err`.
    Error,
    /// Panicked.
    Panicked,
    /// Dropped before completion.
    Cancelled,
}

impl ToolStatus {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ToolStatus::Ok => "ok",
            ToolStatus::Error => "error",
            ToolStatus::Panicked => "panicked",
            ToolStatus::Cancelled => "cancelled",
        }
    }
}

/// One run event (`llm.call`, `tool.call`, `agent.plan`, …).
///
/// Its idempotency key and timestamp are fixed when it is created and never
/// change, so every retry and every replay from the spool is recognised by the
/// server as the same event.
///
/// ```
/// use drip_runtime::model::Event;
/// let e = Event::llm_call("gpt-4o", 1_700);
/// assert_eq!(e.event_type, "llm.call");
/// assert_eq!(e.quantity, Some(1_700.0));
/// assert!(e.idempotency_key.starts_with("evt_"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Event {
    /// Free-form type, e.g. `llm.call`.
    pub event_type: String,
    /// Quantity (tokens, calls …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    /// Unit label for `quantity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
    /// Short description; redacted by the sanitiser.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Cost in abstract units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_units: Option<f64>,
    /// Currency of `cost_units`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_currency: Option<String>,
    /// Correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Parent event id (trace tree).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_event_id: Option<String>,
    /// OTel-style span id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span_id: Option<String>,
    /// Sanitised metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Made once at creation; unique across processes.
    pub idempotency_key: String,
    /// RFC 3339, made once at creation.
    pub timestamp: String,
    /// Built already sanitised (a tool call from its compile-time-checked
    /// site): the pipeline's boundary need not scan it again.
    #[serde(skip)]
    pub(crate) built_clean: BuiltClean,
}

/// Whether an [`Event`] was built already sanitised. Not part of what the
/// event is: every two of them compare equal, and it is never serialised
/// (an event read back from a spool is checked again).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BuiltClean(pub(crate) bool);

impl PartialEq for BuiltClean {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Event {
    /// A bare event of `event_type`, with a fresh key and timestamp.
    ///
    /// ```
    /// let e = drip_runtime::model::Event::new("custom.step");
    /// assert!(e.metadata.is_none());
    /// ```
    pub fn new(event_type: impl Into<String>) -> Self {
        Event::new_at(event_type, time::now_rfc3339())
    }

    /// A bare event with a timestamp already made (buffered run events).
    pub(crate) fn new_at(event_type: impl Into<String>, timestamp: String) -> Self {
        Event {
            event_type: event_type.into(),
            quantity: None,
            units: None,
            description: None,
            cost_units: None,
            cost_currency: None,
            correlation_id: None,
            parent_event_id: None,
            span_id: None,
            metadata: None,
            idempotency_key: idempotency::new_key("evt"),
            timestamp,
            built_clean: BuiltClean(false),
        }
    }

    /// `llm.call`: `tokens` of `model`.
    pub fn llm_call(model: impl Into<String>, tokens: u64) -> Self {
        let mut e = Event::new("llm.call");
        e.quantity = Some(tokens as f64);
        e.units = Some("tokens".into());
        e.metadata_mut().insert("model", Value::Str(model.into()));
        e
    }

    /// `tool.call`: one call of tool `name`, its duration and status.
    ///
    /// ```
    /// use drip_runtime::model::{Event, ToolStatus};
    /// use std::time::Duration;
    /// let e = Event::tool_call("web-search", Duration::from_millis(1500), ToolStatus::Ok);
    /// let m = e.metadata.unwrap();
    /// assert_eq!(m.get("duration_ms"), Some(&1500.0.into()));
    /// ```
    pub fn tool_call(name: impl Into<String>, duration: Duration, status: ToolStatus) -> Self {
        Event::tool_call_at(name, duration, status, time::now_rfc3339())
    }

    /// [`Event::tool_call`] that ended at `timestamp` (RFC 3339).
    pub(crate) fn tool_call_at(
        name: impl Into<String>,
        duration: Duration,
        status: ToolStatus,
        timestamp: String,
    ) -> Self {
        let mut e = Event::new_at("tool.call", timestamp);
        e.quantity = Some(1.0);
        e.units = Some("calls".into());
        e.metadata = Some(tool_call_metadata(name, duration, status));
        e
    }

    /// `agent.plan` with a description.
    pub fn plan(description: impl Into<String>) -> Self {
        Event::new("agent.plan").with_description(description)
    }

    /// `agent.execute` with a description and metadata.
    pub fn execute(description: impl Into<String>, metadata: Metadata) -> Self {
        Event::new("agent.execute")
            .with_description(description)
            .with_metadata(metadata)
    }

    /// `error` with a description and metadata.
    pub fn error(description: impl Into<String>, metadata: Metadata) -> Self {
        Event::new("error")
            .with_description(description)
            .with_metadata(metadata)
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Merges `metadata` into the event's metadata.
    #[must_use]
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        let m = self.metadata_mut();
        for (k, v) in metadata {
            m.insert(k, v);
        }
        self
    }

    /// Sets the quantity and its unit.
    #[must_use]
    pub fn with_quantity(mut self, quantity: f64, units: impl Into<String>) -> Self {
        self.quantity = Some(quantity);
        self.units = Some(units.into());
        self
    }

    /// Whether the event was built already sanitised (see [`BuiltClean`]).
    pub(crate) fn is_built_clean(&self) -> bool {
        self.built_clean.0
    }

    /// The metadata map, created empty if absent.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        self.metadata.get_or_insert_with(Metadata::new)
    }
}

/// What every tool call carries, as an event or as a usage record:
/// `tool_name`, `duration_ms` (milliseconds to the microsecond, so a fast
/// call shows `0.042`, not `0`) and `status`.
pub(crate) fn tool_call_metadata(
    name: impl Into<String>,
    duration: Duration,
    status: ToolStatus,
) -> Metadata {
    let mut m = Metadata::new();
    m.insert("tool_name", Value::Str(name.into()));
    m.insert("duration_ms", Value::Float(duration_ms(duration)));
    m.insert("status", status.as_str());
    m
}

/// Milliseconds to the microsecond: `Duration::from_nanos(42_400)` → `0.042`.
pub(crate) fn duration_ms(duration: Duration) -> f64 {
    // Whole microseconds first: the float then holds an exact-looking decimal.
    duration.as_micros() as f64 / 1000.0
}
