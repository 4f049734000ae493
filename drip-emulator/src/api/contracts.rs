//! Contracts:
//!
//! * `POST /contracts` `{customerId, name, startDate, endDate?, minimumUsdc?, maximumUsdc?,
//!   discountPct?, prepaidAmountUsdc?, prepaidRollover?, includedUnits?, metadata?}` (amounts
//!   are decimal strings, as the API writes money; numbers are accepted too);
//! * `GET /contracts?customerId&status` → `{contracts}`; `GET|PATCH /contracts/{id}`;
//!   `DELETE /contracts/{id}` cancels (`409 CONTRACT_ALREADY_CANCELLED` the second time;
//!   a cancelled contract cannot change: `409 CONTRACT_CANCELLED`);
//! * `POST /contracts/{id}/overrides` `{unitType, unitPriceUsd}` → `{unitType,
//!   unitPriceUsdc}` (replaces the meter's earlier override), `DELETE
//!   /contracts/{id}/overrides/{unitType}`.
//!
//! An active contract prices its customer's charges (`Store::customer_unit_price`).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ApiResult, AppState, Caller, Money, Refusal, check_filter, check_metadata, check_quantity,
    check_timestamp, created, decimal, money, ok, parse, required,
};
use crate::commerce::ContractRecord;
use crate::commerce::contract::STATUSES;
use crate::store::Store;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Create {
    customer_id: Option<String>,
    name: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    minimum_usdc: Option<Money>,
    maximum_usdc: Option<Money>,
    discount_pct: Option<f64>,
    prepaid_amount_usdc: Option<Money>,
    prepaid_rollover: Option<bool>,
    included_units: Option<BTreeMap<String, f64>>,
    metadata: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Update {
    name: Option<String>,
    end_date: Option<String>,
    minimum_usdc: Option<Money>,
    maximum_usdc: Option<Money>,
    discount_pct: Option<f64>,
    prepaid_rollover: Option<bool>,
    included_units: Option<BTreeMap<String, f64>>,
    metadata: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AddOverride {
    unit_type: Option<String>,
    unit_price_usd: Option<Money>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    customer_id: Option<String>,
    status: Option<String>,
}

fn discount(value: Option<f64>) -> Result<Option<f64>, Refusal> {
    match value {
        Some(d) if !(d.is_finite() && (0.0..=100.0).contains(&d)) => Err(Refusal::validation(
            "`discountPct` must be a percentage from 0 to 100",
        )),
        other => Ok(other),
    }
}

fn units(value: Option<BTreeMap<String, f64>>) -> Result<Option<BTreeMap<String, f64>>, Refusal> {
    if let Some(map) = &value {
        for v in map.values() {
            check_quantity("includedUnits", *v)?;
        }
    }
    Ok(value)
}

fn contract_json(c: &ContractRecord) -> Value {
    let overrides: Vec<Value> = c
        .overrides
        .iter()
        .map(|o| json!({ "unitType": o.unit_type, "unitPriceUsdc": decimal(o.unit_price_usdc) }))
        .collect();
    json!({
        "id": c.id,
        "customerId": c.customer_id,
        "name": c.name,
        "status": c.status,
        "startDate": c.start_date,
        "endDate": c.end_date,
        "minimumUsdc": c.minimum_usdc.map(decimal),
        "maximumUsdc": c.maximum_usdc.map(decimal),
        "discountPct": c.discount_pct,
        "prepaidAmountUsdc": c.prepaid_amount_usdc.map(decimal),
        "prepaidBalanceUsdc": c.prepaid_amount_usdc.map(decimal),
        "prepaidRollover": c.prepaid_rollover,
        "includedUnits": c.included_units,
        "metadata": c.metadata,
        "overrides": overrides,
        "createdAt": c.created_at,
        "updatedAt": c.updated_at,
    })
}

fn find<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut ContractRecord, Refusal> {
    store
        .commerce
        .contracts
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or_else(|| Refusal::not_found("contract"))
}

/// Refuses a minimum above the maximum.
fn check_bounds(c: &ContractRecord) -> Result<(), Refusal> {
    match (c.minimum_usdc, c.maximum_usdc) {
        (Some(min), Some(max)) if min > max => Err(Refusal::validation(
            "`minimumUsdc` must not be above `maximumUsdc`",
        )),
        _ => Ok(()),
    }
}

pub(crate) async fn create(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let req: Create = parse(&body)?;
    let customer_id = required("customerId", req.customer_id)?;
    let name = required("name", req.name)?;
    let start_date = check_timestamp("startDate", Some(required("startDate", req.start_date)?))?
        .unwrap_or_default();
    let end_date = check_timestamp("endDate", req.end_date)?;
    let now = crate::clock::now_rfc3339();
    let mut store = s.store();
    store.require_customer(&customer_id)?;
    let record = ContractRecord {
        id: store.new_id("ctr"),
        customer_id,
        name,
        status: "ACTIVE".into(),
        start_date,
        end_date,
        minimum_usdc: money("minimumUsdc", req.minimum_usdc)?,
        maximum_usdc: money("maximumUsdc", req.maximum_usdc)?,
        discount_pct: discount(req.discount_pct)?,
        prepaid_amount_usdc: money("prepaidAmountUsdc", req.prepaid_amount_usdc)?,
        prepaid_rollover: req.prepaid_rollover.unwrap_or(false),
        included_units: units(req.included_units)?,
        metadata: check_metadata("metadata", req.metadata)?,
        overrides: Vec::new(),
        created_at: now.clone(),
        updated_at: now,
    };
    check_bounds(&record)?;
    let answer = contract_json(&record);
    store.commerce.contracts.push(record);
    drop(store);
    s.changed();
    created(answer)
}

pub(crate) async fn list(
    State(s): State<AppState>,
    _caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    check_filter("status", &q.status, &STATUSES)?;
    let store = s.store();
    let contracts: Vec<Value> = store
        .commerce
        .contracts
        .iter()
        .filter(|c| q.customer_id.as_ref().is_none_or(|id| &c.customer_id == id))
        .filter(|c| q.status.as_ref().is_none_or(|st| &c.status == st))
        .map(contract_json)
        .collect();
    ok(json!({ "contracts": contracts }))
}

pub(crate) async fn get_one(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let mut store = s.store();
    ok(contract_json(find(&mut store, &id)?))
}

pub(crate) async fn update(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let req: Update = parse(&body)?;
    let end_date = check_timestamp("endDate", req.end_date)?;
    let minimum = money("minimumUsdc", req.minimum_usdc)?;
    let maximum = money("maximumUsdc", req.maximum_usdc)?;
    let discount_pct = discount(req.discount_pct)?;
    let included = units(req.included_units)?;
    let metadata = check_metadata("metadata", req.metadata)?;
    let mut store = s.store();
    let contract = find(&mut store, &id)?;
    contract.check_open()?;
    let mut next = contract.clone();
    if let Some(name) = req.name {
        next.name = required("name", Some(name))?;
    }
    next.end_date = end_date.or(next.end_date);
    next.minimum_usdc = minimum.or(next.minimum_usdc);
    next.maximum_usdc = maximum.or(next.maximum_usdc);
    next.discount_pct = discount_pct.or(next.discount_pct);
    next.prepaid_rollover = req.prepaid_rollover.unwrap_or(next.prepaid_rollover);
    next.included_units = included.or(next.included_units);
    next.metadata = metadata.or(next.metadata);
    check_bounds(&next)?;
    next.updated_at = crate::clock::now_rfc3339();
    let answer = contract_json(&next);
    *contract = next;
    drop(store);
    s.changed();
    ok(answer)
}

pub(crate) async fn cancel(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let mut store = s.store();
    find(&mut store, &id)?.cancel(&crate::clock::now_rfc3339())?;
    drop(store);
    s.changed();
    ok(json!({ "success": true, "id": id }))
}

pub(crate) async fn add_override(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let req: AddOverride = parse(&body)?;
    let unit_type = required("unitType", req.unit_type)?;
    let price = money("unitPriceUsd", req.unit_price_usd)?
        .ok_or_else(|| Refusal::validation("`unitPriceUsd` is required"))?;
    let mut store = s.store();
    let contract = find(&mut store, &id)?;
    contract.check_open()?;
    contract.set_override(unit_type.clone(), price, &crate::clock::now_rfc3339());
    drop(store);
    s.changed();
    created(json!({ "unitType": unit_type, "unitPriceUsdc": decimal(price) }))
}

pub(crate) async fn remove_override(
    State(s): State<AppState>,
    _caller: Caller,
    Path((id, unit_type)): Path<(String, String)>,
) -> ApiResult {
    let mut store = s.store();
    let contract = find(&mut store, &id)?;
    contract.check_open()?;
    let before = contract.overrides.len();
    contract.overrides.retain(|o| o.unit_type != unit_type);
    if contract.overrides.len() == before {
        return Err(Refusal::not_found("contract override"));
    }
    contract.updated_at = crate::clock::now_rfc3339();
    drop(store);
    s.changed();
    ok(json!({ "success": true, "id": unit_type }))
}
