//! Entitlement decisions cached per customer: bounded, one request to Drip
//! per customer however many requests arrive at once.

use drip_runtime::Client;
use drip_runtime::model::CheckEntitlement;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// Drip's answer for one customer and feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    Allowed,
    Refused,
    /// No answer within the timeout (unreachable, slow, or an error).
    Unavailable,
}

struct Entry {
    cell: Arc<OnceCell<Answer>>,
    born: Instant,
}

pub(crate) struct Decisions {
    client: Client,
    feature: String,
    ttl: Duration,
    timeout: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, Entry>>,
}

impl Decisions {
    pub(crate) fn new(
        client: Client,
        feature: String,
        ttl: Duration,
        timeout: Duration,
        capacity: usize,
    ) -> Self {
        Decisions {
            client,
            feature,
            ttl,
            timeout,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn feature(&self) -> &str {
        &self.feature
    }

    /// The decision for `customer`: cached, joined to a check in progress,
    /// or checked now.
    pub(crate) async fn decide(&self, customer: &str) -> Answer {
        let cell = self.cell(customer);
        *cell
            .get_or_init(|| async {
                drip_runtime::request_stats::note_entitlement_check();
                let check = self
                    .client
                    .check_entitlement(CheckEntitlement::new(customer, self.feature.as_str()));
                match tokio::time::timeout(self.timeout, check).await {
                    Ok(Ok(e)) if e.allowed => Answer::Allowed,
                    Ok(Ok(_)) => Answer::Refused,
                    Ok(Err(_)) | Err(_) => Answer::Unavailable,
                }
            })
            .await
    }

    fn cell(&self, customer: &str) -> Arc<OnceCell<Answer>> {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = entries.get(customer)
            && self.usable(e, now)
        {
            return Arc::clone(&e.cell);
        }
        if entries.len() >= self.capacity && !entries.contains_key(customer) {
            entries.retain(|_, e| self.usable(e, now));
            if entries.len() >= self.capacity {
                // Still full of fresh decisions: forget one; it is asked again when needed.
                if let Some(k) = entries.keys().next().cloned() {
                    entries.remove(&k);
                }
            }
        }
        let cell = Arc::new(OnceCell::new());
        entries.insert(
            customer.to_owned(),
            Entry {
                cell: Arc::clone(&cell),
                born: now,
            },
        );
        cell
    }

    /// A check in progress is joined; an answer is kept for the TTL, except
    /// "unavailable", which later requests ask again.
    fn usable(&self, e: &Entry, now: Instant) -> bool {
        match e.cell.get() {
            None => true,
            Some(Answer::Unavailable) => false,
            Some(_) => now.duration_since(e.born) < self.ttl,
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_stays_within_capacity_however_many_customers_ask() {
        let emulator = drip_emulator::Emulator::builder()
            .start()
            .await
            .expect("emulator");
        let client = Client::builder()
            .api_key(emulator.secret_key())
            .base_url(emulator.base_url())
            .build()
            .expect("client");
        let decisions = Decisions::new(
            client,
            "reports".into(),
            Duration::from_secs(600),
            Duration::from_secs(5),
            3,
        );
        for i in 0..20 {
            assert_eq!(decisions.decide(&format!("cus_{i}")).await, Answer::Allowed);
            assert!(decisions.len() <= 3, "{} decisions kept", decisions.len());
        }
        // A kept decision is reused without asking Drip again.
        let asked = emulator.requests().len();
        assert_eq!(decisions.decide("cus_19").await, Answer::Allowed);
        assert_eq!(emulator.requests().len(), asked);
    }
}
