//! Counters kept by HTTP integrations (such as `drip-tower`) and reported in
//! [`Stats::requests`](crate::Stats::requests).
//!
//! Process totals in relaxed atomics: the one place this state lives.

use std::sync::atomic::{AtomicU64, Ordering};

static WITHOUT_CUSTOMER: AtomicU64 = AtomicU64::new(0);
static ALLOWED: AtomicU64 = AtomicU64::new(0);
static REFUSED: AtomicU64 = AtomicU64::new(0);
static FAILED_OPEN: AtomicU64 = AtomicU64::new(0);
static FAILED_CLOSED: AtomicU64 = AtomicU64::new(0);
static CHECKS: AtomicU64 = AtomicU64::new(0);

/// What HTTP integrations counted since the process started.
///
/// ```
/// drip_runtime::request_stats::note_without_customer();
/// assert!(drip_runtime::stats().requests.without_customer >= 1);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestStats {
    /// Requests served without a customer, so not billed.
    pub without_customer: u64,
    /// Requests an entitlement gate let through on Drip's answer (cached or not).
    pub entitlement_allowed: u64,
    /// Requests an entitlement gate refused on Drip's answer.
    pub entitlement_refused: u64,
    /// Requests let through because Drip could not answer in time (fail-open).
    pub entitlement_failed_open: u64,
    /// Requests refused because Drip could not answer in time (fail-closed).
    pub entitlement_failed_closed: u64,
    /// Entitlement checks sent to Drip (cache misses).
    pub entitlement_checks: u64,
}

/// A decision of an entitlement gate, for [`note_entitlement`].
///
/// ```
/// drip_runtime::request_stats::note_entitlement(drip_runtime::request_stats::EntitlementDecision::Refused);
/// assert!(drip_runtime::stats().requests.entitlement_refused >= 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntitlementDecision {
    /// Drip allows the feature.
    Allowed,
    /// Drip refuses the feature.
    Refused,
    /// Drip did not answer; let through by policy.
    FailedOpen,
    /// Drip did not answer; refused by policy.
    FailedClosed,
}

/// Counts a request served without a customer.
///
/// ```
/// let before = drip_runtime::stats().requests.without_customer;
/// drip_runtime::request_stats::note_without_customer();
/// assert!(drip_runtime::stats().requests.without_customer > before);
/// ```
pub fn note_without_customer() {
    WITHOUT_CUSTOMER.fetch_add(1, Ordering::Relaxed);
}

/// Counts one entitlement decision.
///
/// ```
/// use drip_runtime::request_stats::{note_entitlement, EntitlementDecision};
/// note_entitlement(EntitlementDecision::FailedOpen);
/// assert!(drip_runtime::stats().requests.entitlement_failed_open >= 1);
/// ```
pub fn note_entitlement(decision: EntitlementDecision) {
    let counter = match decision {
        EntitlementDecision::Allowed => &ALLOWED,
        EntitlementDecision::Refused => &REFUSED,
        EntitlementDecision::FailedOpen => &FAILED_OPEN,
        EntitlementDecision::FailedClosed => &FAILED_CLOSED,
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Counts one entitlement check sent to Drip.
///
/// ```
/// drip_runtime::request_stats::note_entitlement_check();
/// assert!(drip_runtime::stats().requests.entitlement_checks >= 1);
/// ```
pub fn note_entitlement_check() {
    CHECKS.fetch_add(1, Ordering::Relaxed);
}

/// The current totals.
///
/// ```
/// let s = drip_runtime::request_stats::snapshot();
/// assert!(s.entitlement_allowed <= s.entitlement_allowed + s.entitlement_refused);
/// ```
pub fn snapshot() -> RequestStats {
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    RequestStats {
        without_customer: get(&WITHOUT_CUSTOMER),
        entitlement_allowed: get(&ALLOWED),
        entitlement_refused: get(&REFUSED),
        entitlement_failed_open: get(&FAILED_OPEN),
        entitlement_failed_closed: get(&FAILED_CLOSED),
        entitlement_checks: get(&CHECKS),
    }
}
