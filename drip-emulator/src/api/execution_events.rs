//! Execution events: the stored run events seen from the billing side.
//!
//! * `GET /events?customerId&runId&eventType&outcome&limit&offset` → `{data, total, limit,
//!   offset}` in the order the events were stored;
//! * `GET /events/{id}`;
//! * `GET /events/{id}/trace` → `{eventId, ancestors, children, retryChain}`.
//!
//! Emulator choices where the hosted API's documentation is silent: `outcome` is `FAILURE` for
//! an `error` event or one whose metadata `status` is `error` or `panicked`, `CANCELLED` for
//! `status: cancelled`, else `SUCCESS`; `explanation` is the event's description; ancestors
//! follow `parentEventId` (root first), children are the events naming this one as parent,
//! and the retry chain is the events of the same run sharing a `correlationId` (empty without
//! one).

use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiResult, AppState, Caller, Refusal, check_filter, ok, parse_bounded};
use crate::store::Store;
use crate::stored_event::{EventId, StoredEvent};

const OUTCOMES: [&str; 3] = ["SUCCESS", "FAILURE", "CANCELLED"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    customer_id: Option<String>,
    run_id: Option<String>,
    event_type: Option<String>,
    outcome: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

/// The outcome of a stored event (see the module docs).
fn outcome(e: &StoredEvent) -> &'static str {
    if e.event_type == "error" {
        return "FAILURE";
    }
    let status = e
        .metadata
        .as_ref()
        .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
        .and_then(|m| m.get("status").and_then(Value::as_str).map(str::to_owned));
    match status.as_deref() {
        Some("error" | "panicked") => "FAILURE",
        Some("cancelled") => "CANCELLED",
        _ => "SUCCESS",
    }
}

/// The customer of the run an event belongs to.
fn customer_of<'a>(store: &'a Store, e: &StoredEvent) -> &'a str {
    store
        .index
        .run_by_id
        .get(e.run_id.as_str())
        .and_then(|&i| store.runs.get(i))
        .map_or("", |r| r.customer_id.as_str())
}

fn event_json(store: &Store, e: &StoredEvent) -> Value {
    let metadata = e
        .metadata
        .as_ref()
        .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok());
    json!({
        "id": e.id.to_string(),
        "customerId": customer_of(store, e),
        "runId": e.run_id.as_str(),
        "eventType": e.event_type,
        "outcome": outcome(e),
        "explanation": e.description,
        "createdAt": e.received_at.as_str(),
        "metadata": metadata,
    })
}

/// The index of the event with id `id`; `404 NOT_FOUND` (`event not found`) otherwise.
fn event_index(store: &Store, id: &str) -> Result<usize, Refusal> {
    let wanted = EventId::decode(id).ok_or_else(|| Refusal::not_found("event"))?;
    store
        .events
        .iter()
        .position(|e| e.id == wanted)
        .ok_or_else(|| Refusal::not_found("event"))
}

pub(crate) async fn list(
    State(s): State<AppState>,
    _caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let limit = parse_bounded("limit", q.limit.as_deref(), 100, 1, 100)?;
    let offset = parse_bounded("offset", q.offset.as_deref(), 0, 0, usize::MAX)?;
    check_filter("outcome", &q.outcome, &OUTCOMES)?;
    let store = s.store();
    let matching: Vec<&StoredEvent> = store
        .events
        .iter()
        .filter(|e| q.run_id.as_ref().is_none_or(|r| e.run_id.as_str() == r))
        .filter(|e| q.event_type.as_ref().is_none_or(|t| &e.event_type == t))
        .filter(|e| {
            q.customer_id
                .as_ref()
                .is_none_or(|c| customer_of(&store, e) == c)
        })
        .filter(|e| q.outcome.as_ref().is_none_or(|o| outcome(e) == o))
        .collect();
    let data: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|e| event_json(&store, e))
        .collect();
    ok(json!({ "data": data, "total": matching.len(), "limit": limit, "offset": offset }))
}

pub(crate) async fn get_one(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let store = s.store();
    let at = event_index(&store, &id)?;
    ok(event_json(&store, &store.events[at]))
}

pub(crate) async fn trace(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let store = s.store();
    let at = event_index(&store, &id)?;
    let event = &store.events[at];
    let mut ancestors = Vec::new();
    let mut parent = event.parent_event_id.clone();
    // Bounded by the number of events, so a parent cycle in client data cannot loop forever.
    while let Some(p) = parent.take()
        && ancestors.len() < store.events.len()
    {
        let Ok(i) = event_index(&store, &p) else {
            break;
        };
        ancestors.push(event_json(&store, &store.events[i]));
        parent = store.events[i].parent_event_id.clone();
    }
    ancestors.reverse();
    let children: Vec<Value> = store
        .events
        .iter()
        .filter(|e| e.parent_event_id.as_deref() == Some(id.as_str()))
        .map(|e| event_json(&store, e))
        .collect();
    let retry_chain: Vec<Value> = match &event.correlation_id {
        Some(correlation) => store
            .events
            .iter()
            .filter(|e| e.run_id == event.run_id && e.correlation_id.as_ref() == Some(correlation))
            .map(|e| event_json(&store, e))
            .collect(),
        None => Vec::new(),
    };
    ok(json!({
        "eventId": id,
        "ancestors": ancestors,
        "children": children,
        "retryChain": retry_chain,
    }))
}
