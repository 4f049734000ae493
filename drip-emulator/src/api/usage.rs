//! `/usage/internal` (sync) and `/usage/internal/batch` (server-queued); charges are in
//! `charges`.

use axum::body::Bytes;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ApiResult, AppState, Caller, check_metadata, check_quantity, non_blank, ok, parse, required,
};
use crate::records::UsageRecord;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrackUsage {
    customer_id: Option<String>,
    usage_type: Option<String>,
    quantity: Option<f64>,
    idempotency_key: Option<String>,
    units: Option<String>,
    description: Option<String>,
    metadata: Option<Value>,
}

/// Validates and stores; returns the record and whether it was a duplicate.
fn store_usage(
    s: &AppState,
    body: &[u8],
    endpoint: &str,
) -> Result<(UsageRecord, bool), super::Refusal> {
    let req: TrackUsage = parse(body)?;
    let customer_id = required("customerId", req.customer_id)?;
    let usage_type = required("usageType", req.usage_type)?;
    let quantity = check_quantity(
        "quantity",
        req.quantity
            .ok_or_else(|| super::Refusal::validation("`quantity` is required"))?,
    )?;
    let metadata = check_metadata("metadata", req.metadata)?;
    let key = non_blank(req.idempotency_key);
    let mut store = s.store();
    if let Some(&i) = key.as_ref().and_then(|k| store.index.usage_by_key.get(k)) {
        return Ok((store.usage[i].clone(), true));
    }
    let record = UsageRecord {
        id: store.new_id("usg"),
        customer_id,
        usage_type,
        quantity,
        units: req.units,
        description: req.description,
        metadata,
        idempotency_key: key.clone(),
        endpoint: endpoint.into(),
        created_at: crate::clock::now_rfc3339(),
    };
    let i = store.usage.len();
    if let Some(k) = key {
        store.index.usage_by_key.insert(k, i);
    }
    store.usage.push(record.clone());
    drop(store);
    s.changed();
    Ok((record, false))
}

pub(crate) async fn track(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let (u, duplicate) = store_usage(&s, &body, "internal")?;
    ok(json!({
        "success": true,
        "usageEventId": u.id,
        "customerId": u.customer_id,
        "usageType": u.usage_type,
        "quantity": u.quantity,
        "isInternal": true,
        "isDuplicate": duplicate,
        "message": if duplicate { "Duplicate usage event ignored" } else { "Usage recorded" },
    }))
}

pub(crate) async fn track_queued(
    State(s): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> ApiResult {
    let (u, duplicate) = store_usage(&s, &body, "internal_batch")?;
    ok(json!({
        "success": true,
        "customerId": u.customer_id,
        "usageType": u.usage_type,
        "quantity": u.quantity,
        "idempotencyKey": u.idempotency_key,
        "pendingEvents": if duplicate { 0 } else { 1 },
        "isDuplicate": duplicate,
        "message": if duplicate { "Duplicate usage event ignored" } else { "Usage queued" },
    }))
}
