//! Sending a charge envelope (a `StreamMeter` flush): `POST /usage` with the
//! key fixed at the flush, the same on every attempt and every replay.

use super::{Counters, Dispatcher, Progress};
use crate::delivery::envelope::{ChargeRecord, Envelope};
use crate::model::Charge;

impl Dispatcher {
    pub(super) async fn charge(&self, index: usize, charge: ChargeRecord, progress: &Progress) {
        let result = self
            .retrying(1, || {
                let mut req = Charge::new(
                    charge.customer_id.clone(),
                    charge.meter.clone(),
                    charge.quantity,
                )
                .idempotency_key(charge.idempotency_key.clone());
                if !charge.metadata.is_empty() {
                    req = req.metadata(charge.metadata.clone());
                }
                self.client.charge(req)
            })
            .await;
        match result {
            Ok(charged) if charged.is_duplicate => Counters::add(&self.counters.duplicates, 1),
            Ok(_) => Counters::add(&self.counters.sent, 1),
            Err(e) if e.status() == Some(409) => Counters::add(&self.counters.duplicates, 1),
            Err(e) => self.reject(&Envelope::Charge(charge), &e),
        }
        progress.settle(index, 1);
    }
}
