//! The project's own allowed keys: configured at run time, or registered by
//! macro-generated code from `[package.metadata.drip] allowed-metadata`.

use crate::fields::normalize_key;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Both lists, normalised and sorted once, so a lookup is one read lock and
/// two binary searches with no allocation.
struct Extension {
    /// From `Config::allow_metadata`; replaced as a whole.
    configured: Vec<String>,
    /// From the user's manifest, as registered by generated code.
    manifest: Vec<String>,
    /// The registered lists themselves, so each is merged once.
    registered: Vec<&'static [&'static str]>,
}

static EXTENSION: RwLock<Extension> = RwLock::new(Extension {
    configured: Vec::new(),
    manifest: Vec::new(),
    registered: Vec::new(),
});
/// Whether either list is non-empty: spares the lock on the common path.
static ANY: AtomicBool = AtomicBool::new(false);

fn normalized_set<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = keys.into_iter().map(normalize_key).collect();
    out.sort();
    out.dedup();
    out
}

pub(crate) fn set(keys: Vec<String>) {
    let normalized = normalized_set(keys.iter().map(String::as_str));
    let any = !normalized.is_empty();
    EXTENSION
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .configured = normalized;
    if any {
        ANY.store(true, Ordering::Release);
    }
}

pub(crate) fn register_manifest(keys: &'static [&'static str]) {
    if keys.is_empty() {
        return;
    }
    let known = EXTENSION
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .registered
        .iter()
        .any(|k| std::ptr::eq(*k, keys));
    if !known {
        let mut ext = EXTENSION.write().unwrap_or_else(|e| e.into_inner());
        if !ext.registered.iter().any(|k| std::ptr::eq(*k, keys)) {
            ext.registered.push(keys);
            let merged = normalized_set(
                ext.manifest
                    .iter()
                    .map(String::as_str)
                    .chain(keys.iter().copied()),
            );
            ext.manifest = merged;
        }
        ANY.store(true, Ordering::Release);
    }
}

/// Whether `key` (normalised) is in the project's extension.
pub(crate) fn contains(key: &str) -> bool {
    if !ANY.load(Ordering::Acquire) {
        return false;
    }
    let ext = EXTENSION.read().unwrap_or_else(|e| e.into_inner());
    let has = |list: &[String]| list.binary_search_by(|k| k.as_str().cmp(key)).is_ok();
    has(&ext.configured) || has(&ext.manifest)
}
