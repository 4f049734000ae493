//! The acknowledgement of a `DELETE` on the billing surface.

use serde::{Deserialize, Serialize};

/// Answer to deleting an entitlement plan or rule, a contract or a contract override.
///
/// ```
/// let d: drip_runtime::model::Deleted = serde_json::from_str(r#"{"success":true,"id":"entp_1"}"#).unwrap();
/// assert!(d.success);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Deleted {
    /// Whether the server deleted it.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub success: bool,
    /// What was deleted, when the server says.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub id: Option<String>,
}
