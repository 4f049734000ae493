//! What customers buy and how money moves besides charges: subscriptions, checkout and portal
//! sessions, entitlement plans and rules, contracts and withdrawals. Plain records plus the
//! state rules of each (which transition is allowed, with the refusal when it is not); the
//! `api` layer parses requests and writes answers.

pub(crate) mod checkout;
pub(crate) mod contract;
pub(crate) mod entitlement_plan;
pub(crate) mod portal;
pub(crate) mod subscription;
pub(crate) mod withdrawal;

use serde::{Deserialize, Serialize};

pub(crate) use checkout::CheckoutRecord;
pub(crate) use contract::ContractRecord;
pub(crate) use entitlement_plan::{PlanRecord, RuleRecord};
pub(crate) use portal::PortalRecord;
pub(crate) use subscription::SubscriptionRecord;
pub(crate) use withdrawal::WithdrawalRecord;

/// Everything this module stores (persisted with the store; absent in older snapshots).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Commerce {
    pub(crate) subscriptions: Vec<SubscriptionRecord>,
    pub(crate) checkouts: Vec<CheckoutRecord>,
    pub(crate) portal_sessions: Vec<PortalRecord>,
    pub(crate) plans: Vec<PlanRecord>,
    pub(crate) rules: Vec<RuleRecord>,
    pub(crate) contracts: Vec<ContractRecord>,
    pub(crate) withdrawals: Vec<WithdrawalRecord>,
}

/// Milliseconds in a day.
pub(crate) const DAY_MS: u64 = 86_400_000;
