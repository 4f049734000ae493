//! `/_emulator/*`: test controls (faults, entitlement quotas). Secret key required; never
//! subject to faults and never in the request log.

use axum::body::Bytes;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;

use super::{ApiResult, AppState, Caller, Refusal, ok, parse, required};
use crate::faults::FaultUpdate;

pub(crate) async fn get_faults(State(s): State<AppState>, caller: Caller) -> ApiResult {
    caller.require_secret("reading emulator faults")?;
    let config = crate::faults::Faults {
        state: s.faults.clone(),
    }
    .config();
    ok(serde_json::to_value(config).unwrap_or_default())
}

pub(crate) async fn set_faults(
    State(s): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult {
    caller.require_secret("setting emulator faults")?;
    let update: FaultUpdate = parse(&body)?;
    let config = s.faults().apply(update).map_err(Refusal::validation)?;
    ok(serde_json::to_value(config).unwrap_or_default())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetEntitlement {
    customer_id: Option<String>,
    feature_key: Option<String>,
    limit: Option<i64>,
}

pub(crate) async fn set_entitlement(
    State(s): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult {
    caller.require_secret("setting emulator entitlements")?;
    let req: SetEntitlement = parse(&body)?;
    let feature_key = required("featureKey", req.feature_key)?;
    let limit = req
        .limit
        .ok_or_else(|| Refusal::validation("`limit` is required (-1 = unlimited)"))?;
    s.store()
        .set_entitlement_limit(req.customer_id.clone(), feature_key.clone(), limit);
    s.changed();
    ok(json!({ "customerId": req.customer_id, "featureKey": feature_key, "limit": limit }))
}
