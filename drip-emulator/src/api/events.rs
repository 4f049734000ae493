//! `/run-events` and `/run-events/batch`: per-event dedupe by `idempotencyKey`.
//!
//! The batch path is the hot one: typed deserialisation, one lock per batch, hash lookups
//! for keys, and records built by moving the parsed strings (no copies of the body).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    ApiError, ApiResult, AppState, Caller, check_metadata, check_quantity, check_timestamp,
    non_blank, ok, parse, required,
};
use crate::records::EventRecord;
use crate::store::Store;

/// One event as a client sends it (also the shape of `/runs/record` events).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventInput {
    run_id: Option<String>,
    event_type: Option<String>,
    quantity: Option<f64>,
    units: Option<String>,
    description: Option<String>,
    cost_units: Option<f64>,
    cost_currency: Option<String>,
    correlation_id: Option<String>,
    parent_event_id: Option<String>,
    span_id: Option<String>,
    idempotency_key: Option<String>,
    metadata: Option<Value>,
    timestamp: Option<String>,
}

/// A validated event, not yet bound to a stored run.
pub(crate) struct ValidEvent {
    pub(crate) run_id: Option<String>,
    pub(crate) event_type: String,
    quantity: Option<f64>,
    units: Option<String>,
    description: Option<String>,
    cost_units: Option<f64>,
    cost_currency: Option<String>,
    correlation_id: Option<String>,
    parent_event_id: Option<String>,
    span_id: Option<String>,
    pub(crate) idempotency_key: Option<String>,
    metadata: Option<Value>,
    timestamp: Option<String>,
}

impl EventInput {
    /// Validates; `position` is the event's index in an `events` array, used to name fields
    /// (`events[2].quantity`) in error messages.
    pub(crate) fn validate(self, position: Option<usize>) -> Result<ValidEvent, ApiError> {
        let field = |name: &str| match position {
            Some(n) => format!("events[{n}].{name}"),
            None => name.to_owned(),
        };
        // Field names are only built when something is wrong.
        if self
            .event_type
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
            || self.quantity.is_some_and(|q| !q.is_finite() || q < 0.0)
            || self.cost_units.is_some_and(|c| !c.is_finite())
            || self.run_id.as_deref().is_some_and(str::is_empty)
            || !matches!(
                self.metadata,
                None | Some(Value::Null) | Some(Value::Object(_))
            )
            || self
                .timestamp
                .as_deref()
                .is_some_and(|t| !crate::clock::is_rfc3339(t))
        {
            return Err(self.explain(&field));
        }
        Ok(ValidEvent {
            run_id: self.run_id,
            event_type: self.event_type.unwrap_or_default(),
            quantity: self.quantity,
            units: self.units,
            description: self.description,
            cost_units: self.cost_units,
            cost_currency: self.cost_currency,
            correlation_id: non_blank(self.correlation_id),
            parent_event_id: non_blank(self.parent_event_id),
            span_id: non_blank(self.span_id),
            idempotency_key: non_blank(self.idempotency_key),
            metadata: self.metadata.filter(|m| !m.is_null()),
            timestamp: self.timestamp,
        })
    }

    /// The first problem with an invalid event, as a 400.
    fn explain(self, field: &dyn Fn(&str) -> String) -> ApiError {
        let check = || -> Result<(), ApiError> {
            required(&field("eventType"), self.event_type)?;
            if let Some(q) = self.quantity {
                check_quantity(&field("quantity"), q)?;
            }
            if self.cost_units.is_some_and(|c| !c.is_finite()) {
                return Err(ApiError::validation(format!(
                    "`{}` must be a finite number",
                    field("costUnits")
                )));
            }
            if self.run_id.as_deref().is_some_and(str::is_empty) {
                return Err(ApiError::validation(format!(
                    "`{}` must not be empty",
                    field("runId")
                )));
            }
            check_metadata(&field("metadata"), self.metadata)?;
            check_timestamp(&field("timestamp"), self.timestamp)?;
            Ok(())
        };
        check()
            .err()
            .unwrap_or_else(|| ApiError::validation("invalid event"))
    }
}

/// What happened to one event.
pub(crate) enum Stored {
    Created(usize),
    Duplicate(usize),
    RunEnded,
}

/// Stores `event` on the run at `run_index` unless its key was seen or the run has ended.
pub(crate) fn store_event(
    store: &mut Store,
    run_index: usize,
    event: ValidEvent,
    received_at: &str,
) -> Stored {
    if let Some(&i) = event
        .idempotency_key
        .as_ref()
        .and_then(|k| store.index.event_by_key.get(k))
    {
        return Stored::Duplicate(i);
    }
    if store.runs[run_index].ended_at.is_some() {
        return Stored::RunEnded;
    }
    let record = EventRecord {
        id: store.new_id("evt"),
        run_id: store.runs[run_index].id.clone(),
        event_type: event.event_type,
        quantity: event.quantity,
        units: event.units,
        description: event.description,
        cost_units: event.cost_units,
        cost_currency: event.cost_currency,
        metadata: event.metadata,
        idempotency_key: event.idempotency_key,
        timestamp: event.timestamp,
        parent_event_id: event.parent_event_id,
        correlation_id: event.correlation_id,
        span_id: event.span_id,
        received_at: received_at.to_owned(),
    };
    Stored::Created(store.push_event(run_index, record))
}

/// Stores an event on a run that was just created by `/runs/record` (never ended yet).
pub(crate) fn store_recorded_event(
    store: &mut Store,
    run_index: usize,
    event: ValidEvent,
    received_at: &str,
) -> bool {
    matches!(
        store_event(store, run_index, event, received_at),
        Stored::Created(_)
    )
}

fn single_view(e: &EventRecord, duplicate: bool) -> Value {
    json!({
        "id": e.id,
        "runId": e.run_id,
        "eventType": e.event_type,
        "quantity": e.quantity,
        "costUnits": e.cost_units,
        "isDuplicate": duplicate,
        "timestamp": e.timestamp.as_deref().unwrap_or(&e.received_at),
    })
}

pub(crate) async fn emit(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let input: EventInput = parse(&body)?;
    let event = input.validate(None)?;
    let run_id = required("runId", event.run_id.clone())?;
    let received_at = crate::clock::now_rfc3339();
    let mut store = s.store();
    let run_index = *store
        .index
        .run_by_id
        .get(&run_id)
        .ok_or_else(|| ApiError::not_found("run"))?;
    match store_event(&mut store, run_index, event, &received_at) {
        Stored::Created(i) => {
            let v = single_view(&store.events[i], false);
            drop(store);
            s.changed();
            Ok((StatusCode::CREATED, Json(v)).into_response())
        }
        Stored::Duplicate(i) => ok(single_view(&store.events[i], true)),
        Stored::RunEnded => Err(ApiError::conflict(
            "RUN_ALREADY_ENDED",
            format!("run {run_id} has ended; no new events can be added"),
        )),
    }
}

#[derive(Deserialize)]
struct Batch {
    events: Vec<EventInput>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchItem {
    id: Option<String>,
    event_type: String,
    is_duplicate: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    skipped: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
}

#[derive(Serialize)]
struct BatchResponse {
    success: bool,
    created: u64,
    duplicates: u64,
    skipped: u64,
    events: Vec<BatchItem>,
}

pub(crate) async fn emit_batch(
    State(s): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> ApiResult {
    let batch: Batch = parse(&body)?;
    let mut events = Vec::with_capacity(batch.events.len());
    for (n, input) in batch.events.into_iter().enumerate() {
        let event = input.validate(Some(n))?;
        if event.run_id.is_none() {
            return Err(ApiError::validation(format!(
                "`events[{n}].runId` is required"
            )));
        }
        events.push(event);
    }
    let received_at = crate::clock::now_rfc3339();
    let mut response = BatchResponse {
        success: true,
        created: 0,
        duplicates: 0,
        skipped: 0,
        events: Vec::with_capacity(events.len()),
    };
    let mut store = s.store();
    let mut last_run: Option<(String, Option<usize>)> = None;
    for event in events {
        let run_id = event.run_id.clone().unwrap_or_default();
        let run_index = match &last_run {
            Some((id, index)) if *id == run_id => *index,
            _ => {
                let index = store.index.run_by_id.get(&run_id).copied();
                last_run = Some((run_id, index));
                index
            }
        };
        let event_type = event.event_type.clone();
        let item = match run_index.map(|r| store_event(&mut store, r, event, &received_at)) {
            Some(Stored::Created(i)) => {
                response.created += 1;
                BatchItem {
                    id: Some(store.events[i].id.clone()),
                    event_type,
                    is_duplicate: false,
                    skipped: false,
                    reason: None,
                }
            }
            Some(Stored::Duplicate(i)) => {
                response.duplicates += 1;
                BatchItem {
                    id: Some(store.events[i].id.clone()),
                    event_type,
                    is_duplicate: true,
                    skipped: false,
                    reason: None,
                }
            }
            Some(Stored::RunEnded) => {
                response.skipped += 1;
                BatchItem {
                    id: None,
                    event_type,
                    is_duplicate: false,
                    skipped: true,
                    reason: Some("RUN_ALREADY_ENDED"),
                }
            }
            None => {
                response.skipped += 1;
                BatchItem {
                    id: None,
                    event_type,
                    is_duplicate: false,
                    skipped: true,
                    reason: Some("RUN_NOT_FOUND"),
                }
            }
        };
        response.events.push(item);
    }
    drop(store);
    if response.created > 0 {
        s.changed();
    }
    Ok(Json(response).into_response())
}
