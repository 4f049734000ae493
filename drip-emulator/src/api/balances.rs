//! `GET /customers/{id}/balance`, `POST /customers/{id}/provision` and
//! `POST /customers/{id}/sync-balance`. The balance is what was funded (by the emulator's
//! handle) minus what was charged, so it moves with every charge.

use axum::extract::{Path, State};
use serde_json::json;

use super::{ApiResult, AppState, Caller, decimal, ok};
use crate::store::Store;

fn balance_json(store: &Store, customer_id: &str) -> serde_json::Value {
    let funded = store.billing.funded(customer_id);
    let charged = store.billing.charged(customer_id);
    let account = store
        .billing
        .accounts
        .iter()
        .find(|a| a.customer_id == customer_id);
    json!({
        "customerId": customer_id,
        "balanceUsdc": decimal(funded - charged),
        "fundedUsdc": decimal(funded),
        "totalChargedUsdc": decimal(charged),
        "provisioned": account.is_some_and(|a| a.provisioned),
        "lastSyncedAt": account.and_then(|a| a.last_synced_at.clone()),
    })
}

pub(crate) async fn balance(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let store = s.store();
    store.require_customer(&id)?;
    ok(balance_json(&store, &id))
}

pub(crate) async fn provision(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let mut store = s.store();
    store.require_customer(&id)?;
    let already = std::mem::replace(&mut store.billing.account(&id).provisioned, true);
    let mut answer = balance_json(&store, &id);
    drop(store);
    s.changed();
    answer["success"] = json!(true);
    answer["alreadyProvisioned"] = json!(already);
    ok(answer)
}

pub(crate) async fn sync_balance(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let mut store = s.store();
    store.require_customer(&id)?;
    store.billing.account(&id).last_synced_at = Some(crate::clock::now_rfc3339());
    let mut answer = balance_json(&store, &id);
    drop(store);
    s.changed();
    answer["success"] = json!(true);
    ok(answer)
}
