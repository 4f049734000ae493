//! Cheap, non-cryptographic randomness — retry jitter, the process nonce of
//! idempotency keys, spool file tags — from one source: std's randomly keyed
//! hasher mixed with the pid and the time, then xorshift per thread.

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};

/// A fresh 64-bit seed (one hasher and one clock read).
pub(crate) fn seed() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(d.as_nanos());
    }
    h.finish()
}

/// A random `u64` (xorshift64*, seeded once per thread).
pub(crate) fn random_u64() -> u64 {
    thread_local! {
        static STATE: Cell<u64> = Cell::new(seed() | 1);
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

/// A random fraction in `[0, 1)`.
pub(crate) fn fraction() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_stay_in_range_and_vary() {
        let draws: Vec<f64> = (0..1000).map(|_| fraction()).collect();
        assert!(draws.iter().all(|f| (0.0..1.0).contains(f)));
        let distinct: std::collections::HashSet<u64> = draws.iter().map(|f| f.to_bits()).collect();
        assert!(distinct.len() > 990, "{} distinct of 1000", distinct.len());
    }
}
