//! Delivery pipeline: bounded queue, transport thread, spool, reports.
//!
//! STUB written at project set-up; the delivery work replaces it, keeping
//! `Envelope`, `submit` and `lazy_init_from_env`.

mod envelope;

#[allow(unused_imports)] // STUB: used once delivery is implemented.
pub(crate) use envelope::{Envelope, FinishedRun, StreamEnd, StreamStart, UsageRecord};

/// Hands one unit of work to the pipeline. Never blocks on the network and
/// never fails: overflow spills to disk or is counted as dropped.
#[allow(dead_code)] // STUB
pub(crate) fn submit(_envelope: Envelope) {}

/// Called once, on the first `enabled()` check before `drip::init`: builds the
/// global pipeline from the environment. Returns whether the SDK is enabled.
#[allow(dead_code)] // STUB
pub(crate) fn lazy_init_from_env() -> bool {
    false
}
