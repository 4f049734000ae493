//! The metadata allowlist: one source of truth for the macros and the runtime.
//!
//! This module has no dependencies and is compiled even with
//! `default-features = false`: `drip-macros` calls it at compile time and the
//! run-time sanitiser ([`crate::privacy`], feature `client`) calls the very
//! same functions, so a key accepted by one is accepted by the other.
//!
//! * [`normalize_key`]: camelCase / kebab-case → snake_case.
//! * [`check_key`]: the key rules (secrets, content and personal data, allowlist).
//! * [`check_literal_str`] / [`find_sensitive`]: secret and personal-data detectors for values.
//! * [`deobfuscate()`]: the normal form detectors see (NFKC, invisible characters removed, decoded).
//! * [`check_identifier`]: the shape rule for identifier fields (customer ids, workflow slugs …).
//! * [`suffix_rule`]: what a key's suffix demands of its value (`_hash`, `_tokens`, `_id` …).
//! * [`closest_allowed`]: "did you mean …?".
//!
//! ```
//! use drip_runtime::fields::{check_key, check_literal_str};
//! assert_eq!(check_key("queryHash", &[]).unwrap(), "query_hash");
//! assert!(check_key("prompt", &[]).is_err());
//! assert!(check_literal_str("ada@example.com").is_err());
//! ```

mod deobfuscate;
mod detect;
mod identifier;
mod keys;
mod normalize;
mod patterns;
mod suffix;
mod suggest;

pub use deobfuscate::deobfuscate;
pub use detect::{ValueRefusal, check_literal_str, find_sensitive};
pub use identifier::{IdentifierRefusal, MAX_IDENTIFIER_CHARS, check_identifier};
pub use keys::{BUILTIN_KEYS, KeyRefusal, MAX_KEY_CHARS, MEASURE_SUFFIXES, check_key};
pub use normalize::normalize_key;
pub use suffix::{IDENTIFIER_KEYS, SuffixRefusal, SuffixRule, is_hash_shaped, suffix_rule};
pub use suggest::closest_allowed;
#[doc(hidden)]
pub use suggest::closest_in;

// The run-time sanitiser's allocation-free paths.
#[cfg(feature = "client")]
pub(crate) use {
    detect::find_sensitive_from, keys::check_normalized_key, normalize::is_normalized,
};

/// Longest string value sent, in characters; longer strings are cut.
///
/// ```
/// assert_eq!(drip_runtime::fields::MAX_STRING_CHARS, 256);
/// ```
pub const MAX_STRING_CHARS: usize = 256;

/// How much of a long string the detectors read, in bytes: everything that
/// could survive the cut to [`MAX_STRING_CHARS`], plus room for a secret
/// that starts before the cut and ends after it. Bounds the work a huge
/// value costs; what lies beyond is never sent.
#[cfg(feature = "client")]
pub(crate) const DETECTION_WINDOW_BYTES: usize = 4096;

/// The prefix of `text` the detectors read (on a char boundary).
#[cfg(feature = "client")]
pub(crate) fn detection_window(text: &str) -> &str {
    if text.len() <= DETECTION_WINDOW_BYTES {
        return text;
    }
    let mut end = DETECTION_WINDOW_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
