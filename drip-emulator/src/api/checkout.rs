//! `POST /checkout` (snake_case both ways, as the hosted API and the Node SDK use it):
//! `{customer_id?, external_customer_id?, amount (cents, 500..=1000000), return_url,
//! cancel_url?, metadata?}` → `201 {id, url, expires_at, amount_usd}`. A `customer_id` must
//! name a stored customer. Paying is played by `EmulatorHandle::complete_checkout`.

use axum::body::Bytes;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ApiResult, AppState, Caller, Refusal, check_metadata, created, non_blank, parse, required,
};
use crate::commerce::checkout::{AMOUNT_CENTS, CheckoutRecord, TTL_MS};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Create {
    customer_id: Option<String>,
    external_customer_id: Option<String>,
    amount: Option<u64>,
    return_url: Option<String>,
    cancel_url: Option<String>,
    metadata: Option<Value>,
}

/// An absolute `http(s)` URL.
fn check_url(field: &str, url: String) -> Result<String, Refusal> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url)
    } else {
        Err(Refusal::validation(format!(
            "`{field}` must be an absolute http(s) URL"
        )))
    }
}

pub(crate) async fn create(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let req: Create = parse(&body)?;
    let amount = req
        .amount
        .ok_or_else(|| Refusal::validation("`amount` (cents) is required"))?;
    if !AMOUNT_CENTS.contains(&amount) {
        return Err(Refusal::validation(format!(
            "`amount` must be from {} to {} cents, got {amount}",
            AMOUNT_CENTS.start(),
            AMOUNT_CENTS.end()
        )));
    }
    let return_url = check_url("return_url", required("return_url", req.return_url)?)?;
    let cancel_url = non_blank(req.cancel_url)
        .map(|u| check_url("cancel_url", u))
        .transpose()?;
    let metadata = check_metadata("metadata", req.metadata)?;
    let customer_id = non_blank(req.customer_id);
    let mut store = s.store();
    if let Some(id) = &customer_id {
        store.require_customer(id)?;
    }
    let now = crate::clock::now_ms();
    let record = CheckoutRecord {
        id: store.new_id("cs"),
        customer_id,
        external_customer_id: non_blank(req.external_customer_id),
        amount_cents: amount,
        return_url,
        cancel_url,
        metadata,
        status: "OPEN".into(),
        created_at: crate::clock::rfc3339(now),
        expires_at: crate::clock::rfc3339(now + TTL_MS),
    };
    let answer = json!({
        "id": record.id,
        "url": record.url(),
        "expires_at": record.expires_at,
        "amount_usd": record.amount_usd(),
    });
    store.commerce.checkouts.push(record);
    drop(store);
    s.changed();
    created(answer)
}
