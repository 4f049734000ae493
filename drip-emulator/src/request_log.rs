//! The request log as kept while serving: the body is the received buffer itself (shared, not
//! copied), and what is derived from it (the idempotency keys) is worked out only when a test
//! reads the log, keeping the per-request cost off the serving path.

use axum::body::Bytes;
use serde_json::Value;

use crate::records::RequestRecord;

/// One logged request; [`LoggedRequest::to_record`] gives the public form.
#[derive(Debug, Clone)]
pub(crate) struct LoggedRequest {
    pub(crate) method: String,
    pub(crate) path_and_query: String,
    pub(crate) body: Bytes,
    pub(crate) status: Option<u16>,
    pub(crate) dropped: bool,
    pub(crate) injected: bool,
}

impl LoggedRequest {
    pub(crate) fn to_record(&self) -> RequestRecord {
        RequestRecord {
            method: self.method.clone(),
            path_and_query: self.path_and_query.clone(),
            body: self.body.to_vec(),
            status: self.status,
            idempotency_keys: idempotency_keys(&self.body),
            dropped: self.dropped,
            injected: self.injected,
        }
    }
}

/// Every `idempotencyKey` in a JSON body: top level, then `events[*]`.
fn idempotency_keys(body: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let key = |v: &Value| {
        v.get("idempotencyKey")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut keys: Vec<String> = key(&value).into_iter().collect();
    if let Some(events) = value.get("events").and_then(Value::as_array) {
        keys.extend(events.iter().filter_map(key));
    }
    keys
}
