//! `POST /runs/record`: a whole run in one call, idempotent on `externalRunId`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use super::event_input::{ExactEvent, FastEvent, parse_fast};
use super::events::store_recorded_event;
use super::runs::{check_end_status, total_cost, workflow_name};
use super::workflows::pretty_name;
use super::{
    ApiResult, AppState, Caller, check_metadata, check_timestamp, non_blank, ok, required,
};
use crate::records::{RunRecord, WorkflowRecord};
use crate::stored_event::SharedText;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordRun<E> {
    customer_id: Option<String>,
    workflow: Option<String>,
    #[serde(default = "Vec::new")]
    events: Vec<E>,
    status: Option<String>,
    error_message: Option<String>,
    error_code: Option<String>,
    external_run_id: Option<String>,
    correlation_id: Option<String>,
    parent_run_id: Option<String>,
    metadata: Option<Value>,
    idempotency_key: Option<String>,
    /// Not in the hosted API's documented body; honoured when a client sends it.
    started_at: Option<String>,
    /// Not in the hosted API's documented body; honoured when a client sends it.
    ended_at: Option<String>,
    /// Not in the hosted API's documented body; honoured when a client sends it.
    duration_ms: Option<u64>,
}

impl<E> RecordRun<E> {
    /// The same request with its events converted.
    fn map_events<F>(
        self,
        convert: impl FnMut(E) -> Result<F, super::Refusal>,
    ) -> Result<RecordRun<F>, super::Refusal> {
        Ok(RecordRun {
            customer_id: self.customer_id,
            workflow: self.workflow,
            events: self
                .events
                .into_iter()
                .map(convert)
                .collect::<Result<_, _>>()?,
            status: self.status,
            error_message: self.error_message,
            error_code: self.error_code,
            external_run_id: self.external_run_id,
            correlation_id: self.correlation_id,
            parent_run_id: self.parent_run_id,
            metadata: self.metadata,
            idempotency_key: self.idempotency_key,
            started_at: self.started_at,
            ended_at: self.ended_at,
            duration_ms: self.duration_ms,
        })
    }
}

fn summary(status: &str, workflow_name: &str, created: u64, duration_ms: u64) -> String {
    let icon = match status {
        "COMPLETED" => "✓",
        "FAILED" => "✗",
        _ => "○",
    };
    format!("{icon} {workflow_name}: {created} events recorded ({duration_ms}ms)")
}

fn view(
    run: &RunRecord,
    workflow_name: &str,
    created: u64,
    duplicates: u64,
    duplicate: bool,
) -> Value {
    let duration = run.duration_ms.unwrap_or(0);
    json!({
        "run": {
            "id": run.id,
            "workflowId": run.workflow_id,
            "workflowName": workflow_name,
            "status": run.status,
            "durationMs": duration,
            "externalRunId": run.external_run_id,
        },
        "events": { "created": created, "duplicates": duplicates },
        "totalCostUnits": total_cost(run),
        "summary": summary(&run.status, workflow_name, created, duration),
        "isDuplicate": duplicate,
    })
}

pub(crate) async fn record(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let req: RecordRun<FastEvent> = parse_fast(
        &body,
        |r: &RecordRun<FastEvent>| r.events.iter().all(FastEvent::vouch),
        |r: RecordRun<ExactEvent>| r.map_events(ExactEvent::into_fast),
    )?;
    let customer_id = required("customerId", req.customer_id)?;
    let workflow = required("workflow", req.workflow)?;
    let status = check_end_status(req.status)?;
    let metadata = check_metadata("metadata", req.metadata)?;
    let started_at = check_timestamp("startedAt", req.started_at)?;
    let ended_at = check_timestamp("endedAt", req.ended_at)?;
    let mut events = Vec::with_capacity(req.events.len());
    for (n, input) in req.events.into_iter().enumerate() {
        events.push(input.validate(Some(n))?);
    }
    let external = non_blank(req.external_run_id);
    let key = non_blank(req.idempotency_key);

    let mut store = s.store();
    if let Some(i) = store.existing_run(external.as_deref(), key.as_deref()) {
        let run = &store.runs[i];
        let name = workflow_name(&store, &run.workflow_id);
        return ok(view(run, &name, 0, events.len() as u64, true));
    }

    let now = crate::clock::now_ms();
    let now_text = crate::clock::rfc3339(now);
    let wf = match store.workflow_index(&workflow) {
        Some(i) => i,
        None => {
            let record = WorkflowRecord {
                id: store.new_id("wf"),
                name: pretty_name(&workflow),
                slug: workflow.clone(),
                product_surface: "CUSTOM".into(),
                description: None,
                metadata: None,
                auto_created: true,
                idempotency_key: None,
                created_at: now_text.clone(),
            };
            store.push_workflow(record)
        }
    };
    let (workflow_id, workflow_slug, workflow_name) = {
        let w = &store.workflows[wf];
        (w.id.clone(), w.slug.clone(), w.name.clone())
    };
    let run = RunRecord {
        id: store.new_id("run"),
        customer_id,
        workflow_id,
        workflow_slug,
        status: "RUNNING".into(),
        external_run_id: external,
        correlation_id: non_blank(req.correlation_id),
        parent_run_id: non_blank(req.parent_run_id),
        metadata,
        error_code: None,
        error_message: None,
        started_at: started_at.unwrap_or_else(|| now_text.clone()),
        ended_at: None,
        duration_ms: None,
        event_count: 0,
        total_quantity: 0.0,
        total_cost_units: 0.0,
        recorded: true,
        idempotency_key: key,
        started_at_ms: now,
    };
    let run_index = store.push_run(run);
    let total = events.len() as u64;
    let mut created = 0;
    let received_at = SharedText::from(now_text.as_str());
    for event in events {
        if store_recorded_event(&mut store, run_index, event, &received_at) {
            created += 1;
        }
    }
    let run = &mut store.runs[run_index];
    run.status = status;
    run.ended_at = Some(ended_at.unwrap_or(now_text));
    run.duration_ms = Some(req.duration_ms.unwrap_or(0));
    run.error_message = non_blank(req.error_message);
    run.error_code = non_blank(req.error_code);
    let v = view(run, &workflow_name, created, total - created, false);
    drop(store);
    s.changed();
    Ok((StatusCode::CREATED, Json(v)).into_response())
}
