//! The project's own allowed keys: configured at run time, or registered by
//! macro-generated code from `[package.metadata.drip] allowed-metadata`.

use crate::fields::normalize_key;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Keys from `Config::allow_metadata` (normalised); replaced as a whole.
static CONFIGURED: RwLock<Vec<String>> = RwLock::new(Vec::new());
/// Lists the macros checked at compile time against the user's manifest.
static MANIFEST: RwLock<Vec<&'static [&'static str]>> = RwLock::new(Vec::new());
/// Whether either list is non-empty: spares the locks on the common path.
static ANY: AtomicBool = AtomicBool::new(false);

pub(crate) fn set(keys: Vec<String>) {
    let mut normalized: Vec<String> = keys.iter().map(|k| normalize_key(k)).collect();
    normalized.sort();
    normalized.dedup();
    let any = !normalized.is_empty();
    *CONFIGURED.write().unwrap_or_else(|e| e.into_inner()) = normalized;
    if any {
        ANY.store(true, Ordering::Release);
    }
}

pub(crate) fn register_manifest(keys: &'static [&'static str]) {
    if keys.is_empty() {
        return;
    }
    let known = MANIFEST
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|k| std::ptr::eq(*k, keys));
    if !known {
        MANIFEST
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(keys);
        ANY.store(true, Ordering::Release);
    }
}

/// Whether `key` (normalised) is in the project's extension.
pub(crate) fn contains(key: &str) -> bool {
    if !ANY.load(Ordering::Acquire) {
        return false;
    }
    let configured = CONFIGURED
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .binary_search_by(|k| k.as_str().cmp(key))
        .is_ok();
    configured
        || MANIFEST
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|list| list.iter().any(|k| *k == key || normalize_key(k) == key))
}
