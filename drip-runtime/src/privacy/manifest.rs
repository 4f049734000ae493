//! The project's allowed keys from `[package.metadata.drip] allowed-metadata`,
//! registered by macro-generated code.
//!
//! Process-wide on purpose: the list is read from the user's manifest at
//! compile time and compiled into the program, so it is the same for every
//! runtime and client the program starts. The keys a runtime or client is
//! configured with (`Config::allow_metadata`, `ClientBuilder::allow_metadata`)
//! belong to that runtime or client (see [`super::Sanitizer`]).

use crate::fields::normalize_key;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// The merged list, normalised and sorted once, so a lookup is one read lock
/// and one binary search with no allocation.
struct Manifest {
    keys: Vec<String>,
    /// The registered lists themselves, so each is merged once.
    registered: Vec<&'static [&'static str]>,
}

static MANIFEST: RwLock<Manifest> = RwLock::new(Manifest {
    keys: Vec::new(),
    registered: Vec::new(),
});
/// Whether any list was registered: spares the lock on the common path.
static ANY: AtomicBool = AtomicBool::new(false);

/// `keys` normalised to snake_case, sorted and deduplicated.
pub(super) fn normalized_set<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = keys.into_iter().map(normalize_key).collect();
    out.sort();
    out.dedup();
    out
}

pub(crate) fn register(keys: &'static [&'static str]) {
    if keys.is_empty() {
        return;
    }
    let known = MANIFEST
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .registered
        .iter()
        .any(|k| std::ptr::eq(*k, keys));
    if !known {
        let mut manifest = MANIFEST.write().unwrap_or_else(|e| e.into_inner());
        if !manifest.registered.iter().any(|k| std::ptr::eq(*k, keys)) {
            manifest.registered.push(keys);
            let merged = normalized_set(
                manifest
                    .keys
                    .iter()
                    .map(String::as_str)
                    .chain(keys.iter().copied()),
            );
            manifest.keys = merged;
        }
        ANY.store(true, Ordering::Release);
    }
}

/// Whether `key` (normalised) is in the manifest's list.
pub(super) fn contains(key: &str) -> bool {
    if !ANY.load(Ordering::Acquire) {
        return false;
    }
    MANIFEST
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .keys
        .binary_search_by(|k| k.as_str().cmp(key))
        .is_ok()
}
