//! Request preparation shared by every resource: input validation (typed
//! errors before anything is sent) and the privacy hook (every metadata map
//! and every free text passes the client's or its runtime's [`Sanitizer`]
//! at request construction).

use crate::error::{Error, Result};
use crate::metadata::Metadata;
use crate::model::{Event, RecordRun, RunStatus};
use crate::privacy::Sanitizer;

/// Refuses an empty (or blank) required string.
pub(crate) fn non_empty(field: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::Validation {
            field,
            reason: "must not be empty".into(),
        });
    }
    Ok(())
}

/// Refuses a required identifier (customer id, workflow, meter, event type,
/// run id …) that is empty or breaks the identifier shape rule
/// ([`crate::fields::check_identifier`]). The reason names the rule, never
/// the value.
pub(crate) fn required(field: &'static str, value: &str) -> Result<()> {
    non_empty(field, value)?;
    identifier(field, Some(value))
}

/// Refuses an optional identifier that breaks the identifier shape rule.
pub(crate) fn identifier(field: &'static str, value: Option<&str>) -> Result<()> {
    match value.map(crate::fields::check_identifier) {
        Some(Err(refusal)) => Err(Error::Validation {
            field,
            reason: format!(
                "{refusal} (the value is not shown); send an opaque id, or one made with drip::hash_id"
            ),
        }),
        _ => Ok(()),
    }
}

/// Refuses a negative, NaN or infinite quantity.
pub(crate) fn quantity(field: &'static str, value: f64) -> Result<()> {
    if !value.is_finite() {
        return Err(Error::Validation {
            field,
            reason: format!("must be a finite number, got {value}"),
        });
    }
    if value < 0.0 {
        return Err(Error::Validation {
            field,
            reason: format!("must not be negative, got {value}"),
        });
    }
    Ok(())
}

/// Applies the identifier rule to webhook event types and filters.
pub(crate) fn webhook_identifiers(
    events: &[String],
    filters: Option<&crate::model::WebhookFilters>,
) -> Result<()> {
    for event in events {
        required("events", event)?;
    }
    let Some(filters) = filters else {
        return Ok(());
    };
    let lists = [
        ("filters.usageTypes", &filters.usage_types),
        ("filters.customerIds", &filters.customer_ids),
        ("filters.severities", &filters.severities),
    ];
    for (field, list) in lists {
        for value in list.iter().flatten() {
            required(field, value)?;
        }
    }
    Ok(())
}

/// Refuses a NaN or infinite optional number.
pub(crate) fn finite(field: &'static str, value: Option<f64>) -> Result<()> {
    match value {
        Some(v) if !v.is_finite() => Err(Error::Validation {
            field,
            reason: format!("must be a finite number, got {v}"),
        }),
        _ => Ok(()),
    }
}

/// Checks an event before it is sent.
pub(crate) fn check_event(event: &Event) -> Result<()> {
    required("eventType", &event.event_type)?;
    identifier("correlationId", event.correlation_id.as_deref())?;
    identifier("parentEventId", event.parent_event_id.as_deref())?;
    identifier("spanId", event.span_id.as_deref())?;
    identifier("units", event.units.as_deref())?;
    if let Some(q) = event.quantity {
        quantity("quantity", q)?;
    }
    finite("costUnits", event.cost_units)
}

/// Checks a `/runs/record` body before it is sent.
pub(crate) fn check_record(run: &RecordRun) -> Result<()> {
    required("customerId", &run.customer_id)?;
    required("workflow", &run.workflow)?;
    identifier("externalRunId", run.external_run_id.as_deref())?;
    identifier("correlationId", run.correlation_id.as_deref())?;
    identifier("parentRunId", run.parent_run_id.as_deref())?;
    for event in &run.events {
        check_event(event)?;
    }
    terminal("a recorded run", run.status)
}

/// Refuses a status a run cannot end with; `what` names the run in the message.
pub(crate) fn terminal(what: &str, status: RunStatus) -> Result<()> {
    if status.is_terminal() {
        return Ok(());
    }
    Err(Error::Validation {
        field: "status",
        reason: format!(
            "{what} ends COMPLETED, FAILED, CANCELLED or TIMEOUT, not {}",
            status.as_str()
        ),
    })
}

/// Sanitises a metadata map under `privacy`'s rules (an emptied map is omitted).
pub(crate) fn metadata(privacy: &Sanitizer, metadata: Option<Metadata>) -> Option<Metadata> {
    metadata
        .map(|m| privacy.sanitize_metadata(m))
        .filter(|m| !m.is_empty())
}

/// Redacts free text, counted by `privacy`.
pub(crate) fn text(privacy: &Sanitizer, text: Option<String>) -> Option<String> {
    text.map(|t| privacy.redact_text(&t))
}

/// Applies the privacy hook to an event, and gives it a key if it lost its own.
pub(crate) fn event(privacy: &Sanitizer, mut event: Event) -> Event {
    event_in_place(privacy, &mut event);
    event
}

/// [`event`] on an event the caller keeps (the delivery thread prepares
/// spooled events where they lie). Idempotent.
pub(crate) fn event_in_place(privacy: &Sanitizer, event: &mut Event) {
    if event.idempotency_key.trim().is_empty() {
        event.idempotency_key = crate::model::idempotency::new_key("evt");
    }
    event.metadata = metadata(privacy, event.metadata.take());
    event.description = text(privacy, event.description.take());
}

/// The caller's key, else a fresh one with `prefix`.
pub(crate) fn key_or_new(key: Option<String>, prefix: &str) -> String {
    key.filter(|k| !k.is_empty())
        .unwrap_or_else(|| crate::model::idempotency::new_key(prefix))
}
