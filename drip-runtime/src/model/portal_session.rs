//! Customer portal sessions: `POST /portal-sessions`, `DELETE /portal-sessions/{id}`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Body of `POST /portal-sessions`.
///
/// ```
/// use drip_runtime::model::CreatePortalSession;
/// let p = CreatePortalSession::new("cus_1").expires_in_minutes(15);
/// assert_eq!(
///     serde_json::to_value(&p).unwrap(),
///     serde_json::json!({"customerId": "cus_1", "expiresInMinutes": 15}),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct CreatePortalSession {
    /// The customer who may see their billing.
    pub customer_id: String,
    /// Lifetime in minutes (the server's default when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_minutes: Option<u32>,
}

impl CreatePortalSession {
    /// A session for `customer_id`.
    pub fn new(customer_id: impl Into<String>) -> Self {
        CreatePortalSession {
            customer_id: customer_id.into(),
            expires_in_minutes: None,
        }
    }
    /// Expires after `minutes` (at least 1).
    pub fn expires_in_minutes(mut self, minutes: u32) -> Self {
        self.expires_in_minutes = Some(minutes);
        self
    }
}

/// A portal session. The token grants access to the customer's billing, so `Debug` does not
/// show it (nor the URL that embeds it).
///
/// ```
/// let p: drip_runtime::model::PortalSession = serde_json::from_str(
///     r#"{"id":"ps_1","token":"t0k3n","customerId":"cus_1","expiresAt":"2026-01-01T01:00:00Z","url":"/portal/t0k3n"}"#,
/// ).unwrap();
/// assert_eq!(p.url, "/portal/t0k3n");
/// assert!(!format!("{p:?}").contains("t0k3n"));
/// ```
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PortalSession {
    /// Session id, for [`Client::revoke_portal_session`](crate::Client::revoke_portal_session).
    pub id: String,
    /// The opaque token in the portal URL.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub token: String,
    /// The customer.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub customer_id: Option<String>,
    /// When it expires (RFC 3339).
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub expires_at: Option<String>,
    /// The portal path, e.g. `/portal/…`.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub url: String,
}

impl fmt::Debug for PortalSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortalSession")
            .field("id", &self.id)
            .field("token", &"<redacted>")
            .field("customer_id", &self.customer_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Answer to `DELETE /portal-sessions/{id}`.
///
/// ```
/// let r: drip_runtime::model::PortalSessionRevoked = serde_json::from_str(r#"{"success":true}"#).unwrap();
/// assert!(r.success);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct PortalSessionRevoked {
    /// Whether the server revoked it.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub success: bool,
}
