//! Subscriptions: `POST /subscriptions`, `GET /subscriptions?customerId&status&limit`
//! (`{data, count}`), `GET|PATCH /subscriptions/{id}`, and `POST /subscriptions/{id}/cancel`
//! (`{immediate?}`), `/pause` (`{resumeDate?}`), `/resume`. The state rules are in
//! `commerce::subscription`; a transition that does not apply is a `409` naming the state.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ApiResult, AppState, Caller, Refusal, check_filter, check_metadata, check_quantity,
    check_timestamp, created, decimal, non_blank, ok, parse, parse_bounded, required,
};
use crate::commerce::subscription::{INTERVALS, STATUSES};
use crate::commerce::{DAY_MS, SubscriptionRecord};
use crate::store::Store;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Create {
    customer_id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    interval: Option<String>,
    price_usdc: Option<f64>,
    metadata: Option<Value>,
    trial_days: Option<u32>,
    included_usage: Option<f64>,
    overage_unit_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Update {
    name: Option<String>,
    description: Option<String>,
    price_usdc: Option<f64>,
    metadata: Option<Value>,
    included_usage: Option<f64>,
    overage_unit_type: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Cancel {
    immediate: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Pause {
    resume_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    customer_id: Option<String>,
    status: Option<String>,
    limit: Option<String>,
}

fn subscription_json(s: &SubscriptionRecord) -> Value {
    json!({
        "id": s.id,
        "businessId": "biz_emulator",
        "customerId": s.customer_id,
        "name": s.name,
        "description": s.description,
        "interval": s.interval,
        "priceUsdc": decimal(s.price_usdc),
        "status": s.status,
        "currentPeriodStart": s.current_period_start,
        "currentPeriodEnd": s.current_period_end,
        "cancelledAt": s.cancelled_at,
        "cancelAtPeriodEnd": s.cancel_at_period_end,
        "pausedAt": s.paused_at,
        "resumesAt": s.resumes_at,
        "trialStart": s.trial_start,
        "trialEnd": s.trial_end,
        "includedUsage": s.included_usage,
        "overageUnitType": s.overage_unit_type,
        "metadata": s.metadata,
        "createdAt": s.created_at,
        "updatedAt": s.updated_at,
    })
}

/// The subscription with id `id`; `404 NOT_FOUND` otherwise.
fn find<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut SubscriptionRecord, Refusal> {
    store
        .commerce
        .subscriptions
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| Refusal::not_found("subscription"))
}

/// A body that may be empty or absent (`/cancel`, `/pause`).
fn parse_optional<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, Refusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse(body)
    }
}

pub(crate) async fn create(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let req: Create = parse(&body)?;
    let customer_id = required("customerId", req.customer_id)?;
    let name = required("name", req.name)?;
    let interval = required("interval", req.interval)?;
    let days = INTERVALS
        .iter()
        .find(|(i, _)| *i == interval)
        .map(|(_, d)| *d)
        .ok_or_else(|| {
            Refusal::validation("`interval` must be one of DAILY, WEEKLY, MONTHLY, ANNUAL")
        })?;
    let price = req
        .price_usdc
        .ok_or_else(|| Refusal::validation("`priceUsdc` is required"))?;
    let price = check_quantity("priceUsdc", price)?;
    let included_usage = req
        .included_usage
        .map(|u| check_quantity("includedUsage", u))
        .transpose()?;
    let metadata = check_metadata("metadata", req.metadata)?;
    let mut store = s.store();
    store.require_customer(&customer_id)?;
    let now_ms = crate::clock::now_ms();
    let now = crate::clock::rfc3339(now_ms);
    let trial_end = req
        .trial_days
        .filter(|d| *d > 0)
        .map(|d| crate::clock::rfc3339(now_ms + u64::from(d) * DAY_MS));
    let record = SubscriptionRecord {
        id: store.new_id("sub"),
        customer_id,
        name,
        description: non_blank(req.description),
        status: if trial_end.is_some() {
            "TRIALING"
        } else {
            "ACTIVE"
        }
        .into(),
        interval,
        price_usdc: price,
        current_period_start: now.clone(),
        current_period_end: crate::clock::rfc3339(now_ms + days * DAY_MS),
        cancelled_at: None,
        cancel_at_period_end: false,
        paused_at: None,
        resumes_at: None,
        trial_start: trial_end.as_ref().map(|_| now.clone()),
        trial_end,
        included_usage,
        overage_unit_type: non_blank(req.overage_unit_type),
        metadata,
        created_at: now.clone(),
        updated_at: now,
    };
    let answer = subscription_json(&record);
    store.commerce.subscriptions.push(record);
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
    check_filter("status", &q.status, &STATUSES)?;
    let store = s.store();
    let data: Vec<Value> = store
        .commerce
        .subscriptions
        .iter()
        .filter(|x| q.customer_id.as_ref().is_none_or(|c| &x.customer_id == c))
        .filter(|x| q.status.as_ref().is_none_or(|st| &x.status == st))
        .take(limit)
        .map(subscription_json)
        .collect();
    ok(json!({ "count": data.len(), "data": data }))
}

pub(crate) async fn get_one(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let mut store = s.store();
    ok(subscription_json(find(&mut store, &id)?))
}

pub(crate) async fn update(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let req: Update = parse(&body)?;
    let price = req
        .price_usdc
        .map(|p| check_quantity("priceUsdc", p))
        .transpose()?;
    let included_usage = req
        .included_usage
        .map(|u| check_quantity("includedUsage", u))
        .transpose()?;
    let metadata = check_metadata("metadata", req.metadata)?;
    let mut store = s.store();
    let sub = find(&mut store, &id)?;
    sub.check_update()?;
    if let Some(name) = req.name {
        sub.name = required("name", Some(name))?;
    }
    if let Some(d) = req.description {
        sub.description = non_blank(Some(d));
    }
    if let Some(p) = price {
        sub.price_usdc = p;
    }
    if metadata.is_some() {
        sub.metadata = metadata;
    }
    if included_usage.is_some() {
        sub.included_usage = included_usage;
    }
    if let Some(o) = req.overage_unit_type {
        sub.overage_unit_type = non_blank(Some(o));
    }
    sub.updated_at = crate::clock::now_rfc3339();
    let answer = subscription_json(sub);
    drop(store);
    s.changed();
    ok(answer)
}

pub(crate) async fn cancel(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let req: Cancel = parse_optional(&body)?;
    transition(&s, &id, |sub, now| {
        sub.cancel(req.immediate.unwrap_or(false), now)
    })
}

pub(crate) async fn pause(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let req: Pause = parse_optional(&body)?;
    let resumes_at = check_timestamp("resumeDate", req.resume_date)?;
    transition(&s, &id, |sub, now| sub.pause(resumes_at, now))
}

pub(crate) async fn resume(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    transition(&s, &id, SubscriptionRecord::resume)
}

/// Applies a state change to subscription `id` and answers the subscription.
fn transition(
    s: &AppState,
    id: &str,
    change: impl FnOnce(&mut SubscriptionRecord, &str) -> Result<(), Refusal>,
) -> ApiResult {
    let mut store = s.store();
    let sub = find(&mut store, id)?;
    change(sub, &crate::clock::now_rfc3339())?;
    let answer = subscription_json(sub);
    drop(store);
    s.changed();
    ok(answer)
}
