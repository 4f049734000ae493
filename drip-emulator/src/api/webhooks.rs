//! `/webhooks` (secret key only).

use axum::extract::State;

use super::{ApiError, ApiResult, AppState, Caller};

fn todo(caller: Caller) -> ApiResult {
    caller.require_secret("managing webhooks")?;
    Err(ApiError::new(
        axum::http::StatusCode::NOT_IMPLEMENTED,
        "NOT_IMPLEMENTED",
        "webhooks are not implemented yet",
    ))
}

pub(crate) async fn create(State(_s): State<AppState>, caller: Caller) -> ApiResult {
    todo(caller)
}
pub(crate) async fn list(State(_s): State<AppState>, caller: Caller) -> ApiResult {
    todo(caller)
}
pub(crate) async fn get_one(State(_s): State<AppState>, caller: Caller) -> ApiResult {
    todo(caller)
}
pub(crate) async fn update(State(_s): State<AppState>, caller: Caller) -> ApiResult {
    todo(caller)
}
pub(crate) async fn delete(State(_s): State<AppState>, caller: Caller) -> ApiResult {
    todo(caller)
}
pub(crate) async fn test(State(_s): State<AppState>, caller: Caller) -> ApiResult {
    todo(caller)
}
pub(crate) async fn rotate_secret(State(_s): State<AppState>, caller: Caller) -> ApiResult {
    todo(caller)
}
