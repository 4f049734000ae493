//! Spending caps: `PUT /customers/{id}/spending-cap` (one cap per type: setting a type again
//! replaces it), `GET /customers/{id}/spending-caps`, `DELETE /customers/{id}/spending-caps/{capId}`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiResult, AppState, Caller, Refusal, decimal, ok, parse, required};
use crate::billing::CapRecord;

const CAP_TYPES: [&str; 3] = [
    "DAILY_CHARGE_LIMIT",
    "MONTHLY_CHARGE_LIMIT",
    "SINGLE_CHARGE_LIMIT",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetCap {
    cap_type: Option<String>,
    limit_value: Option<f64>,
    auto_block: Option<bool>,
}

fn cap_json(c: &CapRecord) -> Value {
    json!({
        "id": c.id,
        "customerId": c.customer_id,
        "capType": c.cap_type,
        "limitValue": decimal(c.limit_value),
        "autoBlock": c.auto_block,
        "isActive": true,
        "createdAt": c.created_at,
    })
}

pub(crate) async fn set(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let req: SetCap = parse(&body)?;
    let cap_type = required("capType", req.cap_type)?;
    if !CAP_TYPES.contains(&cap_type.as_str()) {
        return Err(Refusal::validation(format!(
            "`capType` must be one of {}",
            CAP_TYPES.join(", ")
        )));
    }
    let limit = req
        .limit_value
        .ok_or_else(|| Refusal::validation("`limitValue` is required"))?;
    if !limit.is_finite() || limit <= 0.0 {
        return Err(Refusal::validation(
            "`limitValue` must be a finite number above 0",
        ));
    }
    let mut store = s.store();
    store.require_customer(&id)?;
    store
        .billing
        .caps
        .retain(|c| !(c.customer_id == id && c.cap_type == cap_type));
    let cap = CapRecord {
        id: store.new_id("cap"),
        customer_id: id,
        cap_type,
        limit_value: limit,
        auto_block: req.auto_block.unwrap_or(true),
        created_at: crate::clock::now_rfc3339(),
    };
    store.billing.caps.push(cap.clone());
    drop(store);
    s.changed();
    ok(cap_json(&cap))
}

pub(crate) async fn list(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let store = s.store();
    store.require_customer(&id)?;
    let caps: Vec<Value> = store
        .billing
        .caps
        .iter()
        .filter(|c| c.customer_id == id)
        .map(cap_json)
        .collect();
    ok(json!({ "caps": caps }))
}

pub(crate) async fn remove(
    State(s): State<AppState>,
    _caller: Caller,
    Path((id, cap_id)): Path<(String, String)>,
) -> ApiResult {
    let mut store = s.store();
    store.require_customer(&id)?;
    let at = store
        .billing
        .caps
        .iter()
        .position(|c| c.customer_id == id && c.id == cap_id)
        .ok_or_else(|| Refusal::not_found("spending cap"))?;
    store.billing.caps.remove(at);
    drop(store);
    s.changed();
    ok(json!({ "success": true, "id": cap_id, "deleted": true }))
}
