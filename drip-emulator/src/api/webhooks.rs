//! `/webhooks`: create, list, get, update, delete, test, rotate-secret. Secret key only.

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ApiResult, AppState, Caller, Refusal, created, non_blank, ok, parse, required};
use crate::records::WebhookRecord;

const EVENT_TYPES: &[&str] = &[
    "customer.balance.low",
    "usage.recorded",
    "customer.created",
    "customer.deposit.confirmed",
    "customer.withdraw.confirmed",
    "customer.usage_cap.reached",
    "customer.spending.warning",
    "customer.spending.blocked",
    "customer.spending.exceeded",
    "charge.succeeded",
    "charge.failed",
    "webhook.endpoint.unhealthy",
    "api_key.created",
    "pricing_plan.updated",
    "transaction.created",
    "transaction.pending",
    "transaction.confirmed",
    "transaction.failed",
    "subscription.created",
    "subscription.renewed",
    "subscription.cancelled",
    "subscription.paused",
    "subscription.resumed",
    "subscription.trial_ended",
    "subscription.payment_failed",
    "withdrawal.created",
    "withdrawal.completed",
    "withdrawal.failed",
];

const OPERATION: &str = "managing webhooks";

fn new_secret() -> String {
    crate::random::random_token("whsec_", 48)
}

fn view(w: &WebhookRecord) -> Value {
    json!({
        "id": w.id,
        "url": w.url,
        "events": w.events,
        "description": w.description,
        "filters": w.filters,
        "isActive": w.is_active,
        "healthStatus": if w.failed > w.delivered { "DEGRADED" } else { "HEALTHY" },
        "consecutiveFailures": 0,
        "lastHealthChange": null,
        "createdAt": w.created_at,
        "updatedAt": w.updated_at,
        "stats": { "total": w.delivered + w.failed, "delivered": w.delivered, "failed": w.failed, "pending": 0 },
    })
}

fn check_url(url: Option<String>) -> Result<String, Refusal> {
    let url = required("url", url)?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(url),
        _ => Err(Refusal::validation(
            "`url` must be an absolute http:// or https:// URL",
        )),
    }
}

fn check_events(events: Option<Vec<String>>) -> Result<Vec<String>, Refusal> {
    let events = events.ok_or_else(|| Refusal::validation("`events` is required"))?;
    if events.is_empty() {
        return Err(Refusal::validation(
            "`events` must list at least one event type",
        ));
    }
    for (n, e) in events.iter().enumerate() {
        if !EVENT_TYPES.contains(&e.as_str()) {
            return Err(Refusal::validation(format!(
                "`events[{n}]`: unknown event type `{e}`"
            )));
        }
    }
    Ok(events)
}

fn check_filters(filters: Option<Value>) -> Result<Option<Value>, Refusal> {
    match filters {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v)),
        Some(_) => Err(Refusal::validation("`filters` must be a JSON object")),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateWebhook {
    url: Option<String>,
    events: Option<Vec<String>>,
    description: Option<String>,
    filters: Option<Value>,
    idempotency_key: Option<String>,
}

pub(crate) async fn create(State(s): State<AppState>, caller: Caller, body: Bytes) -> ApiResult {
    caller.require_secret(OPERATION)?;
    let req: CreateWebhook = parse(&body)?;
    let url = check_url(req.url)?;
    let events = check_events(req.events)?;
    let filters = check_filters(req.filters)?;
    let key = non_blank(req.idempotency_key);
    let mut store = s.store();
    if let Some(id) = key.as_ref().and_then(|k| store.index.webhook_by_key.get(k))
        && let Some(w) = store.webhooks.iter().find(|w| &w.id == id)
    {
        let mut v = view(w);
        v["isDuplicate"] = json!(true);
        return ok(v);
    }
    let now = crate::clock::now_rfc3339();
    let record = WebhookRecord {
        id: store.new_id("wh"),
        url,
        events,
        description: req.description,
        filters,
        is_active: true,
        secret: new_secret(),
        delivered: 0,
        failed: 0,
        idempotency_key: key.clone(),
        created_at: now.clone(),
        updated_at: now,
    };
    if let Some(k) = key {
        store.index.webhook_by_key.insert(k, record.id.clone());
    }
    let mut v = view(&record);
    v["secret"] = json!(record.secret);
    v["message"] = json!("Store this secret now: it is shown only once.");
    v["isDuplicate"] = json!(false);
    store.webhooks.push(record);
    drop(store);
    s.changed();
    created(v)
}

pub(crate) async fn list(State(s): State<AppState>, caller: Caller) -> ApiResult {
    caller.require_secret(OPERATION)?;
    let store = s.store();
    let data: Vec<Value> = store.webhooks.iter().map(view).collect();
    ok(json!({ "count": data.len(), "data": data }))
}

pub(crate) async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller.require_secret(OPERATION)?;
    let store = s.store();
    let w = &store.webhooks[store.webhook_index(&id)?];
    ok(view(w))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateWebhook {
    url: Option<String>,
    events: Option<Vec<String>>,
    description: Option<String>,
    is_active: Option<bool>,
    filters: Option<Value>,
}

pub(crate) async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller.require_secret(OPERATION)?;
    let req: UpdateWebhook = parse(&body)?;
    // `filters: null` removes the filters; an absent `filters` leaves them alone.
    let fields: Map<String, Value> = parse(&body)?;
    let url = req.url.map(|u| check_url(Some(u))).transpose()?;
    let events = req.events.map(|e| check_events(Some(e))).transpose()?;
    let filters = check_filters(req.filters)?;
    let mut store = s.store();
    let i = store.webhook_index(&id)?;
    let w = &mut store.webhooks[i];
    if let Some(url) = url {
        w.url = url;
    }
    if let Some(events) = events {
        w.events = events;
    }
    if fields.contains_key("description") {
        w.description = req.description;
    }
    if let Some(active) = req.is_active {
        w.is_active = active;
    }
    if fields.contains_key("filters") {
        w.filters = filters;
    }
    w.updated_at = crate::clock::now_rfc3339();
    let v = view(w);
    drop(store);
    s.changed();
    ok(v)
}

pub(crate) async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller.require_secret(OPERATION)?;
    let mut store = s.store();
    let i = store.webhook_index(&id)?;
    store.webhooks.remove(i);
    drop(store);
    s.changed();
    ok(json!({ "success": true }))
}

pub(crate) async fn test(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller.require_secret(OPERATION)?;
    let (url, secret, delivery_id) = {
        let mut store = s.store();
        let delivery_id = store.new_id("whd");
        let w = &store.webhooks[store.webhook_index(&id)?];
        (w.url.clone(), w.secret.clone(), delivery_id)
    };
    let payload = json!({
        "id": delivery_id,
        "type": "webhook.test",
        "createdAt": crate::clock::now_rfc3339(),
        "data": { "webhookId": id, "message": "Test event from drip-emulator" },
    });
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    let delivery = crate::webhook_delivery::deliver(&url, &secret, &delivery_id, body).await;
    let mut store = s.store();
    if let Some(w) = store.webhooks.iter_mut().find(|w| w.id == id) {
        if delivery.status == "delivered" {
            w.delivered += 1;
        } else {
            w.failed += 1;
        }
    }
    drop(store);
    s.changed();
    let mut v = json!({
        "message": delivery.detail,
        "deliveryId": delivery_id,
        "status": delivery.status,
    });
    if let Some(code) = delivery.response_code {
        v["responseCode"] = json!(code);
    }
    ok(v)
}

pub(crate) async fn rotate_secret(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller.require_secret(OPERATION)?;
    let mut store = s.store();
    let i = store.webhook_index(&id)?;
    let w = &mut store.webhooks[i];
    w.secret = new_secret();
    w.updated_at = crate::clock::now_rfc3339();
    let secret = w.secret.clone();
    drop(store);
    s.changed();
    ok(
        json!({ "secret": secret, "message": "Secret rotated. Store the new secret now: it is shown only once." }),
    )
}
