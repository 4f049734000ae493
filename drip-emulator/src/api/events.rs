//! `/run-events` and `/run-events/batch`: per-event dedupe by `idempotencyKey`.
//!
//! The batch path is the hot one: strings borrowed from the body and metadata kept as raw
//! text (see `event_input`), the whole batch validated before anything is stored, one lock per
//! batch, one hash per idempotency key, and the answer serialised from the stored records
//! while the lock is held (no per-event copies for it).

use std::borrow::Cow;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Value, json};

use super::event_input::{ExactEvent, FastEvent, ValidEvent, parse_fast};
use super::{ApiResult, AppState, Caller, Refusal, ok, required};
use crate::store::Store;
use crate::stored_event::{EventId, SharedText, StoredEvent};

/// What happened to one event; the refused ones give back the type they were sent with.
pub(crate) enum Stored<'a> {
    Created(usize),
    Duplicate(usize, Cow<'a, str>),
    RunEnded(Cow<'a, str>),
}

/// Stores `event` on the run at `run_index` unless its key was seen or the run has ended.
pub(crate) fn store_event<'a>(
    store: &mut Store,
    run_index: usize,
    event: ValidEvent<'a>,
    received_at: &SharedText,
) -> Stored<'a> {
    let key_hash = event
        .idempotency_key
        .as_deref()
        .map(|k| (k, store.event_key_hash(k)));
    if let Some(i) = key_hash.and_then(|(k, hash)| store.event_by_key(hash, k)) {
        return Stored::Duplicate(i, event.event_type);
    }
    let key_hash = key_hash.map(|(_, hash)| hash);
    if store.runs[run_index].ended_at.is_some() {
        return Stored::RunEnded(event.event_type);
    }
    let id = EventId(store.new_number());
    let run_id = store.index.run_ids[run_index].clone();
    let record = event.into_stored(id, run_id, received_at.clone());
    Stored::Created(store.push_event(run_index, record, key_hash))
}

/// Stores an event on a run that was just created by `/runs/record` (never ended yet).
pub(crate) fn store_recorded_event(
    store: &mut Store,
    run_index: usize,
    event: ValidEvent<'_>,
    received_at: &SharedText,
) -> bool {
    matches!(
        store_event(store, run_index, event, received_at),
        Stored::Created(_)
    )
}

fn single_view(e: &StoredEvent, duplicate: bool) -> Value {
    json!({
        "id": e.id.to_string(),
        "runId": e.run_id.as_str(),
        "eventType": e.event_type,
        "quantity": e.quantity,
        "costUnits": e.cost_units,
        "isDuplicate": duplicate,
        "timestamp": e.timestamp.as_deref().unwrap_or(e.received_at.as_str()),
    })
}

pub(crate) async fn emit(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let input: FastEvent = parse_fast(&body, FastEvent::vouch, ExactEvent::into_fast)?;
    let event = input.validate(None)?;
    let run_id = required("runId", event.run_id.as_deref().map(str::to_owned))?;
    let received_at = SharedText::from(crate::clock::now_rfc3339().as_str());
    let mut store = s.store();
    let run_index = store.run_index(&run_id)?;
    match store_event(&mut store, run_index, event, &received_at) {
        Stored::Created(i) => {
            let v = single_view(&store.events[i], false);
            drop(store);
            s.changed();
            Ok((StatusCode::CREATED, Json(v)).into_response())
        }
        Stored::Duplicate(i, _) => ok(single_view(&store.events[i], true)),
        Stored::RunEnded(_) => Err(Refusal::conflict(
            "RUN_ALREADY_ENDED",
            format!("run {run_id} has ended; no new events can be added"),
        )),
    }
}

#[derive(Deserialize)]
struct Batch<E> {
    events: Vec<E>,
}

/// What happened to one event of a batch.
enum Outcome<'a> {
    Created(usize),
    Duplicate(usize, Cow<'a, str>),
    Skipped(Cow<'a, str>, &'static str),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchItem<'s> {
    id: Option<EventId>,
    event_type: &'s str,
    is_duplicate: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    skipped: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
}

/// The batch answer, serialised straight from the outcomes and the stored events.
struct BatchResponse<'s> {
    created: u64,
    duplicates: u64,
    skipped: u64,
    outcomes: &'s [Outcome<'s>],
    events: &'s [StoredEvent],
}

impl Serialize for BatchResponse<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("BatchResponse", 5)?;
        s.serialize_field("success", &true)?;
        s.serialize_field("created", &self.created)?;
        s.serialize_field("duplicates", &self.duplicates)?;
        s.serialize_field("skipped", &self.skipped)?;
        s.serialize_field("events", &BatchItems(self))?;
        s.end()
    }
}

struct BatchItems<'r, 's>(&'r BatchResponse<'s>);

impl Serialize for BatchItems<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let events = self.0.events;
        serializer.collect_seq(self.0.outcomes.iter().map(|outcome| match outcome {
            Outcome::Created(i) => BatchItem {
                id: Some(events[*i].id),
                event_type: &events[*i].event_type,
                is_duplicate: false,
                skipped: false,
                reason: None,
            },
            Outcome::Duplicate(i, event_type) => BatchItem {
                id: Some(events[*i].id),
                event_type,
                is_duplicate: true,
                skipped: false,
                reason: None,
            },
            Outcome::Skipped(event_type, reason) => BatchItem {
                id: None,
                event_type,
                is_duplicate: false,
                skipped: true,
                reason: Some(reason),
            },
        }))
    }
}

pub(crate) async fn emit_batch(
    State(s): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> ApiResult {
    let batch: Batch<FastEvent> = parse_fast(
        &body,
        |b: &Batch<FastEvent>| b.events.iter().all(FastEvent::vouch),
        |b: Batch<ExactEvent>| {
            let events = b.events.into_iter().map(ExactEvent::into_fast);
            Ok(Batch {
                events: events.collect::<Result<_, _>>()?,
            })
        },
    )?;
    for (n, input) in batch.events.iter().enumerate() {
        input.check(Some(n))?;
        if !input.has_run_id() {
            return Err(Refusal::validation(format!(
                "`events[{n}].runId` is required"
            )));
        }
    }
    let received_at = SharedText::from(crate::clock::now_rfc3339().as_str());
    let (mut created, mut duplicates, mut skipped) = (0, 0, 0);
    let mut outcomes = Vec::with_capacity(batch.events.len());
    let mut store = s.store();
    let mut last_run: Option<(Cow<str>, Option<usize>)> = None;
    for mut event in batch.events.into_iter().map(FastEvent::into_valid) {
        let run_id = event.run_id.take().unwrap_or_default();
        let run_index = match &last_run {
            Some((id, index)) if *id == run_id => *index,
            _ => {
                let index = store.index.run_by_id.get(run_id.as_ref()).copied();
                last_run = Some((run_id, index));
                index
            }
        };
        let outcome = match run_index {
            None => Outcome::Skipped(event.event_type, "RUN_NOT_FOUND"),
            Some(r) => match store_event(&mut store, r, event, &received_at) {
                Stored::Created(i) => Outcome::Created(i),
                Stored::Duplicate(i, event_type) => Outcome::Duplicate(i, event_type),
                Stored::RunEnded(event_type) => Outcome::Skipped(event_type, "RUN_ALREADY_ENDED"),
            },
        };
        match outcome {
            Outcome::Created(_) => created += 1,
            Outcome::Duplicate(..) => duplicates += 1,
            Outcome::Skipped(..) => skipped += 1,
        }
        outcomes.push(outcome);
    }
    // Serialised while the lock is held, so event types are borrowed rather than copied.
    let response = Json(BatchResponse {
        created,
        duplicates,
        skipped,
        outcomes: &outcomes,
        events: &store.events,
    })
    .into_response();
    drop(store);
    if created > 0 {
        s.changed();
    }
    Ok(response)
}
