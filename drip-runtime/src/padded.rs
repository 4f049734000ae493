//! A value alone on its cache lines.
//!
//! Two statics that share a cache line make every write to one a miss for
//! readers of the other on another core ("false sharing"). The on/off word
//! every instrumented call reads would otherwise share a line with the key
//! counter the transport thread adds to for every event it writes: a call
//! inside a run would wait for that line once per call. 128 bytes because
//! x86-64 fetches lines in adjacent pairs and some arm64 cores have 128-byte
//! lines (crossbeam's `CachePadded` makes the same choice).

use std::ops::Deref;

/// `T`, aligned and padded to 128 bytes.
#[repr(align(128))]
pub(crate) struct CachePadded<T>(pub(crate) T);

impl<T> Deref for CachePadded<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::CachePadded;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn neighbours_never_share_a_line() {
        static A: CachePadded<AtomicU64> = CachePadded(AtomicU64::new(0));
        static B: CachePadded<AtomicU64> = CachePadded(AtomicU64::new(0));
        let (a, b) = (&A.0 as *const _ as usize, &B.0 as *const _ as usize);
        assert_eq!(a % 128, 0);
        assert!(a.abs_diff(b) >= 128);
    }
}
