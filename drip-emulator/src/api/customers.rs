//! `/customers`: create (409 on a duplicate external id), get, list.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ApiResult, AppState, Caller, Refusal, check_metadata, created, non_blank, ok, parse,
    parse_bounded,
};
use crate::records::CustomerRecord;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateCustomer {
    external_customer_id: Option<String>,
    onchain_address: Option<String>,
    is_internal: Option<bool>,
    metadata: Option<Value>,
    idempotency_key: Option<String>,
}

pub(crate) fn view(c: &CustomerRecord) -> Value {
    json!({
        "id": c.id,
        "businessId": "biz_emulator",
        "externalCustomerId": c.external_customer_id,
        "onchainAddress": c.onchain_address,
        "isInternal": c.is_internal,
        "status": c.status,
        "metadata": c.metadata,
        "createdAt": c.created_at,
        "updatedAt": c.created_at,
    })
}

pub(crate) async fn create(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let req: CreateCustomer = parse(&body)?;
    let external = non_blank(req.external_customer_id);
    let onchain = non_blank(req.onchain_address);
    if external.is_none() && onchain.is_none() {
        return Err(Refusal::validation(
            "one of `externalCustomerId` or `onchainAddress` is required",
        ));
    }
    let metadata = check_metadata("metadata", req.metadata)?;
    let key = non_blank(req.idempotency_key);
    let mut store = s.store();
    if let Some(&i) = key
        .as_ref()
        .and_then(|k| store.index.customer_by_key.get(k))
    {
        let mut v = view(&store.customers[i]);
        v["isDuplicate"] = json!(true);
        return ok(v);
    }
    if let Some(&i) = external
        .as_ref()
        .and_then(|e| store.index.customer_by_external.get(e))
    {
        let existing = store.customers[i].id.clone();
        drop(store);
        let refusal = Refusal::conflict(
            "CONFLICT",
            "a customer with this externalCustomerId already exists",
        );
        if s.faults().conflict_without_existing_id() {
            return Err(refusal);
        }
        return Err(refusal.with("existingCustomerId", json!(existing)));
    }
    let id = store.new_id("cus");
    let record = CustomerRecord {
        id: id.clone(),
        external_customer_id: external.clone(),
        onchain_address: onchain,
        is_internal: req.is_internal.unwrap_or(false),
        status: "ACTIVE".into(),
        metadata,
        idempotency_key: key.clone(),
        created_at: crate::clock::now_rfc3339(),
    };
    let i = store.customers.len();
    store.index.customer_by_id.insert(id, i);
    if let Some(e) = external {
        store.index.customer_by_external.insert(e, i);
    }
    if let Some(k) = key {
        store.index.customer_by_key.insert(k, i);
    }
    let mut v = view(&record);
    v["isDuplicate"] = json!(false);
    store.customers.push(record);
    drop(store);
    s.changed();
    created(v)
}

pub(crate) async fn get_one(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let store = s.store();
    let i = *store
        .index
        .customer_by_id
        .get(&id)
        .ok_or_else(|| Refusal::not_found("customer"))?;
    ok(view(&store.customers[i]))
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    limit: Option<String>,
    offset: Option<String>,
    status: Option<String>,
}

pub(crate) async fn list(
    State(s): State<AppState>,
    _caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let limit = parse_bounded("limit", q.limit.as_deref(), 100, 1, 100)?;
    let offset = parse_bounded("offset", q.offset.as_deref(), 0, 0, usize::MAX)?;
    if let Some(status) = &q.status
        && !matches!(status.as_str(), "ACTIVE" | "LOW_BALANCE" | "PAUSED")
    {
        return Err(Refusal::validation(
            "`status` must be ACTIVE, LOW_BALANCE or PAUSED",
        ));
    }
    let store = s.store();
    let data: Vec<Value> = store
        .customers
        .iter()
        .filter(|c| q.status.as_ref().is_none_or(|st| &c.status == st))
        .skip(offset)
        .take(limit)
        .map(view)
        .collect();
    ok(json!({ "count": data.len(), "data": data }))
}
