//! Sending a charge envelope (a `StreamMeter` flush): `POST /usage` with the
//! key fixed at the flush, the same on every attempt and every replay.

use super::{Counters, Dispatcher, Progress};
use crate::delivery::envelope::Envelope;
use crate::model::Charge;

impl Dispatcher {
    /// `envelope` is the one holding `charge`, for the dead letters.
    pub(super) async fn charge(
        &self,
        index: usize,
        charge: &Charge,
        envelope: &Envelope,
        progress: &Progress,
    ) {
        let Some(customer) = self.customer_for(&charge.customer_id, envelope).await else {
            return progress.settle(index, 1);
        };
        let result = self
            .retrying(1, || {
                let mut req = charge.clone();
                req.customer_id = customer.clone().into_owned();
                self.client.charge(req)
            })
            .await;
        match result {
            Ok(charged) if charged.is_duplicate => Counters::add(&self.counters.duplicates, 1),
            Ok(_) => Counters::add(&self.counters.sent, 1),
            Err(e) if e.status() == Some(409) => Counters::add(&self.counters.duplicates, 1),
            Err(e) => self.reject(envelope, &e),
        }
        progress.settle(index, 1);
    }
}
