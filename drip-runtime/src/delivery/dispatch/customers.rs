//! External customer ids (`external_customer = …`, `track_usage_external`)
//! resolved to Drip's customer ids, on the transport thread, before the work
//! that names them is sent.
//!
//! Callers never wait for this: a run records only the reference, which is
//! spooled with its work, so a restart resolves it too. Here each distinct
//! external id is resolved once (`Client::get_or_create_customer`: create,
//! else the existing customer from the 409 answer or the customer list) and
//! remembered for the life of the pipeline in a bounded table. Concurrent
//! work for one id waits on that id's single request.
//!
//! A transient failure (5xx, timeout, 429) is retried with the pipeline's
//! backoff like any request, so the work stays in the spool meanwhile; a
//! refused key (401) holds it like any request. Any other refusal (400, a
//! 403 for a key that may not create customers, an unresolvable 409) is
//! permanent: remembered, logged once at WARN, counted in
//! `Stats::customers_refused`, and every envelope for that id is
//! dead-lettered with the reason.

use super::{Counters, Dispatcher};
use crate::Error;
use crate::delivery::envelope::Envelope;
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OnceCell;

/// External ids remembered per pipeline. Past this the oldest is forgotten
/// (and asked for again if it comes back): bounded memory however many
/// end users an application has.
pub(crate) const CAPACITY: usize = 10_000;

/// What one external id resolved to.
#[derive(Debug, Clone)]
enum Resolution {
    /// Drip's customer id.
    Found(String),
    /// Permanently refused: the error's status and text, for dead letters.
    Refused { status: u16, reason: String },
}

type Slot = Arc<OnceCell<Resolution>>;

/// The pipeline's table of external ids, each with its one resolution.
#[derive(Debug, Default)]
pub(crate) struct Customers {
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    slots: HashMap<String, Slot>,
    /// Insertion order, for forgetting the oldest past `CAPACITY`.
    order: VecDeque<String>,
}

impl Customers {
    /// The slot for `external`, made (and the oldest forgotten) if new.
    fn slot(&self, external: &str) -> Slot {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = table.slots.get(external) {
            return slot.clone();
        }
        while table.slots.len() >= CAPACITY {
            let Some(oldest) = table.order.pop_front() else {
                break;
            };
            table.slots.remove(&oldest);
        }
        let slot = Slot::default();
        table.slots.insert(external.to_owned(), slot.clone());
        table.order.push_back(external.to_owned());
        slot
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .slots
            .len()
    }
}

impl Dispatcher {
    /// Drip's customer id for the work in `envelope`: `customer_id` (its
    /// request's) as it is, or, when it is empty and the envelope names an
    /// external id, that id resolved. `None` when the resolution was
    /// refused: the envelope is dead-lettered.
    pub(super) async fn customer_for<'a>(
        &self,
        customer_id: &'a str,
        envelope: &Envelope,
    ) -> Option<Cow<'a, str>> {
        let Some(external) = envelope
            .external_customer()
            .filter(|_| customer_id.is_empty())
        else {
            return Some(Cow::Borrowed(customer_id));
        };
        let slot = self.customers.slot(external);
        match slot.get_or_init(|| self.resolve(external)).await {
            Resolution::Found(id) => Some(Cow::Owned(id.clone())),
            Resolution::Refused { status, reason } => {
                let error = Error::Api {
                    status: *status,
                    code: Some("CUSTOMER_NOT_RESOLVED".into()),
                    message: format!(
                        "the Drip API would not get or create the customer for this external customer id: {reason}"
                    ),
                };
                self.reject(envelope, &error);
                None
            }
        }
    }

    /// One get-or-create, retried until it succeeds or is refused for good.
    async fn resolve(&self, external: &str) -> Resolution {
        let result = self
            .retrying(0, || async {
                match self.client.get_or_create_customer(external, None).await {
                    // For this call a 403 is the key's scope (it may not
                    // create customers), not a refused key: waiting for a
                    // new key would hold the work forever.
                    Err(e) if e.status() == Some(403) => Ok(Err(e)),
                    other => other.map(Ok),
                }
            })
            .await
            .and_then(|answer| answer);
        match result {
            Ok(customer) => {
                Counters::add(&self.counters.customers_resolved, 1);
                Resolution::Found(customer.id)
            }
            Err(error) => {
                Counters::add(&self.counters.customers_refused, 1);
                // The external id is not logged: it names one of the
                // application's users.
                tracing::warn!(target: "drip", %error, "the Drip API refused to get or create the customer for an external customer id; the runs and usage for it are dead-lettered (see drip::stats().customers_refused)");
                Resolution::Refused {
                    status: error.status().unwrap_or(400),
                    reason: error.to_string(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_bounded_and_forgets_the_oldest_first() {
        let customers = Customers::default();
        let first = customers.slot("user_0");
        assert!(Arc::ptr_eq(&first, &customers.slot("user_0")));
        for i in 1..=CAPACITY {
            customers.slot(&format!("user_{i}"));
        }
        assert_eq!(customers.len(), CAPACITY);
        // `user_0` was the oldest: forgotten, so a new slot comes back.
        assert!(!Arc::ptr_eq(&first, &customers.slot("user_0")));
        assert_eq!(customers.len(), CAPACITY);
    }
}
