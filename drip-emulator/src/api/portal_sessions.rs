//! `POST /portal-sessions` `{customerId, expiresInMinutes?}` → `201 {id, token, customerId,
//! expiresAt, url}` (`url` is the relative path `/portal/{token}`), and `DELETE
//! /portal-sessions/{id}` → `{success, id}`; revoking a revoked session is `409
//! PORTAL_SESSION_ALREADY_REVOKED`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::json;

use super::{ApiResult, AppState, Caller, Refusal, created, ok, parse, required};
use crate::commerce::portal::{DEFAULT_MINUTES, MINUTES, PortalRecord};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Create {
    customer_id: Option<String>,
    expires_in_minutes: Option<u64>,
}

pub(crate) async fn create(State(s): State<AppState>, _caller: Caller, body: Bytes) -> ApiResult {
    let req: Create = parse(&body)?;
    let customer_id = required("customerId", req.customer_id)?;
    let minutes = req.expires_in_minutes.unwrap_or(DEFAULT_MINUTES);
    if !MINUTES.contains(&minutes) {
        return Err(Refusal::validation(format!(
            "`expiresInMinutes` must be from {} to {}",
            MINUTES.start(),
            MINUTES.end()
        )));
    }
    let mut store = s.store();
    store.require_customer(&customer_id)?;
    let record = PortalRecord {
        id: store.new_id("ps"),
        token: crate::random::random_token("", 40),
        customer_id,
        expires_at: crate::clock::rfc3339(crate::clock::now_ms() + minutes * 60_000),
        revoked: false,
    };
    let answer = json!({
        "id": record.id,
        "token": record.token,
        "customerId": record.customer_id,
        "expiresAt": record.expires_at,
        "url": format!("/portal/{}", record.token),
    });
    store.commerce.portal_sessions.push(record);
    drop(store);
    s.changed();
    created(answer)
}

pub(crate) async fn revoke(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let mut store = s.store();
    let session = store
        .commerce
        .portal_sessions
        .iter_mut()
        .find(|p| p.id == id)
        .ok_or_else(|| Refusal::not_found("portal session"))?;
    if session.revoked {
        return Err(Refusal::conflict(
            "PORTAL_SESSION_ALREADY_REVOKED",
            format!("portal session {id} is already revoked"),
        ));
    }
    session.revoked = true;
    drop(store);
    s.changed();
    ok(json!({ "success": true, "id": id }))
}
