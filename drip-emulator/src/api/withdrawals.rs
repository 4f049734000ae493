//! Withdrawals (snake_case both ways, as the Node SDK uses them):
//!
//! * `POST /withdrawals` `{amount_usdc, idempotency_key, bank_description?}` → `201
//!   {id, status, amount_usdc, fee_usdc, net_amount_usdc, fiat_currency, bank_description,
//!   created_at, completed_at}`; a repeated `idempotency_key` answers the first withdrawal
//!   (`200`) and makes no other;
//! * `GET /withdrawals?status&limit&offset` → `{withdrawals, total}`;
//! * `GET /withdrawals/fee-estimate?amount_usdc=` → `{amount_usdc, fee_usdc, net_amount_usdc,
//!   fee_bps, fee_percent, method, estimated_arrival}`;
//! * `DELETE /withdrawals/{id}` → `{id, status, cancelled}`; only a `PENDING` withdrawal can
//!   be cancelled (`409 WITHDRAWAL_NOT_CANCELLABLE`).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ApiResult, AppState, Caller, Money, Refusal, check_filter, created, decimal, money, non_blank,
    ok, parse, parse_bounded, required,
};
use crate::commerce::withdrawal::{AMOUNT_USDC, FEE_BPS, STATUSES, WithdrawalRecord, fee};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Create {
    amount_usdc: Option<Money>,
    idempotency_key: Option<String>,
    bank_description: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    status: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct FeeQuery {
    amount_usdc: Option<String>,
}

/// A withdrawal amount within the limits.
fn amount(value: Option<Money>) -> Result<f64, Refusal> {
    let amount = money("amount_usdc", value)?
        .ok_or_else(|| Refusal::validation("`amount_usdc` is required"))?;
    if !AMOUNT_USDC.contains(&amount) {
        return Err(Refusal::validation(format!(
            "`amount_usdc` must be from {} to {} USDC",
            AMOUNT_USDC.start(),
            AMOUNT_USDC.end()
        )));
    }
    Ok(amount)
}

fn withdrawal_json(w: &WithdrawalRecord) -> Value {
    let fee = fee(w.amount_usdc);
    json!({
        "id": w.id,
        "status": w.status,
        "amount_usdc": decimal(w.amount_usdc),
        "fee_usdc": decimal(fee),
        "net_amount_usdc": decimal(w.amount_usdc - fee),
        "fiat_currency": "USD",
        "bank_description": w.bank_description,
        "created_at": w.created_at,
        "completed_at": w.completed_at,
    })
}

pub(crate) async fn create(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let req: Create = parse(&body)?;
    let amount = amount(req.amount_usdc)?;
    let key = required("idempotency_key", req.idempotency_key)?;
    let mut store = s.store();
    if let Some(existing) = store
        .commerce
        .withdrawals
        .iter()
        .find(|w| w.idempotency_key == key)
    {
        return ok(withdrawal_json(existing));
    }
    let record = WithdrawalRecord {
        id: store.new_id("wd"),
        status: "PENDING".into(),
        amount_usdc: amount,
        bank_description: non_blank(req.bank_description),
        idempotency_key: key,
        created_at: crate::clock::now_rfc3339(),
        completed_at: None,
    };
    let answer = withdrawal_json(&record);
    store.commerce.withdrawals.push(record);
    drop(store);
    s.changed();
    created(answer)
}

pub(crate) async fn list(
    State(s): State<AppState>,
    _caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let limit = parse_bounded("limit", q.limit.as_deref(), 100, 1, 100)?;
    let offset = parse_bounded("offset", q.offset.as_deref(), 0, 0, usize::MAX)?;
    check_filter("status", &q.status, &STATUSES)?;
    let store = s.store();
    let matching: Vec<&WithdrawalRecord> = store
        .commerce
        .withdrawals
        .iter()
        .filter(|w| q.status.as_ref().is_none_or(|st| &w.status == st))
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|w| withdrawal_json(w))
        .collect();
    ok(json!({ "withdrawals": page, "total": matching.len() }))
}

pub(crate) async fn fee_estimate(
    State(_s): State<AppState>,
    _caller: Caller,
    Query(q): Query<FeeQuery>,
) -> ApiResult {
    let amount = amount(q.amount_usdc.map(Money::Text))?;
    let fee = fee(amount);
    ok(json!({
        "amount_usdc": decimal(amount),
        "fee_usdc": decimal(fee),
        "net_amount_usdc": decimal(amount - fee),
        "fee_bps": FEE_BPS,
        "fee_percent": format!("{}%", f64::from(FEE_BPS) / 100.0),
        "method": "ACH",
        "estimated_arrival": "1-3 business days",
    }))
}

pub(crate) async fn cancel(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let mut store = s.store();
    let w = store
        .commerce
        .withdrawals
        .iter_mut()
        .find(|w| w.id == id)
        .ok_or_else(|| Refusal::not_found("withdrawal"))?;
    w.cancel()?;
    let status = w.status.clone();
    drop(store);
    s.changed();
    ok(json!({ "id": id, "status": status, "cancelled": true }))
}
