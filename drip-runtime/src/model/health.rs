//! `GET <origin>/health`.

use serde::{Deserialize, Serialize};

/// Result of `Client::ping`.
///
/// ```
/// let h: drip_runtime::model::Health =
///     serde_json::from_str(r#"{"ok":true,"status":"healthy","latencyMs":3,"timestamp":0}"#).unwrap();
/// assert!(h.ok);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Health {
    /// 2xx and status `healthy`.
    pub ok: bool,
    /// The body's `status`, `healthy` for a 2xx non-JSON body, else `error:<code>`.
    pub status: String,
    /// Round trip.
    pub latency_ms: u64,
    /// The body's numeric `timestamp`, else now (ms since the epoch).
    pub timestamp: u64,
}
