//! What a refusal log line may say about the refused text: its class, its
//! length and a short keyed fingerprint, never the text.
//!
//! The fingerprint is HMAC-SHA256 under a key drawn once per process and
//! never stored or logged, cut to 8 hex characters: equal values give equal
//! fingerprints within one process (so repeated refusals can be correlated),
//! and a log reader cannot confirm a guess without the key.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::sync::LazyLock;

// The one piece of global state added here: a per-process random key.
static KEY: LazyLock<[u8; 32]> = LazyLock::new(|| {
    let mut key = [0u8; 32];
    for chunk in key.chunks_mut(8) {
        chunk.copy_from_slice(&crate::random::seed().to_le_bytes());
    }
    key
});

/// `class=… len=… fp=…` for a refused key or value; `Display`s without the text.
pub(crate) struct Refused<'a> {
    pub(crate) class: &'a str,
    pub(crate) text: &'a str,
}

impl Refused<'_> {
    pub(crate) fn fingerprint(&self) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*KEY)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(self.text.as_bytes());
        mac.finalize().into_bytes()[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl fmt::Display for Refused<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "class={} len={} fp={}",
            self.class,
            self.text.chars().count(),
            self.fingerprint()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Refused;

    #[test]
    fn names_class_and_length_never_the_text() {
        let text = "4111111111111111";
        let line = Refused {
            class: "card_number",
            text,
        }
        .to_string();
        assert!(line.starts_with("class=card_number len=16 fp="), "{line}");
        assert!(!line.contains(text));
        let again = Refused {
            class: "card_number",
            text,
        }
        .fingerprint();
        assert_eq!(again.len(), 8);
        assert_eq!(line, format!("class=card_number len=16 fp={again}"));
    }
}
