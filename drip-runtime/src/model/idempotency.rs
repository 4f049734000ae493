//! Idempotency keys that are unique across processes.
//!
//! The official SDKs derive keys from a per-process counter that restarts at 1,
//! so two workers (or a restart) making the same first call collide and the
//! server silently drops real usage. A drip key is
//! `<prefix>_<process nonce><counter>`: the 64-bit nonce is drawn once per
//! process from the OS's randomly keyed hasher mixed with the time and pid,
//! and the counter makes keys unique inside the process. Making a key costs no
//! syscall and no lock.

use crate::padded::CachePadded;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Alone on its cache line: the transport thread adds to it for every event
/// it writes, and nothing that instrumented calls read may share that line.
static COUNTER: CachePadded<AtomicU64> = CachePadded(AtomicU64::new(0));

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

    /// `n` consecutive numbers of the sequence with one relaxed add: the
    /// first, the rest being [`nth`](Self::nth) of it. A batch of events
    /// keys itself with one atomic operation, not one per event.
    #[inline]
    pub(crate) fn block(n: u64) -> Reserved {
        Reserved(COUNTER.fetch_add(n, Ordering::Relaxed))
    }

    /// The `i`th number of a block starting here (`None` past the sequence's end).
    pub(crate) fn nth(self, i: u64) -> Option<Reserved> {
        self.0.checked_add(i).map(Reserved)
    }

    /// The number itself, as a spill record stores it.
    pub(crate) fn number(self) -> u64 {
        self.0
    }

    /// The number a spill record stored.
    pub(crate) fn from_number(n: u64) -> Reserved {
        Reserved(n)
    }

    /// [`key`](Self::key) of the process whose nonce is `nonce` (this one's
    /// is [`nonce`]) written into `out`, digits by hand (one is made for
    /// every event on the transport thread); a spill record written by an
    /// earlier process keeps its keys.
    pub(crate) fn write_key_of(self, nonce: u64, prefix: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(prefix.as_bytes());
        out.push(b'_');
        push_hex(out, nonce, 16);
        push_hex(out, self.0, 1);
    }
}

/// This process's key nonce, which a spill record carries once.
pub(crate) fn nonce() -> u64 {
    process_nonce()
}

/// Appends `n` in lower-case hex, zero-padded to `width` digits.
fn push_hex(out: &mut Vec<u8>, n: u64, width: u32) {
    let digits = (64 - n.leading_zeros()).div_ceil(4).max(width);
    for place in (0..digits).rev() {
        out.push(b"0123456789abcdef"[((n >> (place * 4)) & 0xf) as usize]);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_written_key_is_the_formatted_key() {
        for n in [0, 1, 0xf, 0x10, 0xdead_beef, u64::MAX] {
            let key = super::Reserved(n);
            let mut out = b"x".to_vec();
            key.write_key_of(super::nonce(), "evt", &mut out);
            assert_eq!(out, format!("x{}", key.key("evt")).into_bytes());
        }
    }

    #[test]
    fn a_block_is_consecutive_numbers_no_later_key_repeats() {
        let block = super::Reserved::block(3);
        let after = super::Reserved::next();
        assert!(after.number() >= block.number() + 3);
        let third = block.nth(2).unwrap();
        assert_eq!(third.number(), block.number() + 2);
        let mut out = Vec::new();
        third.write_key_of(super::nonce(), "evt", &mut out);
        assert_eq!(out, third.key("evt").into_bytes());
        assert_eq!(super::Reserved::from_number(u64::MAX).nth(1), None);
    }

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
