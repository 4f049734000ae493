//! A run's customer id, kept inside the run's state.
//!
//! The id arrives as a `String` the caller made, and the run's state is
//! freed by the transport thread. Keeping the id's bytes inside the state
//! lets the caller free the `String` itself: an allocation freed on the
//! thread that made it is reused by that thread's next one, while memory
//! handed to another thread to free makes every allocation of the next
//! run take the allocator's slow path (glibc's `malloc` then refills from
//! a shared arena, behind a lock the transport thread takes to free).

/// Bytes kept inline; longer ids (rare: Drip's ids and most applications'
/// fit) keep their own allocation.
const INLINE: usize = 46;

/// A customer id, inline up to [`INLINE`] bytes.
pub(crate) enum CustomerId {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(String),
}

impl CustomerId {
    pub(crate) fn new(id: String) -> CustomerId {
        let len = id.len();
        if len > INLINE {
            return CustomerId::Heap(id);
        }
        let mut bytes = [0; INLINE];
        bytes[..len].copy_from_slice(id.as_bytes());
        CustomerId::Inline {
            len: len as u8,
            bytes,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            // Whole UTF-8 text copied in `new`, so this never fails.
            CustomerId::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            CustomerId::Heap(id) => id,
        }
    }
}

impl std::ops::Deref for CustomerId {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_ids_read_back_whole() {
        for id in [
            "",
            "cus_1",
            "é€💡 multi-byte",
            &"x".repeat(INLINE),
            &"y".repeat(INLINE + 1),
        ] {
            assert_eq!(CustomerId::new(id.to_owned()).as_str(), id);
        }
        assert!(matches!(
            CustomerId::new("cus_1".into()),
            CustomerId::Inline { .. }
        ));
        assert!(matches!(
            CustomerId::new("z".repeat(INLINE + 1)),
            CustomerId::Heap(_)
        ));
    }
}
