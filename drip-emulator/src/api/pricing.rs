//! `GET /pricing-plans` (the meters and their unit prices), and the cost estimates priced
//! from them: `POST /cost-estimate/from-usage` and `/cost-estimate/hypothetical`.
//!
//! A line's unit price is, in order: the request's `customPricing[usageType]` (or the item's
//! `unitPriceOverride`), the pricing plan of the meter, the request's `defaultUnitPrice`, the
//! emulator's default. Prices are accepted as numbers or decimal strings.

use axum::body::Bytes;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use super::{ApiResult, AppState, Caller, Refusal, check_quantity, decimal, ok, parse, required};
use crate::store::Store;

pub(crate) async fn plans(State(s): State<AppState>, _caller: Caller) -> ApiResult {
    let store = s.store();
    let data: Vec<Value> = store
        .billing
        .plans
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "name": p.name,
                "unitType": p.unit_type,
                "unitPriceUsd": decimal(p.unit_price_usdc),
                "isActive": true,
            })
        })
        .collect();
    ok(json!({ "count": data.len(), "data": data }))
}

/// A price sent as a number or a decimal string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Price {
    Num(f64),
    Text(String),
}

fn price(field: &str, p: Option<Price>) -> Result<Option<f64>, Refusal> {
    let v = match p {
        None => return Ok(None),
        Some(Price::Num(v)) => v,
        Some(Price::Text(t)) => t
            .trim()
            .parse()
            .map_err(|_| Refusal::validation(format!("`{field}` must be a decimal amount")))?,
    };
    check_quantity(field, v).map(Some)
}

struct Pricing {
    custom: BTreeMap<String, f64>,
    default: Option<f64>,
}

impl Pricing {
    fn parse(
        custom: Option<BTreeMap<String, Price>>,
        default: Option<Price>,
    ) -> Result<Self, Refusal> {
        let mut prices = BTreeMap::new();
        for (k, v) in custom.unwrap_or_default() {
            if let Some(p) = price("customPricing", Some(v))? {
                prices.insert(k, p);
            }
        }
        Ok(Pricing {
            custom: prices,
            default: price("defaultUnitPrice", default)?,
        })
    }

    fn unit_price(&self, store: &Store, usage_type: &str, over: Option<f64>) -> f64 {
        over.or_else(|| self.custom.get(usage_type).copied())
            .or_else(|| store.billing.plan_price(usage_type))
            .or(self.default)
            .unwrap_or(crate::billing::DEFAULT_UNIT_PRICE)
    }
}

/// The answer: one line per meter, and the total.
fn estimate(lines: Vec<(String, f64, f64)>, extra: Value) -> ApiResult {
    let total: f64 = lines.iter().map(|(_, q, p)| q * p).sum();
    let items: Vec<Value> = lines
        .iter()
        .map(|(usage_type, quantity, unit)| {
            json!({
                "usageType": usage_type,
                "quantity": quantity,
                "unitPrice": decimal(*unit),
                "estimatedCostUsdc": decimal(quantity * unit),
            })
        })
        .collect();
    let mut answer = json!({
        "lineItems": items,
        "subtotalUsdc": decimal(total),
        "estimatedTotalUsdc": decimal(total),
        "currency": "USDC",
    });
    if let (Value::Object(a), Value::Object(e)) = (&mut answer, extra) {
        a.extend(e);
    }
    ok(answer)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FromUsage {
    customer_id: Option<String>,
    period_start: Option<String>,
    period_end: Option<String>,
    default_unit_price: Option<Price>,
    include_charged_events: Option<bool>,
    usage_types: Option<Vec<String>>,
    custom_pricing: Option<BTreeMap<String, Price>>,
}

pub(crate) async fn from_usage(
    State(s): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> ApiResult {
    let req: FromUsage = parse(&body)?;
    let start = required("periodStart", req.period_start)?;
    let end = required("periodEnd", req.period_end)?;
    for (field, t) in [("periodStart", &start), ("periodEnd", &end)] {
        if !crate::clock::is_rfc3339(t) {
            return Err(Refusal::validation(format!(
                "`{field}` must be an RFC 3339 date-time"
            )));
        }
    }
    let pricing = Pricing::parse(req.custom_pricing, req.default_unit_price)?;
    let include_charged = req.include_charged_events.unwrap_or(false);
    let store = s.store();
    let mut totals: BTreeMap<String, f64> = BTreeMap::new();
    // RFC 3339 in UTC with the same precision compares as text.
    for u in store.usage.iter().filter(|u| {
        req.customer_id.as_ref().is_none_or(|c| &u.customer_id == c)
            && u.created_at.as_str() >= start.as_str()
            && u.created_at.as_str() < end.as_str()
            && (include_charged || u.endpoint != "charge")
            && req
                .usage_types
                .as_ref()
                .is_none_or(|types| types.contains(&u.usage_type))
    }) {
        *totals.entry(u.usage_type.clone()).or_default() += u.quantity;
    }
    let lines = totals
        .into_iter()
        .map(|(t, q)| {
            let p = pricing.unit_price(&store, &t, None);
            (t, q, p)
        })
        .collect();
    estimate(
        lines,
        json!({ "customerId": req.customer_id, "periodStart": start, "periodEnd": end }),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Item {
    usage_type: Option<String>,
    quantity: Option<f64>,
    unit_price_override: Option<Price>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Hypothetical {
    items: Option<Vec<Item>>,
    default_unit_price: Option<Price>,
    custom_pricing: Option<BTreeMap<String, Price>>,
}

pub(crate) async fn hypothetical(
    State(s): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> ApiResult {
    let req: Hypothetical = parse(&body)?;
    let items = req
        .items
        .filter(|i| !i.is_empty())
        .ok_or_else(|| Refusal::validation("`items` must hold at least one item"))?;
    let pricing = Pricing::parse(req.custom_pricing, req.default_unit_price)?;
    let store = s.store();
    let mut lines = Vec::new();
    for item in items {
        let usage_type = required("items[].usageType", item.usage_type)?;
        let quantity = check_quantity(
            "items[].quantity",
            item.quantity
                .ok_or_else(|| Refusal::validation("`items[].quantity` is required"))?,
        )?;
        let over = price("items[].unitPriceOverride", item.unit_price_override)?;
        let p = pricing.unit_price(&store, &usage_type, over);
        lines.push((usage_type, quantity, p));
    }
    estimate(lines, json!({}))
}
