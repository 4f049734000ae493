//! `POST /usage` (charge) and `POST /usage/async` (charge, settled later): usage that is
//! billed. Spending caps with `autoBlock` refuse a charge that would exceed them with
//! `402 SPENDING_CAP_EXCEEDED`, storing nothing.

use axum::body::Bytes;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ApiResult, AppState, Caller, Refusal, check_metadata, check_quantity, decimal, non_blank, ok,
    parse, required,
};
use crate::billing::ChargeRecord;
use crate::records::UsageRecord;
use crate::refusal::Kind;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChargeBody {
    customer_id: Option<String>,
    usage_type: Option<String>,
    quantity: Option<f64>,
    idempotency_key: Option<String>,
    metadata: Option<Value>,
}

/// Validates, applies the caps and stores; answers the charge and whether it repeats one.
fn store_charge(s: &AppState, body: &[u8], status: &str) -> Result<(ChargeRecord, bool), Refusal> {
    let req: ChargeBody = parse(body)?;
    let customer_id = required("customerId", req.customer_id)?;
    let usage_type = required("usageType", req.usage_type)?;
    let quantity = check_quantity(
        "quantity",
        req.quantity
            .ok_or_else(|| Refusal::validation("`quantity` is required"))?,
    )?;
    let metadata = check_metadata("metadata", req.metadata)?;
    let key = non_blank(req.idempotency_key);
    let mut store = s.store();
    if let Some(existing) = key.as_deref().and_then(|k| store.billing.charge_by_key(k)) {
        return Ok((existing.clone(), true));
    }
    let amount = quantity * store.customer_unit_price(&customer_id, &usage_type);
    let now = crate::clock::now_rfc3339();
    if let Some(breach) = store.billing.breach(&customer_id, amount, &now) {
        let cap = breach.cap;
        return Err(Refusal::new(
            Kind::PaymentRequired,
            "SPENDING_CAP_EXCEEDED",
            format!(
                "charge of {} USDC would exceed the customer's {} of {} USDC ({} USDC already charged in the period)",
                decimal(amount),
                cap.cap_type,
                decimal(cap.limit_value),
                decimal(breach.spent)
            ),
        )
        .with("capId", json!(cap.id))
        .with("capType", json!(cap.cap_type))
        .with("limitValue", json!(decimal(cap.limit_value))));
    }
    let usage_id = store.new_id("usg");
    let usage = UsageRecord {
        id: usage_id.clone(),
        customer_id: customer_id.clone(),
        usage_type: usage_type.clone(),
        quantity,
        units: None,
        description: None,
        metadata,
        idempotency_key: key.clone(),
        endpoint: "charge".into(),
        created_at: now.clone(),
    };
    let i = store.usage.len();
    if let Some(k) = &key {
        store.index.usage_by_key.entry(k.clone()).or_insert(i);
    }
    store.usage.push(usage);
    let charge = ChargeRecord {
        id: store.new_id("chg"),
        usage_event_id: usage_id,
        customer_id,
        usage_type,
        quantity,
        amount_usdc: amount,
        status: status.into(),
        idempotency_key: key,
        created_at: now,
    };
    store.billing.charges.push(charge.clone());
    drop(store);
    s.changed();
    Ok((charge, false))
}

/// The wire form of a charge (`charge` in answers, items of `GET /charges`).
pub(crate) fn charge_json(c: &ChargeRecord) -> Value {
    json!({
        "id": c.id,
        "usageEventId": c.usage_event_id,
        "customerId": c.customer_id,
        "usageType": c.usage_type,
        "quantity": c.quantity,
        "amountUsdc": decimal(c.amount_usdc),
        "amountToken": decimal(c.amount_usdc),
        "txHash": null,
        "status": c.status,
        "createdAt": c.created_at,
    })
}

pub(crate) async fn charge(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let (c, duplicate) = store_charge(&s, &body, "CONFIRMED")?;
    ok(json!({
        "success": true,
        "usageEventId": c.usage_event_id,
        "isDuplicate": duplicate,
        "charge": charge_json(&c),
    }))
}

pub(crate) async fn charge_async(
    State(s): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> ApiResult {
    let (c, duplicate) = store_charge(&s, &body, "PENDING")?;
    let mut charge = charge_json(&c);
    charge["estimatedConfirmationTime"] = json!(c.created_at);
    ok(json!({
        "success": true,
        "usageEventId": c.usage_event_id,
        "isDuplicate": duplicate,
        "message": if duplicate { "Duplicate charge ignored" } else { "Charge queued for settlement" },
        "charge": charge,
    }))
}
