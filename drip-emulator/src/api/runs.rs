//! `/runs`: start, get, and end (the run state machine).

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ApiResult, AppState, Caller, Refusal, check_metadata, created, decimal, non_blank, ok, parse,
    required,
};
use crate::records::RunRecord;
use crate::store::Store;

/// Statuses a run may end with.
pub(crate) const END_STATUSES: [&str; 4] = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"];

pub(crate) fn check_end_status(status: Option<String>) -> Result<String, Refusal> {
    let status = required("status", status)?;
    if END_STATUSES.contains(&status.as_str()) {
        Ok(status)
    } else {
        Err(Refusal::validation(format!(
            "`status` must be one of {} (got `{status}`)",
            END_STATUSES.join(", ")
        )))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartRun {
    customer_id: Option<String>,
    workflow_id: Option<String>,
    external_run_id: Option<String>,
    correlation_id: Option<String>,
    parent_run_id: Option<String>,
    metadata: Option<Value>,
    idempotency_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EndRun {
    status: Option<String>,
    error_message: Option<String>,
    error_code: Option<String>,
    metadata: Option<Value>,
}

pub(crate) fn workflow_name(store: &Store, workflow_id: &str) -> String {
    store
        .index
        .workflow_by_id
        .get(workflow_id)
        .map(|&i| store.workflows[i].name.clone())
        .unwrap_or_default()
}

fn start_view(store: &Store, r: &RunRecord, duplicate: bool) -> Value {
    json!({
        "id": r.id,
        "customerId": r.customer_id,
        "workflowId": r.workflow_id,
        "workflowName": workflow_name(store, &r.workflow_id),
        "status": r.status,
        "correlationId": r.correlation_id,
        "externalRunId": r.external_run_id,
        "createdAt": r.started_at,
        "isDuplicate": duplicate,
    })
}

pub(crate) fn total_cost(r: &RunRecord) -> Value {
    if r.event_count == 0 {
        Value::Null
    } else {
        json!(decimal(r.total_cost_units))
    }
}

pub(crate) async fn start(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let req: StartRun = parse(&body)?;
    let customer_id = required("customerId", req.customer_id)?;
    let workflow_id = required("workflowId", req.workflow_id)?;
    let metadata = check_metadata("metadata", req.metadata)?;
    let external = non_blank(req.external_run_id);
    let key = non_blank(req.idempotency_key);
    let mut store = s.store();
    if let Some(i) = store.existing_run(external.as_deref(), key.as_deref()) {
        return ok(start_view(&store, &store.runs[i], true));
    }
    let Some(&wf) = store.index.workflow_by_id.get(&workflow_id) else {
        return Err(Refusal::not_found("workflow").with("workflowId", json!(workflow_id)));
    };
    let now = crate::clock::now_ms();
    let run = RunRecord {
        id: store.new_id("run"),
        customer_id,
        workflow_id,
        workflow_slug: store.workflows[wf].slug.clone(),
        status: "RUNNING".into(),
        external_run_id: external,
        correlation_id: non_blank(req.correlation_id),
        parent_run_id: non_blank(req.parent_run_id),
        metadata,
        error_code: None,
        error_message: None,
        started_at: crate::clock::rfc3339(now),
        ended_at: None,
        duration_ms: None,
        event_count: 0,
        total_quantity: 0.0,
        total_cost_units: 0.0,
        recorded: false,
        idempotency_key: key,
        started_at_ms: now,
    };
    let v = start_view(&store, &run, false);
    store.push_run(run);
    drop(store);
    s.changed();
    created(v)
}

pub(crate) fn detail_view(store: &Store, r: &RunRecord) -> Value {
    let customer_name = store
        .index
        .customer_by_id
        .get(&r.customer_id)
        .and_then(|&i| store.customers[i].external_customer_id.clone());
    json!({
        "id": r.id,
        "customerId": r.customer_id,
        "customerName": customer_name,
        "workflowId": r.workflow_id,
        "workflowName": workflow_name(store, &r.workflow_id),
        "status": r.status,
        "startedAt": r.started_at,
        "endedAt": r.ended_at,
        "durationMs": r.duration_ms,
        "errorMessage": r.error_message,
        "errorCode": r.error_code,
        "correlationId": r.correlation_id,
        "externalRunId": r.external_run_id,
        "parentRunId": r.parent_run_id,
        "metadata": r.metadata,
        "totals": {
            "eventCount": r.event_count,
            "totalQuantity": decimal(r.total_quantity),
            "totalCostUnits": decimal(r.total_cost_units),
        },
        "_links": { "timeline": format!("/v1/runs/{}/timeline", r.id) },
    })
}

pub(crate) async fn get_one(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let store = s.store();
    let i = store.run_index(&id)?;
    ok(detail_view(&store, &store.runs[i]))
}

fn end_view(r: &RunRecord, duplicate: bool) -> Value {
    json!({
        "id": r.id,
        "status": r.status,
        "endedAt": r.ended_at,
        "durationMs": r.duration_ms,
        "eventCount": r.event_count,
        "totalCostUnits": total_cost(r),
        "isDuplicate": duplicate,
    })
}

pub(crate) async fn end(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let req: EndRun = parse(&body)?;
    let status = check_end_status(req.status)?;
    let metadata = check_metadata("metadata", req.metadata)?;
    let mut store = s.store();
    let i = store.run_index(&id)?;
    let run = &mut store.runs[i];
    if run.ended_at.is_some() {
        if run.status == status {
            return ok(end_view(run, true));
        }
        return Err(Refusal::conflict(
            "RUN_ALREADY_ENDED",
            format!(
                "run already ended with status {}; it cannot become {status}",
                run.status
            ),
        )
        .with("currentStatus", json!(run.status)));
    }
    let now = crate::clock::now_ms();
    run.status = status;
    run.ended_at = Some(crate::clock::rfc3339(now));
    run.duration_ms = Some(now.saturating_sub(run.started_at_ms));
    run.error_message = non_blank(req.error_message);
    run.error_code = non_blank(req.error_code);
    if let Some(Value::Object(extra)) = metadata {
        match &mut run.metadata {
            Some(Value::Object(existing)) => existing.extend(extra),
            other => *other = Some(Value::Object(extra)),
        }
    }
    let v = end_view(run, false);
    drop(store);
    s.changed();
    ok(v)
}
