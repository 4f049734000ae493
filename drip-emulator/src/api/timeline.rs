//! `GET /runs/{id}/timeline`.

use axum::extract::{Path, State};

use super::{ApiError, ApiResult, AppState, Caller};

pub(crate) async fn timeline(
    State(_s): State<AppState>,
    _caller: Caller,
    Path(_id): Path<String>,
) -> ApiResult {
    Err(ApiError::new(
        axum::http::StatusCode::NOT_IMPLEMENTED,
        "NOT_IMPLEMENTED",
        "timeline is not implemented yet",
    ))
}
