//! How many fields and spans the privacy rules removed, and a warning the first time each kind happens.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Totals since the process started of what the run-time privacy rules removed.
///
/// Read with [`counters`](super::counters); included in `drip::stats()`.
///
/// ```
/// let before = drip_runtime::privacy::counters();
/// let _ = drip_runtime::privacy::redact_text("contact ada@example.com");
/// assert!(drip_runtime::privacy::counters().redactions > before.redactions);
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

static COUNTS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];
static WARNED: [AtomicBool; 5] = [const { AtomicBool::new(false) }; 5];

/// Counts one occurrence; returns true the first time this kind happens in the
/// process, so the caller logs it once.
pub(crate) fn record(kind: Kind) -> bool {
    let i = kind as usize;
    COUNTS[i].fetch_add(1, Ordering::Relaxed);
    !WARNED[i].load(Ordering::Relaxed) && !WARNED[i].swap(true, Ordering::Relaxed)
}

pub(crate) fn snapshot() -> PrivacyCounters {
    let get = |k: Kind| COUNTS[k as usize].load(Ordering::Relaxed);
    PrivacyCounters {
        dropped_keys: get(Kind::DroppedKey),
        dropped_values: get(Kind::DroppedValue),
        redactions: get(Kind::Redaction),
        truncations: get(Kind::Truncation),
        dropped_identifiers: get(Kind::DroppedIdentifier),
    }
}
