//! `/workflows`: list and create (409 on a duplicate slug).

use axum::body::Bytes;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ApiResult, AppState, Caller, Refusal, check_metadata, created, non_blank, ok, parse, required,
};
use crate::records::WorkflowRecord;

const SURFACES: [&str; 6] = ["API", "RPC", "WEBHOOK", "AGENT", "PIPELINE", "CUSTOM"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateWorkflow {
    name: Option<String>,
    slug: Option<String>,
    product_surface: Option<String>,
    description: Option<String>,
    metadata: Option<Value>,
    idempotency_key: Option<String>,
}

pub(crate) fn view(w: &WorkflowRecord) -> Value {
    json!({
        "id": w.id,
        "name": w.name,
        "slug": w.slug,
        "productSurface": w.product_surface,
        "chain": null,
        "description": w.description,
        "isActive": true,
        "createdAt": w.created_at,
    })
}

pub(crate) async fn list(State(s): State<AppState>, _caller: Caller) -> ApiResult {
    let store = s.store();
    let data: Vec<Value> = store.workflows.iter().map(view).collect();
    ok(json!({ "count": data.len(), "data": data }))
}

pub(crate) async fn create(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let req: CreateWorkflow = parse(&body)?;
    let name = required("name", req.name)?;
    let slug = required("slug", req.slug)?;
    let surface = req.product_surface.unwrap_or_else(|| "CUSTOM".into());
    if !SURFACES.contains(&surface.as_str()) {
        return Err(Refusal::validation(format!(
            "`productSurface` must be one of {}",
            SURFACES.join(", ")
        )));
    }
    let metadata = check_metadata("metadata", req.metadata)?;
    let key = non_blank(req.idempotency_key);
    let mut store = s.store();
    if let Some(&i) = key
        .as_ref()
        .and_then(|k| store.index.workflow_by_key.get(k))
    {
        let mut v = view(&store.workflows[i]);
        v["isDuplicate"] = json!(true);
        return ok(v);
    }
    if let Some(&i) = store.index.workflow_by_slug.get(&slug) {
        let existing = store.workflows[i].id.clone();
        return Err(Refusal::conflict(
            "CONFLICT",
            format!("a workflow with slug `{slug}` already exists"),
        )
        .with("existingWorkflowId", json!(existing)));
    }
    let record = WorkflowRecord {
        id: store.new_id("wf"),
        name,
        slug,
        product_surface: surface,
        description: req.description,
        metadata,
        auto_created: false,
        idempotency_key: key,
        created_at: crate::clock::now_rfc3339(),
    };
    let mut v = view(&record);
    v["isDuplicate"] = json!(false);
    store.push_workflow(record);
    drop(store);
    s.changed();
    created(v)
}

/// A display name from a slug: `my_new-flow` → `My New Flow`.
pub(crate) fn pretty_name(slug: &str) -> String {
    slug.split(['_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}
