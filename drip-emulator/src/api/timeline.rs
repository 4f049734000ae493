//! `GET /runs/{id}/timeline`: the run's events in arrival order, paged with an opaque
//! cursor, with a summary over the whole run.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ApiResult, AppState, Caller, Refusal, decimal, ok, parse_bounded};
use crate::records::EventRecord;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TimelineQuery {
    limit: Option<String>,
    cursor: Option<String>,
    include_anomalies: Option<String>,
    collapse_retries: Option<String>,
}

const CURSOR_PREFIX: &str = "cur_";

fn parse_flag(field: &str, raw: Option<&str>) -> Result<bool, Refusal> {
    match raw {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(Refusal::validation(format!(
            "`{field}` must be `true` or `false`"
        ))),
    }
}

fn parse_cursor(raw: Option<&str>) -> Result<usize, Refusal> {
    let Some(raw) = raw.filter(|c| !c.is_empty()) else {
        return Ok(0);
    };
    raw.strip_prefix(CURSOR_PREFIX)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| Refusal::validation("`cursor` is not a cursor this server issued; pass `nextCursor` from the previous page"))
}

/// SUCCESS, FAILED or TIMEOUT, from the event type and a `status` metadata field.
fn outcome(e: &EventRecord) -> &'static str {
    let status = e
        .metadata
        .as_ref()
        .and_then(|m| m.get("status"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if status.eq_ignore_ascii_case("timeout") {
        "TIMEOUT"
    } else if e.event_type == "error"
        || e.event_type.ends_with(".error")
        || ["error", "failed", "failure", "panicked"]
            .iter()
            .any(|s| status.eq_ignore_ascii_case(s))
    {
        "FAILED"
    } else {
        "SUCCESS"
    }
}

fn metadata_str<'a>(e: &'a EventRecord, keys: &[&str]) -> Option<&'a str> {
    let m = e.metadata.as_ref()?;
    keys.iter().find_map(|k| m.get(*k).and_then(Value::as_str))
}

fn metadata_u64(e: &EventRecord, keys: &[&str]) -> Option<u64> {
    let m = e.metadata.as_ref()?;
    keys.iter().find_map(|k| {
        m.get(*k).and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
        })
    })
}

fn event_view(e: &EventRecord) -> Value {
    // The documented `{usageType, quantity, units}`, followed by the event's own metadata.
    let mut metadata = Map::new();
    metadata.insert("usageType".into(), json!(e.event_type));
    metadata.insert("quantity".into(), json!(e.quantity));
    metadata.insert("units".into(), json!(e.units));
    if let Some(Value::Object(extra)) = &e.metadata {
        for (k, v) in extra {
            metadata.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    json!({
        "id": e.id,
        "eventType": e.event_type,
        "actionName": metadata_str(e, &["name", "tool_name", "toolName", "tool", "model"]),
        "outcome": outcome(e),
        "explanation": null,
        "description": e.description,
        "timestamp": e.timestamp.as_deref().unwrap_or(&e.received_at),
        "durationMs": metadata_u64(e, &["duration_ms", "durationMs", "latency_ms", "latencyMs"]),
        "parentEventId": e.parent_event_id,
        "correlationId": e.correlation_id,
        "spanId": e.span_id,
        "retryOfEventId": null,
        "attemptNumber": 1,
        "retriedByEventId": null,
        "costUsdc": e.cost_units.map(decimal),
        "isRetry": false,
        "retryChain": null,
        "metadata": metadata,
    })
}

pub(crate) async fn timeline(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<TimelineQuery>,
) -> ApiResult {
    let limit = parse_bounded("limit", q.limit.as_deref(), 100, 1, 500)?;
    let start = parse_cursor(q.cursor.as_deref())?;
    let include_anomalies = parse_flag("includeAnomalies", q.include_anomalies.as_deref())?;
    // Retries are never stored as separate events here, so there is nothing to collapse.
    parse_flag("collapseRetries", q.collapse_retries.as_deref())?;

    let store = s.store();
    let run_index = store.run_index(&id)?;
    let run = &store.runs[run_index];
    let indices: &[usize] = store
        .index
        .run_events
        .get(run_index)
        .map_or(&[], Vec::as_slice);
    // Metadata is kept as text; the timeline is read rarely enough to convert it here.
    let events: Vec<EventRecord> = indices
        .iter()
        .map(|&i| store.events[i].to_record())
        .collect();

    let page: Vec<Value> = events
        .iter()
        .skip(start)
        .take(limit)
        .map(event_view)
        .collect();
    let end = start + page.len();
    let has_more = end < events.len();

    let mut by_type: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_outcome: BTreeMap<&str, u64> = BTreeMap::new();
    let mut failed = Vec::new();
    let mut cost = None::<f64>;
    for e in &events {
        *by_type.entry(e.event_type.as_str()).or_default() += 1;
        let o = outcome(e);
        *by_outcome.entry(o).or_default() += 1;
        if o != "SUCCESS" {
            failed.push(e.id.clone());
        }
        if let Some(c) = e.cost_units {
            *cost.get_or_insert(0.0) += c;
        }
    }
    let anomalies = if include_anomalies && !failed.is_empty() {
        vec![json!({
            "id": format!("anom_{}", run.id.trim_start_matches("run_")),
            "type": "FAILED_EVENTS",
            "severity": if failed.len() > 1 { "HIGH" } else { "MEDIUM" },
            "title": format!("{} failed event(s)", failed.len()),
            "explanation": "Events in this run reported an error outcome.",
            "relatedEventIds": failed,
            "detectedAt": run.ended_at.as_deref().unwrap_or(&run.started_at),
            "status": "OPEN",
        })]
    } else {
        Vec::new()
    };
    let workflow_name = store
        .index
        .workflow_by_id
        .get(&run.workflow_id)
        .map(|&w| store.workflows[w].name.clone());
    ok(json!({
        "runId": run.id,
        "workflowId": run.workflow_id,
        "workflowName": workflow_name,
        "customerId": run.customer_id,
        "status": run.status,
        "correlationId": run.correlation_id,
        "metadata": run.metadata,
        "errorMessage": run.error_message,
        "errorCode": run.error_code,
        "startedAt": run.started_at,
        "endedAt": run.ended_at,
        "durationMs": run.duration_ms,
        "events": page,
        "anomalies": anomalies,
        "summary": {
            "totalEvents": events.len(),
            "byType": by_type,
            "byOutcome": by_outcome,
            "retriedEvents": 0,
            "failedEvents": by_outcome.iter().filter(|(o, _)| **o != "SUCCESS").map(|(_, n)| n).sum::<u64>(),
            "totalCostUsdc": cost.map(decimal),
        },
        "hasMore": has_more,
        "nextCursor": has_more.then(|| format!("{CURSOR_PREFIX}{end}")),
    }))
}
