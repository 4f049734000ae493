//! The seam between the run context and where its work ends up.

use crate::delivery::Submission;
use std::time::Duration;

/// A destination other than the delivery pipeline for a runtime's finished
/// work: what `testing::capture` implements to see exactly what instrumented
/// code records.
pub(crate) trait Sink: Send + Sync + 'static {
    /// Takes one unit of work. `duration` is a run's measured length on the
    /// envelope that ends it.
    fn send(&self, work: Submission, duration: Option<Duration>);

    /// A call made outside any run recorded nothing; `name` is the tool's or
    /// the event kind's.
    fn note_unattached(&self, _name: &str) {}
}
