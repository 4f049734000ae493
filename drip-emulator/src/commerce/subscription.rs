//! Subscriptions and their state machine: `ACTIVE` or `TRIALING` → `PAUSED` → `ACTIVE`, and
//! `CANCELLED` (at once, or flagged `cancelAtPeriodEnd`), with a `409` naming the state for a
//! transition that does not apply.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::refusal::Refusal;

/// A subscription made with `POST /subscriptions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SubscriptionRecord {
    pub(crate) id: String,
    pub(crate) customer_id: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) interval: String,
    pub(crate) price_usdc: f64,
    pub(crate) status: String,
    pub(crate) current_period_start: String,
    pub(crate) current_period_end: String,
    pub(crate) cancelled_at: Option<String>,
    pub(crate) cancel_at_period_end: bool,
    pub(crate) paused_at: Option<String>,
    pub(crate) resumes_at: Option<String>,
    pub(crate) trial_start: Option<String>,
    pub(crate) trial_end: Option<String>,
    pub(crate) included_usage: Option<f64>,
    pub(crate) overage_unit_type: Option<String>,
    pub(crate) metadata: Option<Value>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

/// The billing intervals and their length in days (a month is 30 days, a year 365).
pub(crate) const INTERVALS: [(&str, u64); 4] = [
    ("DAILY", 1),
    ("WEEKLY", 7),
    ("MONTHLY", 30),
    ("ANNUAL", 365),
];

/// The statuses a listing may filter by.
pub(crate) const STATUSES: [&str; 6] = [
    "ACTIVE",
    "PAUSED",
    "CANCELLED",
    "EXPIRED",
    "PAST_DUE",
    "TRIALING",
];

impl SubscriptionRecord {
    fn refuse_if_cancelled(&self, what: &str) -> Result<(), Refusal> {
        if self.status == "CANCELLED" {
            return Err(Refusal::conflict(
                "SUBSCRIPTION_CANCELLED",
                format!("subscription {} is cancelled; it cannot be {what}", self.id),
            ));
        }
        Ok(())
    }

    /// Refuses changes to a cancelled subscription.
    pub(crate) fn check_update(&self) -> Result<(), Refusal> {
        self.refuse_if_cancelled("updated")
    }

    /// Cancels now (`immediate`) or at the end of the period.
    pub(crate) fn cancel(&mut self, immediate: bool, now: &str) -> Result<(), Refusal> {
        let already = self.status == "CANCELLED" || (self.cancel_at_period_end && !immediate);
        if already {
            return Err(Refusal::conflict(
                "SUBSCRIPTION_ALREADY_CANCELLED",
                format!("subscription {} is already cancelled", self.id),
            ));
        }
        if immediate {
            self.status = "CANCELLED".into();
            self.paused_at = None;
            self.resumes_at = None;
        }
        self.cancel_at_period_end = !immediate;
        self.cancelled_at = Some(now.to_owned());
        self.updated_at = now.to_owned();
        Ok(())
    }

    /// Pauses an active or trialing subscription, optionally until `resumes_at`.
    pub(crate) fn pause(&mut self, resumes_at: Option<String>, now: &str) -> Result<(), Refusal> {
        self.refuse_if_cancelled("paused")?;
        if self.status == "PAUSED" {
            return Err(Refusal::conflict(
                "SUBSCRIPTION_ALREADY_PAUSED",
                format!("subscription {} is already paused", self.id),
            ));
        }
        self.status = "PAUSED".into();
        self.paused_at = Some(now.to_owned());
        self.resumes_at = resumes_at;
        self.updated_at = now.to_owned();
        Ok(())
    }

    /// Resumes a paused subscription.
    pub(crate) fn resume(&mut self, now: &str) -> Result<(), Refusal> {
        self.refuse_if_cancelled("resumed")?;
        if self.status != "PAUSED" {
            return Err(Refusal::conflict(
                "SUBSCRIPTION_NOT_PAUSED",
                format!("subscription {} is {}, not PAUSED", self.id, self.status),
            ));
        }
        self.status = "ACTIVE".into();
        self.paused_at = None;
        self.resumes_at = None;
        self.updated_at = now.to_owned();
        Ok(())
    }
}
