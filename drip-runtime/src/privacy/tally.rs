//! How many fields and spans the privacy rules removed, and a warning the first time each kind happens.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What the run-time privacy rules removed, counted by the runtime (or
/// client, or [`Sanitizer`](super::Sanitizer)) that applied them.
///
/// A runtime's are in [`Stats::privacy`](crate::Stats): `drip::stats().privacy`
/// for the runtime `init` started, `Runtime::stats()` for another. They count
/// everything that runtime sent: its runs, usage and meters, and the calls
/// of its application client.
///
/// ```
/// use drip_runtime::privacy::Sanitizer;
/// let sanitizer = Sanitizer::new();
/// let _ = sanitizer.redact_text("contact ada@example.com");
/// assert_eq!(sanitizer.counters().redactions, 1);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrivacyCounters {
    /// Metadata fields dropped because of their key (secret, content, personal
    /// data, not allowlisted, malformed, or a duplicate after normalisation).
    pub dropped_keys: u64,
    /// Metadata fields dropped because of their value (secret-looking,
    /// personal data, a registered secret, or a non-finite number).
    pub dropped_values: u64,
    /// Spans replaced by `[redacted]` in free text.
    pub redactions: u64,
    /// Strings cut to 256 characters.
    pub truncations: u64,
    /// Runs, event batches and usage records the delivery pipeline dropped
    /// because an identifier (customer id, workflow, meter, event type …)
    /// broke the identifier rule, and the event batches and end of a stream
    /// whose start was dropped so.
    pub dropped_identifiers: u64,
}

#[derive(Clone, Copy)]
pub(crate) enum Kind {
    DroppedKey,
    DroppedValue,
    Redaction,
    Truncation,
    DroppedIdentifier,
}

/// Whether each kind was logged yet. Process-wide, like every once-only
/// warning: one WARN per kind per process, whichever runtime hit it first.
static WARNED: [AtomicBool; 5] = [const { AtomicBool::new(false) }; 5];

/// The counts of one runtime, client or sanitiser.
#[derive(Default)]
pub(crate) struct Tally {
    counts: [AtomicU64; 5],
}

impl Tally {
    /// Counts one occurrence; returns true the first time this kind happens in the
    /// process, so the caller logs it once.
    pub(crate) fn record(&self, kind: Kind) -> bool {
        let i = kind as usize;
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        !WARNED[i].load(Ordering::Relaxed) && !WARNED[i].swap(true, Ordering::Relaxed)
    }

    pub(crate) fn snapshot(&self) -> PrivacyCounters {
        let get = |k: Kind| self.counts[k as usize].load(Ordering::Relaxed);
        PrivacyCounters {
            dropped_keys: get(Kind::DroppedKey),
            dropped_values: get(Kind::DroppedValue),
            redactions: get(Kind::Redaction),
            truncations: get(Kind::Truncation),
            dropped_identifiers: get(Kind::DroppedIdentifier),
        }
    }
}
