//! Idempotency keys that are unique across processes.
//!
//! The official SDKs derive keys from a per-process counter that restarts at 1,
//! so two workers (or a restart) making the same first call collide and the
//! server silently drops real usage. A drip key is
//! `<prefix>_<process nonce><counter>`: the 64-bit nonce is drawn once per
//! process from the OS's randomly keyed hasher mixed with the time and pid,
//! and the counter makes keys unique inside the process. Making a key costs no
//! syscall and no lock.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn process_nonce() -> u64 {
    static NONCE: OnceLock<u64> = OnceLock::new();
    *NONCE.get_or_init(crate::random::seed)
}

/// A new key, e.g. `evt_9f3c…_1a`. Never repeats within or across processes
/// (up to 64-bit nonce collisions).
pub fn new_key(prefix: &str) -> String {
    Reserved::next().key(prefix)
}

/// A key's place in the process's sequence, taken now (one relaxed add)
/// while its text is made later, on another thread if need be: hot paths
/// fix a key when their work starts without formatting it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reserved(u64);

impl Reserved {
    /// The next number of the sequence [`new_key`] draws from.
    #[inline]
    pub(crate) fn next() -> Reserved {
        Reserved(COUNTER.fetch_add(1, Ordering::Relaxed))
    }

    /// The key: the same text every time, equal to what [`new_key`] would
    /// have made when the number was taken.
    pub(crate) fn key(self, prefix: &str) -> String {
        format!("{prefix}_{:016x}{:x}", process_nonce(), self.0)
    }

    /// [`key`](Self::key) written into `out`, with no allocation.
    pub(crate) fn write_key(self, prefix: &str, out: &mut Vec<u8>) {
        use std::io::Write;
        // Writing into a Vec cannot fail.
        let _ = write!(out, "{prefix}_{:016x}{:x}", process_nonce(), self.0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_carry_their_prefix_and_never_repeat() {
        let a = super::new_key("evt");
        let b = super::new_key("evt");
        assert!(a.starts_with("evt_"));
        assert_ne!(a, b);
    }

    #[test]
    fn a_reserved_key_reads_the_same_whenever_it_is_made() {
        let reserved = super::Reserved::next();
        let later = super::new_key("xrun");
        assert_eq!(reserved.key("xrun"), reserved.key("xrun"));
        assert_ne!(reserved.key("xrun"), later);
        // Same process nonce: `xrun_` and 16 hex digits.
        assert_eq!(reserved.key("xrun")[..21], later[..21]);
        assert!(reserved.key("usage").starts_with("usage_"));
    }
}
