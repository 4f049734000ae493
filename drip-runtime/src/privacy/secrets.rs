//! Secrets the SDK knows (the API key, the hash key, webhook secrets): never
//! sent, whatever the detectors say, and scrubbed from what servers send back.

use super::REDACTED;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Shorter strings are not registered: they would blank ordinary text.
const MIN_SECRET_CHARS: usize = 8;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());
static ANY: AtomicBool = AtomicBool::new(false);

pub(crate) fn register(secret: &str) {
    let secret = secret.trim();
    // A secret inside the marker would make redaction grow without end.
    if secret.chars().count() < MIN_SECRET_CHARS || REDACTED.contains(secret) {
        return;
    }
    let mut secrets = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    if !secrets.iter().any(|s| s == secret) {
        secrets.push(secret.to_owned());
    }
    ANY.store(true, Ordering::Release);
}

/// Whether `text` contains a registered secret.
pub(crate) fn appears_in(text: &str) -> bool {
    ANY.load(Ordering::Acquire)
        && SECRETS
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|s| text.contains(s.as_str()))
}

/// Replaces every registered secret in `text`; returns how many were replaced.
pub(crate) fn replace_in(text: &mut String) -> u64 {
    if !appears_in(text) {
        return 0;
    }
    let secrets = SECRETS.read().unwrap_or_else(|e| e.into_inner());
    let mut replaced = 0;
    for secret in secrets.iter() {
        let n = text.matches(secret.as_str()).count();
        if n > 0 {
            *text = text.replace(secret.as_str(), REDACTED);
            replaced += n as u64;
        }
    }
    replaced
}

/// `body` with every registered secret replaced by `[redacted]`, or `None`
/// when it contains none (the common case: no copy). For server answers,
/// before anything parses, stores, logs or shows them; a body that is not
/// UTF-8 is scrubbed in its lossy form.
pub(crate) fn scrub_bytes(body: &[u8]) -> Option<Vec<u8>> {
    if !ANY.load(Ordering::Acquire) {
        return None;
    }
    let text = String::from_utf8_lossy(body);
    let mut text = text.into_owned();
    (replace_in(&mut text) > 0).then(|| text.into_bytes())
}

/// `text` with every registered secret replaced by `[redacted]`.
pub(crate) fn scrub(text: &str) -> String {
    let mut text = text.to_owned();
    replace_in(&mut text);
    text
}
