//! `GET /charges?customerId&status&limit&offset` (`{data, count, total}`) and
//! `GET /charges/{id}`.

use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::charges::charge_json;
use super::{ApiResult, AppState, Caller, Refusal, ok, parse_bounded};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    customer_id: Option<String>,
    status: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

pub(crate) async fn list(
    State(s): State<AppState>,
    _caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let limit = parse_bounded("limit", q.limit.as_deref(), 100, 1, 100)?;
    let offset = parse_bounded("offset", q.offset.as_deref(), 0, 0, usize::MAX)?;
    let store = s.store();
    let matching: Vec<_> = store
        .billing
        .charges
        .iter()
        .filter(|c| q.customer_id.as_ref().is_none_or(|id| &c.customer_id == id))
        .filter(|c| q.status.as_ref().is_none_or(|st| &c.status == st))
        .collect();
    let data: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|c| charge_json(c))
        .collect();
    ok(json!({ "count": data.len(), "total": matching.len(), "data": data }))
}

pub(crate) async fn get_one(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let store = s.store();
    let charge = store
        .billing
        .charges
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Refusal::not_found("charge"))?;
    ok(charge_json(charge))
}
