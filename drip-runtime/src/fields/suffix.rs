//! What a key's suffix promises about its value: `_hash` holds a hash,
//! measures (`_tokens`, `_count`, `_ms` …) hold numbers, `_id` holds an
//! identifier. The macros check literals against these rules at compile
//! time; the run-time sanitiser drops (and counts) values that break them.

use super::identifier::{IdentifierRefusal, check_identifier, check_shape};
use super::keys::MEASURE_SUFFIXES;
use std::fmt;

/// The value rule a key's suffix implies.
///
/// ```
/// use drip_runtime::fields::{suffix_rule, SuffixRule};
/// assert_eq!(suffix_rule("query_hash"), SuffixRule::Hash);
/// assert_eq!(suffix_rule("prompt_tokens"), SuffixRule::Measure);
/// assert_eq!(suffix_rule("customer_id"), SuffixRule::Identifier);
/// assert_eq!(suffix_rule("region"), SuffixRule::Free);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuffixRule {
    /// `_hash`: a hex (16–128 digits, optionally `sha256:`-style prefixed) or
    /// base64 digest, or an integer; the output of `drip::hash_id` qualifies.
    Hash,
    /// A measure suffix other than `_hash` (`_tokens`, `_count`, `_length`,
    /// `_len`, `_chars`, `_bytes`, `_ms`): an integer or a float.
    Measure,
    /// `_id` and the built-in [`IDENTIFIER_KEYS`]: an integer, or a string
    /// passing [`check_identifier`].
    Identifier,
    /// No suffix rule; the general value rules apply.
    Free,
}

/// Why a value breaks its key's suffix rule.
///
/// ```
/// use drip_runtime::fields::{suffix_rule, SuffixRefusal};
/// let refusal = suffix_rule("query_hash").check_str("what is my balance").unwrap_err();
/// assert_eq!(refusal, SuffixRefusal::NotHashShaped);
/// assert!(refusal.hint().contains("hash_id"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuffixRefusal {
    /// A measure key (`_tokens`, `_count`, `_ms` …) with a string or bool.
    NotNumeric,
    /// A `_hash` key with a value that is not a digest.
    NotHashShaped,
    /// An identifier key (`_id`, [`IDENTIFIER_KEYS`]) with a value that breaks the identifier rule.
    NotIdentifier(IdentifierRefusal),
    /// A `_hash` or identifier key with a float or bool.
    WrongType,
}

impl SuffixRefusal {
    /// What to do instead, in one sentence.
    ///
    /// ```
    /// use drip_runtime::fields::SuffixRefusal;
    /// assert!(SuffixRefusal::NotNumeric.hint().contains("number"));
    /// ```
    pub fn hint(&self) -> &'static str {
        match self {
            SuffixRefusal::NotNumeric => {
                "a measure (`_tokens`, `_count`, `_ms`, `_bytes` …) is a number; send the count, not text"
            }
            SuffixRefusal::NotHashShaped => {
                "a `_hash` value is a digest; send `drip::hash_id(raw)?`, never the raw text"
            }
            SuffixRefusal::NotIdentifier(_) | SuffixRefusal::WrongType => {
                "identifiers (`_id`, `model`, `tool_name` …) are short names or opaque ids, never text or personal data"
            }
        }
    }
}

impl fmt::Display for SuffixRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SuffixRefusal::NotNumeric => f.write_str("value of a measure key is not a number"),
            SuffixRefusal::NotHashShaped => {
                f.write_str("value of a `_hash` key is not hash-shaped")
            }
            SuffixRefusal::NotIdentifier(r) => write!(f, "value of an identifier key: {r}"),
            SuffixRefusal::WrongType => {
                f.write_str("value of a `_hash` or identifier key is a float or bool")
            }
        }
    }
}

impl std::error::Error for SuffixRefusal {}

/// Built-in keys whose values name a thing (a model, a tool, a provider):
/// they follow the identifier rule like `_id` keys.
///
/// ```
/// use drip_runtime::fields::{suffix_rule, SuffixRule, IDENTIFIER_KEYS};
/// assert!(IDENTIFIER_KEYS.contains(&"tool_name"));
/// assert_eq!(suffix_rule("model"), SuffixRule::Identifier);
/// ```
pub const IDENTIFIER_KEYS: &[&str] = &[
    "model",
    "model_family",
    "provider",
    "tool",
    "tool_name",
    "integration",
    "error_code",
    "error_type",
    "chain_type",
    "retriever",
];

/// The rule for a normalised (snake_case) key.
///
/// ```
/// use drip_runtime::fields::{suffix_rule, SuffixRule};
/// assert_eq!(suffix_rule("latency_ms"), SuffixRule::Measure);
/// assert_eq!(suffix_rule("tool_name"), SuffixRule::Identifier);
/// ```
pub fn suffix_rule(key: &str) -> SuffixRule {
    if IDENTIFIER_KEYS.contains(&key) {
        SuffixRule::Identifier
    } else if key.ends_with("_hash") {
        SuffixRule::Hash
    } else if MEASURE_SUFFIXES.iter().any(|s| key.ends_with(s)) {
        SuffixRule::Measure
    } else if key.ends_with("_id") {
        SuffixRule::Identifier
    } else {
        SuffixRule::Free
    }
}

impl SuffixRule {
    /// Checks a string value against the rule.
    ///
    /// ```
    /// use drip_runtime::fields::{suffix_rule, SuffixRefusal};
    /// assert_eq!(suffix_rule("prompt_tokens").check_str("812"), Err(SuffixRefusal::NotNumeric));
    /// assert!(suffix_rule("query_hash").check_str("9f86d081884c7d659a2feaa0c55ad015").is_ok());
    /// assert!(suffix_rule("model").check_str("anything").is_ok());
    /// ```
    pub fn check_str(&self, value: &str) -> Result<(), SuffixRefusal> {
        match self {
            SuffixRule::Identifier => check_identifier(value).map_err(SuffixRefusal::NotIdentifier),
            _ => self.check_str_detected(value),
        }
    }

    /// [`SuffixRule::check_str`] for a value the detectors have just passed.
    pub(crate) fn check_str_detected(&self, value: &str) -> Result<(), SuffixRefusal> {
        match self {
            SuffixRule::Hash if !is_hash_shaped(value) => Err(SuffixRefusal::NotHashShaped),
            SuffixRule::Measure => Err(SuffixRefusal::NotNumeric),
            SuffixRule::Identifier => check_shape(value).map_err(SuffixRefusal::NotIdentifier),
            SuffixRule::Hash | SuffixRule::Free => Ok(()),
        }
    }

    /// Checks a non-string value (`float` tells an integer from a float;
    /// `bool` a boolean).
    ///
    /// ```
    /// use drip_runtime::fields::suffix_rule;
    /// assert!(suffix_rule("latency_ms").check_scalar(true, false).is_ok());
    /// assert!(suffix_rule("retry_count").check_scalar(false, true).is_err());
    /// assert!(suffix_rule("customer_id").check_scalar(false, false).is_ok());
    /// ```
    pub fn check_scalar(&self, float: bool, boolean: bool) -> Result<(), SuffixRefusal> {
        match self {
            SuffixRule::Measure if boolean => Err(SuffixRefusal::NotNumeric),
            SuffixRule::Hash | SuffixRule::Identifier if float || boolean => {
                Err(SuffixRefusal::WrongType)
            }
            _ => Ok(()),
        }
    }
}

/// A digest: 16–128 hex digits of one case (optionally after an algorithm
/// prefix such as `sha256:`), or 22–88 base64/base64url characters mixing
/// upper case, lower case and digits.
///
/// ```
/// use drip_runtime::fields::is_hash_shaped;
/// assert!(is_hash_shaped("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
/// assert!(is_hash_shaped("sha256:E3B0C44298FC1C149AFBF4C8996FB924"));
/// assert!(is_hash_shaped("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"));
/// assert!(!is_hash_shaped("how do I reset my password"));
/// assert!(!is_hash_shaped("deadbeef"));
/// ```
pub fn is_hash_shaped(value: &str) -> bool {
    let digest = match value.split_once(':') {
        Some((algo, rest))
            if !algo.is_empty()
                && algo.len() <= 12
                && algo.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            rest
        }
        _ => value,
    };
    let hex = (16..=128).contains(&digest.len())
        && digest.bytes().all(|b| b.is_ascii_hexdigit())
        && !(digest.bytes().any(|b| b.is_ascii_lowercase())
            && digest.bytes().any(|b| b.is_ascii_uppercase()));
    let b64 = (22..=88).contains(&digest.len())
        && digest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=_-".contains(&b))
        && digest.bytes().any(|b| b.is_ascii_uppercase())
        && digest.bytes().any(|b| b.is_ascii_lowercase())
        && digest.bytes().any(|b| b.is_ascii_digit());
    hex || b64
}
