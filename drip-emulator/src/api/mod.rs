//! The HTTP API: routing, authentication, body parsing and error bodies.

mod admin;
mod balances;
mod charge_list;
mod charges;
mod checkout;
mod contracts;
mod customer_entitlement;
mod customers;
mod entitlement_plans;
mod entitlements;
mod event_input;
mod events;
mod execution_events;
mod portal_sessions;
mod pricing;
mod record;
mod runs;
mod spending_caps;
mod subscriptions;
mod timeline;
mod usage;
mod webhooks;
mod withdrawals;
mod workflows;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::refusal::{Kind, Refusal};
use crate::shared::Shared;

pub(crate) type AppState = Arc<Shared>;

/// Largest request body accepted (large event batches included).
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

pub(crate) fn router(shared: AppState) -> Router {
    let v1 = Router::new()
        .route("/customers", post(customers::create).get(customers::list))
        .route("/customers/{id}", get(customers::get_one))
        .route("/usage", post(charges::charge))
        .route("/usage/async", post(charges::charge_async))
        .route("/events", get(execution_events::list))
        .route("/events/{id}", get(execution_events::get_one))
        .route("/events/{id}/trace", get(execution_events::trace))
        .route("/checkout", post(checkout::create))
        .route(
            "/withdrawals",
            post(withdrawals::create).get(withdrawals::list),
        )
        .route("/withdrawals/fee-estimate", get(withdrawals::fee_estimate))
        .route("/withdrawals/{id}", delete(withdrawals::cancel))
        .route("/contracts", post(contracts::create).get(contracts::list))
        .route(
            "/contracts/{id}",
            get(contracts::get_one)
                .patch(contracts::update)
                .delete(contracts::cancel),
        )
        .route("/contracts/{id}/overrides", post(contracts::add_override))
        .route(
            "/contracts/{id}/overrides/{unit_type}",
            delete(contracts::remove_override),
        )
        .route(
            "/entitlement-plans",
            post(entitlement_plans::create_plan).get(entitlement_plans::list_plans),
        )
        .route(
            "/entitlement-plans/{id}",
            get(entitlement_plans::get_plan)
                .patch(entitlement_plans::update_plan)
                .delete(entitlement_plans::delete_plan),
        )
        .route(
            "/entitlement-plans/{id}/rules",
            post(entitlement_plans::add_rule).get(entitlement_plans::list_rules),
        )
        .route(
            "/entitlement-rules/{id}",
            patch(entitlement_plans::update_rule).delete(entitlement_plans::delete_rule),
        )
        .route("/portal-sessions", post(portal_sessions::create))
        .route("/portal-sessions/{id}", delete(portal_sessions::revoke))
        .route(
            "/subscriptions",
            post(subscriptions::create).get(subscriptions::list),
        )
        .route(
            "/subscriptions/{id}",
            get(subscriptions::get_one).patch(subscriptions::update),
        )
        .route("/subscriptions/{id}/cancel", post(subscriptions::cancel))
        .route("/subscriptions/{id}/pause", post(subscriptions::pause))
        .route("/subscriptions/{id}/resume", post(subscriptions::resume))
        .route("/charges", get(charge_list::list))
        .route("/charges/{id}", get(charge_list::get_one))
        .route("/pricing-plans", get(pricing::plans))
        .route("/cost-estimate/from-usage", post(pricing::from_usage))
        .route("/cost-estimate/hypothetical", post(pricing::hypothetical))
        .route("/customers/{id}/balance", get(balances::balance))
        .route("/customers/{id}/provision", post(balances::provision))
        .route("/customers/{id}/sync-balance", post(balances::sync_balance))
        .route("/customers/{id}/spending-cap", put(spending_caps::set))
        .route("/customers/{id}/spending-caps", get(spending_caps::list))
        .route(
            "/customers/{id}/spending-caps/{cap_id}",
            delete(spending_caps::remove),
        )
        .route(
            "/customers/{id}/entitlement",
            get(customer_entitlement::get_one).put(customer_entitlement::assign),
        )
        .route("/usage/internal", post(usage::track))
        .route("/usage/internal/batch", post(usage::track_queued))
        .route("/workflows", get(workflows::list).post(workflows::create))
        .route("/runs", post(runs::start))
        .route("/runs/record", post(record::record))
        .route("/runs/{id}", get(runs::get_one).patch(runs::end))
        .route("/runs/{id}/timeline", get(timeline::timeline))
        .route("/run-events", post(events::emit))
        .route("/run-events/batch", post(events::emit_batch))
        .route("/entitlements/check", post(entitlements::check))
        .route("/webhooks", post(webhooks::create).get(webhooks::list))
        .route(
            "/webhooks/{id}",
            get(webhooks::get_one)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .route("/webhooks/{id}/test", post(webhooks::test))
        .route(
            "/webhooks/{id}/rotate-secret",
            post(webhooks::rotate_secret),
        );
    Router::new()
        .route("/health", get(health))
        .route(
            "/_emulator/faults",
            get(admin::get_faults).post(admin::set_faults),
        )
        .route("/_emulator/entitlements", post(admin::set_entitlement))
        .nest("/v1", v1)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

async fn health() -> Json<Value> {
    Json(json!({
        "status": "healthy",
        "timestamp": crate::clock::now_ms(),
        "service": "drip-emulator",
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

async fn not_found() -> Refusal {
    Refusal::not_found("route")
}

/// The HTTP status of each kind of refusal.
fn status_of(kind: Kind) -> StatusCode {
    match kind {
        Kind::Invalid => StatusCode::BAD_REQUEST,
        Kind::Unauthenticated => StatusCode::UNAUTHORIZED,
        Kind::PaymentRequired => StatusCode::PAYMENT_REQUIRED,
        Kind::Forbidden => StatusCode::FORBIDDEN,
        Kind::NotFound => StatusCode::NOT_FOUND,
        Kind::Conflict => StatusCode::CONFLICT,
        Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
    }
}

/// An error answer: `{"error": message, "code": CODE, ...extra}`.
fn error_response(
    status: StatusCode,
    code: &str,
    message: String,
    extra: Vec<(&'static str, Value)>,
) -> Response {
    let mut body = serde_json::Map::new();
    body.insert("error".into(), Value::String(message));
    body.insert("code".into(), Value::String(code.into()));
    for (k, v) in extra {
        body.insert(k.into(), v);
    }
    (status, Json(Value::Object(body))).into_response()
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        error_response(status_of(self.kind), self.code, self.message, self.extra)
    }
}

/// The answer an injected fault gives.
pub(crate) fn injected(status: u16, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let code = match status.as_u16() {
        429 => "RATE_LIMITED",
        500 => "INTERNAL_ERROR",
        502 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        504 => "GATEWAY_TIMEOUT",
        408 => "REQUEST_TIMEOUT",
        _ => "INJECTED_FAULT",
    };
    let retry_after = retry_after.filter(|_| status == StatusCode::TOO_MANY_REQUESTS);
    let extra = retry_after.map(|secs| ("retryAfter", json!(secs)));
    let mut response = error_response(
        status,
        code,
        format!("injected fault: {}", status.as_u16()),
        extra.into_iter().collect(),
    );
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
    }
    response
}

pub(crate) type ApiResult = Result<Response, Refusal>;

/// 200 with a JSON body.
pub(crate) fn ok(value: Value) -> ApiResult {
    Ok(Json(value).into_response())
}

/// 201 with a JSON body.
pub(crate) fn created(value: Value) -> ApiResult {
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

/// Which key authenticated the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller {
    Public,
    Secret,
}

impl Caller {
    /// Refuses public keys for secret-only operations (DESIGN §5).
    pub(crate) fn require_secret(self, operation: &str) -> Result<(), Refusal> {
        match self {
            Caller::Secret => Ok(()),
            Caller::Public => Err(Refusal::new(
                Kind::Forbidden,
                "PUBLIC_KEY_NOT_ALLOWED",
                format!(
                    "{operation} requires a secret key (sk_); this request used a public key (pk_)"
                ),
            )),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Refusal;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized =
            |message: &str| Refusal::new(Kind::Unauthenticated, "UNAUTHORIZED", message);
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            unauthorized("missing Authorization header; send `Authorization: Bearer <api key>`")
        })?;
        let key = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| unauthorized("Authorization header must be `Bearer <api key>`"))?;
        if key == state.secret_key {
            Ok(Caller::Secret)
        } else if key == state.public_key {
            Ok(Caller::Public)
        } else {
            Err(unauthorized("invalid API key"))
        }
    }
}

/// Parses a JSON body into `T`, naming the offending field in the 400 message.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Refusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::validation(
            "request body is empty; a JSON object is required",
        ));
    }
    // Fast path without path tracking; the slower path-tracking parse runs only to explain
    // a failure.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            Refusal::validation(format!("malformed JSON body: {inner}"))
        } else if path == "." || path.is_empty() {
            Refusal::validation(format!("invalid request body: {inner}"))
        } else {
            Refusal::validation(format!("invalid field `{path}`: {inner}"))
        }
    })
}

/// A required, non-empty string field.
pub(crate) fn required(field: &str, value: Option<String>) -> Result<String, Refusal> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        Some(_) => Err(Refusal::validation(format!("`{field}` must not be empty"))),
        None => Err(Refusal::validation(format!("`{field}` is required"))),
    }
}

/// A quantity: finite and not negative.
pub(crate) fn check_quantity(field: &str, value: f64) -> Result<f64, Refusal> {
    if !value.is_finite() {
        Err(Refusal::validation(format!(
            "`{field}` must be a finite number"
        )))
    } else if value < 0.0 {
        Err(Refusal::validation(format!(
            "`{field}` must not be negative (got {value})"
        )))
    } else {
        Ok(value)
    }
}

/// Metadata must be a JSON object (or absent/null).
pub(crate) fn check_metadata(field: &str, value: Option<Value>) -> Result<Option<Value>, Refusal> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v)),
        Some(_) => Err(Refusal::validation(format!(
            "`{field}` must be a JSON object"
        ))),
    }
}

/// Money as the API writes it (a decimal string), or a plain number.
#[derive(serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum Money {
    Text(String),
    Number(f64),
}

pub(crate) fn money(field: &str, value: Option<Money>) -> Result<Option<f64>, Refusal> {
    let Some(value) = value else { return Ok(None) };
    let n = match value {
        Money::Number(n) => n,
        Money::Text(t) => t.trim().parse::<f64>().map_err(|_| {
            Refusal::validation(format!(
                "`{field}` must be a decimal amount such as \"100.00\""
            ))
        })?,
    };
    check_quantity(field, n).map(Some)
}

/// `value` when it is one of `allowed`; else a `400` listing them.
pub(crate) fn one_of(field: &str, value: String, allowed: &[&str]) -> Result<String, Refusal> {
    if allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(Refusal::validation(format!(
            "`{field}` must be one of {}",
            allowed.join(", ")
        )))
    }
}

/// A listing's optional filter that must be one of `allowed`.
pub(crate) fn check_filter(
    field: &str,
    value: &Option<String>,
    allowed: &[&str],
) -> Result<(), Refusal> {
    match value {
        Some(v) => one_of(field, v.clone(), allowed).map(drop),
        None => Ok(()),
    }
}

/// An optional RFC 3339 timestamp.
pub(crate) fn check_timestamp(
    field: &str,
    value: Option<String>,
) -> Result<Option<String>, Refusal> {
    match value {
        Some(t) if !crate::clock::is_rfc3339(&t) => Err(Refusal::validation(format!(
            "`{field}` must be an RFC 3339 date-time such as 2026-01-31T12:00:00Z"
        ))),
        other => Ok(other),
    }
}

/// Empty strings count as absent for optional identifiers.
pub(crate) fn non_blank(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// Formats a decimal quantity the way the API's string totals do (`"1500"`, `"0.25"`).
pub(crate) fn decimal(value: f64) -> String {
    format!("{value}")
}

/// A query integer within `[min, max]`, `default` when absent.
pub(crate) fn parse_bounded(
    field: &str,
    raw: Option<&str>,
    default: usize,
    min: usize,
    max: usize,
) -> Result<usize, Refusal> {
    let Some(raw) = raw else { return Ok(default) };
    match raw.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ if max == usize::MAX => Err(Refusal::validation(format!(
            "`{field}` must be an integer ≥ {min}"
        ))),
        _ => Err(Refusal::validation(format!(
            "`{field}` must be an integer from {min} to {max}"
        ))),
    }
}
