//! Randomness without a `rand` dependency: std's per-process random hasher seeds for keys
//! and secrets, and a small seedable generator for fault decisions.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// 64 unpredictable bits (seeded by the OS through `RandomState`, mixed with a counter).
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u64(crate::clock::now_ms());
    h.finish()
}

/// `prefix` followed by `hex_len` random lowercase hex digits.
pub(crate) fn random_token(prefix: &str, hex_len: usize) -> String {
    let mut out = String::with_capacity(prefix.len() + hex_len);
    out.push_str(prefix);
    while out.len() < prefix.len() + hex_len {
        let word = format!("{:016x}", random_u64());
        let need = prefix.len() + hex_len - out.len();
        out.push_str(&word[..need.min(16)]);
    }
    out
}

/// SplitMix64: deterministic once seeded, good enough to decide faults.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A uniform float in `[0, 1)`.
    pub(crate) fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_prefix_and_length_and_differ() {
        let a = random_token("sk_test_", 32);
        let b = random_token("sk_test_", 32);
        assert!(a.starts_with("sk_test_"));
        assert_eq!(a.len(), 40);
        assert_ne!(a, b);
    }

    #[test]
    fn seeded_generator_repeats() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        let xs: Vec<f64> = (0..5).map(|_| a.next_f64()).collect();
        let ys: Vec<f64> = (0..5).map(|_| b.next_f64()).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
    }
}
