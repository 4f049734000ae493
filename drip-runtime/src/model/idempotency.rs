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
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{:016x}{n:x}", process_nonce())
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
}
