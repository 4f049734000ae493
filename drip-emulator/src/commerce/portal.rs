//! Customer portal sessions: a short-lived token that lets one customer see their billing.

use serde::{Deserialize, Serialize};

/// Lifetime limits of a session, in minutes (default 60).
pub(crate) const MINUTES: std::ops::RangeInclusive<u64> = 1..=1440;
pub(crate) const DEFAULT_MINUTES: u64 = 60;

/// A session made with `POST /portal-sessions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PortalRecord {
    pub(crate) id: String,
    pub(crate) token: String,
    pub(crate) customer_id: String,
    pub(crate) expires_at: String,
    pub(crate) revoked: bool,
}
