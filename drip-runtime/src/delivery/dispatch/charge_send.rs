//! Sending a charge envelope (a `StreamMeter` flush): `POST /usage` with the
//! key fixed at the flush, the same on every attempt and every replay.

use super::{Counters, Dispatcher, Progress};
use crate::delivery::envelope::Envelope;
use crate::model::Charge;

impl Dispatcher {
    pub(super) async fn charge(&self, index: usize, charge: &Charge, progress: &Progress) {
        let result = self
            .retrying(1, || self.client.charge(charge.clone()))
            .await;
        match result {
            Ok(charged) if charged.is_duplicate => Counters::add(&self.counters.duplicates, 1),
            Ok(_) => Counters::add(&self.counters.sent, 1),
            Err(e) if e.status() == Some(409) => Counters::add(&self.counters.duplicates, 1),
            Err(e) => self.reject(&Envelope::charge(charge.clone()), &e),
        }
        progress.settle(index, 1);
    }
}
