//! Idempotency keys of stored events, indexed without copying them.
//!
//! The key text already lives in the stored record; the index keeps only a 64-bit hash and the
//! record's position, and confirms a hit by comparing with the stored key. The rare different
//! key with the same hash goes to a small exact map, so lookups are exact.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// Position of a stored record in its `Vec`.
type Position = usize;

#[derive(Debug, Default)]
pub(crate) struct KeyIndex {
    hasher: RandomState,
    by_hash: HashMap<u64, Position, BuildHasherDefault<PassThrough>>,
    /// Keys whose hash was already taken by a different key.
    collisions: HashMap<String, Position>,
}

impl KeyIndex {
    /// The hash `get` and `insert` take, so that a lookup followed by an insert hashes once.
    pub(crate) fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The position stored for `key` (whose `hash` is given); `key_at` gives the key of the
    /// record at a position.
    pub(crate) fn get<'k>(
        &self,
        hash: u64,
        key: &str,
        key_at: impl Fn(Position) -> Option<&'k str>,
    ) -> Option<Position> {
        match self.by_hash.get(&hash) {
            Some(&at) if key_at(at) == Some(key) => Some(at),
            Some(_) => self.collisions.get(key).copied(),
            None => None,
        }
    }

    /// Records `key` at `position` (a later insert of the same key wins, like a map's).
    pub(crate) fn insert<'k>(
        &mut self,
        hash: u64,
        key: &str,
        position: Position,
        key_at: impl Fn(Position) -> Option<&'k str>,
    ) {
        match self.by_hash.get_mut(&hash) {
            None => {
                self.by_hash.insert(hash, position);
            }
            Some(at) if key_at(*at) == Some(key) => *at = position,
            Some(_) => {
                self.collisions.insert(key.to_owned(), position);
            }
        }
    }
}

/// The keys are already hashes.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; fold anything else in rather than lose it.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_keys_inserted() {
        let keys: Vec<String> = (0..1000).map(|n| format!("key-{n}")).collect();
        let mut index = KeyIndex::default();
        let key_at = |i: usize| keys.get(i).map(String::as_str);
        for (i, k) in keys.iter().enumerate() {
            index.insert(index.hash(k), k, i, key_at);
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(index.get(index.hash(k), k, key_at), Some(i));
        }
        assert_eq!(index.get(index.hash("key-1000"), "key-1000", key_at), None);
    }

    #[test]
    fn a_hash_collision_is_resolved_by_the_key_text() {
        let keys = ["a".to_owned(), "b".to_owned()];
        let key_at = |i: usize| keys.get(i).map(String::as_str);
        let mut index = KeyIndex::default();
        index.insert(index.hash("a"), "a", 0, key_at);
        // Force "b" into the slot "a" occupies, as a real collision would.
        let hash_b = index.hash("b");
        index.by_hash.remove(&index.hash("a"));
        index.by_hash.insert(hash_b, 0);
        index.insert(hash_b, "b", 1, key_at);
        assert_eq!(index.get(hash_b, "b", key_at), Some(1));
        assert_eq!(index.collisions.len(), 1);
    }
}
