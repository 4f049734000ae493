//! `PUT /customers/{id}/entitlement` with `{planId}` assigns an entitlement plan (replacing
//! any earlier one); `GET` answers the assignment, `404` when there is none.

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiResult, AppState, Caller, Refusal, ok, parse, required};
use crate::billing::AssignmentRecord;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Assign {
    plan_id: Option<String>,
}

fn assignment_json(a: &AssignmentRecord) -> Value {
    json!({ "customerId": a.customer_id, "planId": a.plan_id, "assignedAt": a.assigned_at })
}

pub(crate) async fn assign(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let req: Assign = parse(&body)?;
    let plan_id = required("planId", req.plan_id)?;
    let mut store = s.store();
    store.require_customer(&id)?;
    store.billing.assignments.retain(|a| a.customer_id != id);
    let assignment = AssignmentRecord {
        customer_id: id,
        plan_id,
        assigned_at: crate::clock::now_rfc3339(),
    };
    store.billing.assignments.push(assignment.clone());
    drop(store);
    s.changed();
    ok(assignment_json(&assignment))
}

pub(crate) async fn get_one(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let store = s.store();
    store.require_customer(&id)?;
    store
        .billing
        .assignments
        .iter()
        .find(|a| a.customer_id == id)
        .map(assignment_json)
        .ok_or_else(|| Refusal::not_found("customer entitlement"))
        .and_then(ok)
}
