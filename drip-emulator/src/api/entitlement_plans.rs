//! Entitlement plans and rules:
//!
//! * `POST /entitlement-plans` `{name, slug, description?, isDefault?}` (a taken slug is `409
//!   ENTITLEMENT_PLAN_SLUG_TAKEN`; one plan at most is the default), `GET /entitlement-plans`
//!   (`{plans}`), `GET|PATCH|DELETE /entitlement-plans/{id}` (a plan assigned to a
//!   customer is `409 ENTITLEMENT_PLAN_IN_USE` to delete; deleting removes its rules);
//! * `POST|GET /entitlement-plans/{id}/rules` `{featureKey, limitType COUNT|AMOUNT, period
//!   DAILY|MONTHLY, limitValue, unlimited?}` (one rule per feature: `409
//!   ENTITLEMENT_RULE_EXISTS`; listed as `{rules}`), `PATCH /entitlement-rules/{id}`
//!   (`{limitValue?, unlimited?}`), `DELETE /entitlement-rules/{id}`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ApiResult, AppState, Caller, Refusal, check_quantity, created, non_blank, ok, one_of, parse,
    required,
};
use crate::commerce::entitlement_plan::{LIMIT_TYPES, PERIODS, PlanRecord, RuleRecord, is_slug};
use crate::store::Store;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreatePlan {
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
    is_default: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdatePlan {
    name: Option<String>,
    description: Option<String>,
    is_default: Option<bool>,
    is_active: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateRule {
    limit_value: Option<f64>,
    unlimited: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RuleBody {
    feature_key: Option<String>,
    limit_type: Option<String>,
    period: Option<String>,
    limit_value: Option<f64>,
    unlimited: Option<bool>,
}

fn plan_json(p: &PlanRecord) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "slug": p.slug,
        "description": p.description,
        "isDefault": p.is_default,
        "isActive": p.is_active,
        "createdAt": p.created_at,
        "updatedAt": p.updated_at,
    })
}

fn rule_json(r: &RuleRecord) -> Value {
    json!({
        "id": r.id,
        "planId": r.plan_id,
        "featureKey": r.feature_key,
        "limitType": r.limit_type,
        "period": r.period,
        "limitValue": r.limit_value,
        "unlimited": r.unlimited,
    })
}

fn plan_index(store: &Store, id: &str) -> Result<usize, Refusal> {
    store
        .commerce
        .plans
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(|| Refusal::not_found("entitlement plan"))
}

fn rule_index(store: &Store, id: &str) -> Result<usize, Refusal> {
    store
        .commerce
        .rules
        .iter()
        .position(|r| r.id == id)
        .ok_or_else(|| Refusal::not_found("entitlement rule"))
}

/// Makes plan `at` the only default.
fn make_default(store: &mut Store, at: usize) {
    for (i, p) in store.commerce.plans.iter_mut().enumerate() {
        p.is_default = i == at;
    }
}

pub(crate) async fn create_plan(
    State(s): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> ApiResult {
    let req: CreatePlan = parse(&body)?;
    let name = required("name", req.name)?;
    let slug = required("slug", req.slug)?;
    if !is_slug(&slug) {
        return Err(Refusal::validation(
            "`slug` must be lowercase letters, digits, `-` and `_`",
        ));
    }
    let mut store = s.store();
    if store.commerce.plans.iter().any(|p| p.slug == slug) {
        return Err(Refusal::conflict(
            "ENTITLEMENT_PLAN_SLUG_TAKEN",
            format!("an entitlement plan with slug `{slug}` exists"),
        ));
    }
    let now = crate::clock::now_rfc3339();
    let plan = PlanRecord {
        id: store.new_id("entp"),
        name,
        slug,
        description: non_blank(req.description),
        is_default: false,
        is_active: true,
        created_at: now.clone(),
        updated_at: now,
    };
    store.commerce.plans.push(plan);
    let at = store.commerce.plans.len() - 1;
    if req.is_default == Some(true) {
        make_default(&mut store, at);
    }
    let answer = plan_json(&store.commerce.plans[at]);
    drop(store);
    s.changed();
    created(answer)
}

pub(crate) async fn list_plans(State(s): State<AppState>, _caller: Caller) -> ApiResult {
    let store = s.store();
    let plans: Vec<Value> = store.commerce.plans.iter().map(plan_json).collect();
    ok(json!({ "plans": plans }))
}

pub(crate) async fn get_plan(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let store = s.store();
    let at = plan_index(&store, &id)?;
    ok(plan_json(&store.commerce.plans[at]))
}

pub(crate) async fn update_plan(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let req: UpdatePlan = parse(&body)?;
    let mut store = s.store();
    let at = plan_index(&store, &id)?;
    if req.is_default == Some(true) {
        make_default(&mut store, at);
    }
    let plan = &mut store.commerce.plans[at];
    if let Some(name) = req.name {
        plan.name = required("name", Some(name))?;
    }
    if let Some(d) = req.description {
        plan.description = non_blank(Some(d));
    }
    if req.is_default == Some(false) {
        plan.is_default = false;
    }
    if let Some(active) = req.is_active {
        plan.is_active = active;
    }
    plan.updated_at = crate::clock::now_rfc3339();
    let answer = plan_json(plan);
    drop(store);
    s.changed();
    ok(answer)
}

pub(crate) async fn delete_plan(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let mut store = s.store();
    let at = plan_index(&store, &id)?;
    if store.billing.assignments.iter().any(|a| a.plan_id == id) {
        return Err(Refusal::conflict(
            "ENTITLEMENT_PLAN_IN_USE",
            format!("entitlement plan {id} is assigned to a customer; assign another plan first"),
        ));
    }
    store.commerce.plans.remove(at);
    store.commerce.rules.retain(|r| r.plan_id != id);
    drop(store);
    s.changed();
    ok(json!({ "success": true, "id": id }))
}

pub(crate) async fn add_rule(
    State(s): State<AppState>,
    _caller: Caller,
    Path(plan_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let req: RuleBody = parse(&body)?;
    let feature_key = required("featureKey", req.feature_key)?;
    let limit_type = one_of(
        "limitType",
        required("limitType", req.limit_type)?,
        &LIMIT_TYPES,
    )?;
    let period = one_of("period", required("period", req.period)?, &PERIODS)?;
    let limit_value = req
        .limit_value
        .ok_or_else(|| Refusal::validation("`limitValue` is required"))?;
    let limit_value = check_quantity("limitValue", limit_value)?;
    let mut store = s.store();
    plan_index(&store, &plan_id)?;
    if store
        .commerce
        .rules
        .iter()
        .any(|r| r.plan_id == plan_id && r.feature_key == feature_key)
    {
        return Err(Refusal::conflict(
            "ENTITLEMENT_RULE_EXISTS",
            format!("plan {plan_id} has a rule for `{feature_key}`; update that rule"),
        ));
    }
    let rule = RuleRecord {
        id: store.new_id("entr"),
        plan_id,
        feature_key,
        limit_type,
        period,
        limit_value,
        unlimited: req.unlimited.unwrap_or(false),
    };
    let answer = rule_json(&rule);
    store.commerce.rules.push(rule);
    drop(store);
    s.changed();
    created(answer)
}

pub(crate) async fn list_rules(
    State(s): State<AppState>,
    _caller: Caller,
    Path(plan_id): Path<String>,
) -> ApiResult {
    let store = s.store();
    plan_index(&store, &plan_id)?;
    let rules: Vec<Value> = store
        .commerce
        .rules
        .iter()
        .filter(|r| r.plan_id == plan_id)
        .map(rule_json)
        .collect();
    ok(json!({ "rules": rules }))
}

pub(crate) async fn update_rule(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let req: UpdateRule = parse(&body)?;
    let limit_value = req
        .limit_value
        .map(|v| check_quantity("limitValue", v))
        .transpose()?;
    let mut store = s.store();
    let at = rule_index(&store, &id)?;
    let rule = &mut store.commerce.rules[at];
    if let Some(v) = limit_value {
        rule.limit_value = v;
    }
    if let Some(u) = req.unlimited {
        rule.unlimited = u;
    }
    let answer = rule_json(rule);
    drop(store);
    s.changed();
    ok(answer)
}

pub(crate) async fn delete_rule(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let mut store = s.store();
    let at = rule_index(&store, &id)?;
    store.commerce.rules.remove(at);
    drop(store);
    s.changed();
    ok(json!({ "success": true, "id": id }))
}
