//! The emulator's data: records plus the indexes that make lookups and idempotency O(1).
//!
//! Only the records are persisted; indexes are rebuilt from them on load, so a snapshot can
//! never disagree with itself.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::billing::{Billing, DEFAULT_UNIT_PRICE};
use crate::commerce::Commerce;
use crate::key_index::KeyIndex;
use crate::records::{
    CustomerRecord, EntitlementLimit, RunRecord, UsageRecord, WebhookRecord, WorkflowRecord,
};
use crate::refusal::Refusal;
use crate::stored_event::{SharedText, StoredEvent};

/// Everything the server stores.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Store {
    pub(crate) next_id: u64,
    pub(crate) customers: Vec<CustomerRecord>,
    pub(crate) usage: Vec<UsageRecord>,
    pub(crate) workflows: Vec<WorkflowRecord>,
    pub(crate) runs: Vec<RunRecord>,
    pub(crate) events: Vec<StoredEvent>,
    pub(crate) webhooks: Vec<WebhookRecord>,
    pub(crate) entitlement_limits: Vec<EntitlementLimit>,
    #[serde(default)]
    pub(crate) billing: Billing,
    #[serde(default)]
    pub(crate) commerce: Commerce,
    #[serde(skip)]
    pub(crate) index: Index,
}

/// Lookups derived from the records.
#[derive(Debug, Default)]
pub(crate) struct Index {
    pub(crate) customer_by_id: HashMap<String, usize>,
    pub(crate) customer_by_external: HashMap<String, usize>,
    pub(crate) customer_by_key: HashMap<String, usize>,
    pub(crate) usage_by_key: HashMap<String, usize>,
    pub(crate) workflow_by_id: HashMap<String, usize>,
    pub(crate) workflow_by_slug: HashMap<String, usize>,
    pub(crate) workflow_by_key: HashMap<String, usize>,
    pub(crate) run_by_id: HashMap<String, usize>,
    pub(crate) run_by_external: HashMap<String, usize>,
    pub(crate) run_by_key: HashMap<String, usize>,
    /// Each run's id, shared by its stored events.
    pub(crate) run_ids: Vec<SharedText>,
    /// Event indices per run index (parallel to the runs), in insertion order.
    pub(crate) run_events: Vec<Vec<usize>>,
    pub(crate) event_by_key: KeyIndex,
    pub(crate) webhook_by_key: HashMap<String, String>,
}

impl Store {
    /// A fresh id `prefix_` + 12 hex digits, unique within this store.
    pub(crate) fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_{:012x}", self.next_id)
    }

    /// Rebuilds every index from the records (after loading a snapshot).
    pub(crate) fn reindex(&mut self) {
        let mut index = Index::default();
        for (i, c) in self.customers.iter().enumerate() {
            index.customer_by_id.insert(c.id.clone(), i);
            if let Some(ext) = &c.external_customer_id {
                index.customer_by_external.insert(ext.clone(), i);
            }
            if let Some(key) = &c.idempotency_key {
                index.customer_by_key.insert(key.clone(), i);
            }
        }
        for (i, u) in self.usage.iter().enumerate() {
            if let Some(key) = &u.idempotency_key {
                index.usage_by_key.insert(key.clone(), i);
            }
        }
        for (i, w) in self.workflows.iter().enumerate() {
            index.workflow_by_id.insert(w.id.clone(), i);
            index.workflow_by_slug.insert(w.slug.clone(), i);
            if let Some(key) = &w.idempotency_key {
                index.workflow_by_key.insert(key.clone(), i);
            }
        }
        for (i, r) in self.runs.iter().enumerate() {
            index.run_by_id.insert(r.id.clone(), i);
            index.run_ids.push(SharedText::from(r.id.as_str()));
            index.run_events.push(Vec::new());
            if let Some(ext) = &r.external_run_id {
                index.run_by_external.insert(ext.clone(), i);
            }
            if let Some(key) = &r.idempotency_key {
                index.run_by_key.insert(key.clone(), i);
            }
        }
        for (i, e) in self.events.iter().enumerate() {
            if let Some(&run) = index.run_by_id.get(e.run_id.as_str()) {
                index.run_events[run].push(i);
            }
            if let Some(key) = &e.idempotency_key {
                let hash = index.event_by_key.hash(key);
                index
                    .event_by_key
                    .insert(hash, key, i, |at| event_key(&self.events, at));
            }
        }
        for w in &self.webhooks {
            if let Some(key) = &w.idempotency_key {
                index.webhook_by_key.insert(key.clone(), w.id.clone());
            }
        }
        self.index = index;
    }

    /// A fresh number for an id, unique within this store.
    pub(crate) fn new_number(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Stores an event for the run at `run_index` and updates the run's totals; `key_hash` is
    /// [`Store::event_key_hash`] of the event's idempotency key, if it has one.
    pub(crate) fn push_event(
        &mut self,
        run_index: usize,
        event: StoredEvent,
        key_hash: Option<u64>,
    ) -> usize {
        let i = self.events.len();
        if let Some(key) = &event.idempotency_key {
            let hash = key_hash.unwrap_or_else(|| self.event_key_hash(key));
            let events = &self.events;
            self.index
                .event_by_key
                .insert(hash, key, i, |at| event_key(events, at));
        }
        let run = &mut self.runs[run_index];
        run.event_count += 1;
        run.total_quantity += event.quantity.unwrap_or(0.0);
        run.total_cost_units += event.cost_units.unwrap_or(0.0);
        self.index.run_events[run_index].push(i);
        self.events.push(event);
        i
    }

    /// The hash of an event idempotency key, for [`Store::event_by_key`] and
    /// [`Store::push_event`].
    pub(crate) fn event_key_hash(&self, key: &str) -> u64 {
        self.index.event_by_key.hash(key)
    }

    /// The stored event with idempotency key `key` (whose hash is `hash`), if any.
    pub(crate) fn event_by_key(&self, hash: u64, key: &str) -> Option<usize> {
        self.index
            .event_by_key
            .get(hash, key, |at| event_key(&self.events, at))
    }

    /// Stores a workflow and indexes it.
    pub(crate) fn push_workflow(&mut self, workflow: WorkflowRecord) -> usize {
        let i = self.workflows.len();
        self.index.workflow_by_id.insert(workflow.id.clone(), i);
        self.index.workflow_by_slug.insert(workflow.slug.clone(), i);
        if let Some(key) = &workflow.idempotency_key {
            self.index.workflow_by_key.insert(key.clone(), i);
        }
        self.workflows.push(workflow);
        i
    }

    /// Stores a run and indexes it.
    pub(crate) fn push_run(&mut self, run: RunRecord) -> usize {
        let i = self.runs.len();
        self.index.run_by_id.insert(run.id.clone(), i);
        self.index.run_ids.push(SharedText::from(run.id.as_str()));
        self.index.run_events.push(Vec::new());
        if let Some(ext) = &run.external_run_id {
            self.index.run_by_external.insert(ext.clone(), i);
        }
        if let Some(key) = &run.idempotency_key {
            self.index.run_by_key.insert(key.clone(), i);
        }
        self.runs.push(run);
        i
    }

    /// The run with id `id`; `404 NOT_FOUND` (`run not found`) when there is none.
    pub(crate) fn run_index(&self, id: &str) -> Result<usize, Refusal> {
        self.index
            .run_by_id
            .get(id)
            .copied()
            .ok_or_else(|| Refusal::not_found("run"))
    }

    /// The run a start or record request repeats: the one with its external run id, else
    /// the one with its idempotency key.
    pub(crate) fn existing_run(&self, external: Option<&str>, key: Option<&str>) -> Option<usize> {
        external
            .and_then(|e| self.index.run_by_external.get(e))
            .or_else(|| key.and_then(|k| self.index.run_by_key.get(k)))
            .copied()
    }

    /// The webhook with id `id`; `404 NOT_FOUND` (`webhook not found`) when there is none.
    pub(crate) fn webhook_index(&self, id: &str) -> Result<usize, Refusal> {
        self.webhooks
            .iter()
            .position(|w| w.id == id)
            .ok_or_else(|| Refusal::not_found("webhook"))
    }

    /// The workflow whose id or slug is `id_or_slug`.
    pub(crate) fn workflow_index(&self, id_or_slug: &str) -> Option<usize> {
        self.index
            .workflow_by_id
            .get(id_or_slug)
            .or_else(|| self.index.workflow_by_slug.get(id_or_slug))
            .copied()
    }

    /// Total usage tracked for a customer on a meter (entitlement consumption).
    pub(crate) fn usage_total(&self, customer_id: &str, usage_type: &str) -> f64 {
        self.usage
            .iter()
            .filter(|u| u.customer_id == customer_id && u.usage_type == usage_type)
            .map(|u| u.quantity)
            .sum()
    }

    /// The quota for a feature: the customer's own, else the global one.
    pub(crate) fn entitlement_limit(&self, customer_id: &str, feature_key: &str) -> Option<i64> {
        let find = |customer: Option<&str>| {
            self.entitlement_limits
                .iter()
                .find(|l| l.feature_key == feature_key && l.customer_id.as_deref() == customer)
                .map(|l| l.limit)
        };
        find(Some(customer_id))
            .or_else(|| find(None))
            .or_else(|| self.plan_limit(customer_id, feature_key))
    }

    /// The quota from the rule for `feature_key` of the entitlement plan assigned to the
    /// customer; `-1` (unlimited) for an unlimited rule.
    fn plan_limit(&self, customer_id: &str, feature_key: &str) -> Option<i64> {
        let plan = &self
            .billing
            .assignments
            .iter()
            .find(|a| a.customer_id == customer_id)?
            .plan_id;
        let rule = self
            .commerce
            .rules
            .iter()
            .find(|r| &r.plan_id == plan && r.feature_key == feature_key)?;
        Some(if rule.unlimited {
            -1
        } else {
            rule.limit_value as i64
        })
    }

    /// Sets (replaces) a quota.
    pub(crate) fn set_entitlement_limit(
        &mut self,
        customer_id: Option<String>,
        feature_key: String,
        limit: i64,
    ) {
        self.entitlement_limits
            .retain(|l| !(l.feature_key == feature_key && l.customer_id == customer_id));
        self.entitlement_limits.push(EntitlementLimit {
            customer_id,
            feature_key,
            limit,
        });
    }

    /// Price of one unit of `usage_type` in USDC.
    pub(crate) fn unit_price(&self, usage_type: &str) -> f64 {
        self.billing
            .plan_price(usage_type)
            .unwrap_or(DEFAULT_UNIT_PRICE)
    }

    /// Price of one unit of `usage_type` for `customer_id`: the list price, or the price of
    /// the customer's active contract.
    pub(crate) fn customer_unit_price(&self, customer_id: &str, usage_type: &str) -> f64 {
        let list = self.unit_price(usage_type);
        self.commerce
            .contracts
            .iter()
            .find(|c| c.customer_id == customer_id && c.status == "ACTIVE")
            .map_or(list, |c| c.unit_price(usage_type, list))
    }

    /// `404 NOT_FOUND` (`customer not found`) unless the customer exists.
    pub(crate) fn require_customer(&self, id: &str) -> Result<(), Refusal> {
        if self.index.customer_by_id.contains_key(id) {
            Ok(())
        } else {
            Err(Refusal::not_found("customer"))
        }
    }
}

/// The idempotency key of the event at `at`.
fn event_key(events: &[StoredEvent], at: usize) -> Option<&str> {
    events.get(at)?.idempotency_key.as_deref()
}
