//! `POST /entitlements/check`: quota = configured limit minus usage tracked on that meter.

use axum::body::Bytes;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;

use super::{ApiResult, AppState, Caller, check_quantity, ok, parse, required};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Check {
    customer_id: Option<String>,
    feature_key: Option<String>,
    quantity: Option<f64>,
}

pub(crate) async fn check(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let req: Check = parse(&body)?;
    let customer_id = required("customerId", req.customer_id)?;
    let feature_key = required("featureKey", req.feature_key)?;
    let quantity = check_quantity("quantity", req.quantity.unwrap_or(1.0))?;
    let store = s.store();
    let resets = crate::clock::next_month_start(crate::clock::now_ms());
    let limit = store
        .entitlement_limit(&customer_id, &feature_key)
        .filter(|&l| l >= 0);
    let Some(limit) = limit else {
        return ok(json!({
            "allowed": true,
            "featureKey": feature_key,
            "remaining": -1,
            "limit": -1,
            "unlimited": true,
            "period": "MONTHLY",
            "periodResetsAt": resets,
        }));
    };
    let used = store.usage_total(&customer_id, &feature_key);
    let remaining = (limit as f64 - used).max(0.0);
    let allowed = quantity <= remaining;
    let mut body = json!({
        "allowed": allowed,
        "featureKey": feature_key,
        "remaining": remaining.floor() as i64,
        "limit": limit,
        "unlimited": false,
        "period": "MONTHLY",
        "periodResetsAt": resets,
    });
    if !allowed {
        body["reason"] = json!(format!(
            "quota exceeded: {used} of {limit} used this period, {quantity} requested"
        ));
    }
    ok(body)
}
