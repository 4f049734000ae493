//! The key rules of DESIGN §2: secrets, content and personal data, the allowlist.

use super::normalize::{is_normalized, normalize_key};
use super::suggest::closest_allowed;
use std::fmt;

/// The built-in allowlist: keys every project may send.
///
/// ```
/// assert!(drip_runtime::fields::BUILTIN_KEYS.contains(&"model_family"));
/// ```
pub const BUILTIN_KEYS: &[&str] = &[
    "model",
    "model_family",
    "provider",
    "tool",
    "tool_name",
    "integration",
    "status",
    "status_code",
    "error_code",
    "error_type",
    "latency_ms",
    "duration_ms",
    "attempt",
    "retry_count",
    "region",
    "environment",
    "version",
    "sdk_version",
    "route",
    "method",
    "chain_type",
    "retriever",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "document_count",
    "action_count",
];

/// Suffixes that make a key a measure (a count, a size, a hash, a duration),
/// which is allowed even when the key names content (`prompt_tokens`).
///
/// ```
/// assert!(drip_runtime::fields::MEASURE_SUFFIXES.contains(&"_hash"));
/// ```
pub const MEASURE_SUFFIXES: &[&str] = &[
    "_tokens", "_count", "_length", "_len", "_chars", "_bytes", "_hash", "_ms",
];

/// Longest key accepted, in bytes after normalisation. Longer keys are more
/// likely to be content smuggled into a key than a field name.
///
/// ```
/// use drip_runtime::fields::{check_key, MAX_KEY_CHARS};
/// assert!(check_key(&"a".repeat(MAX_KEY_CHARS + 1), &[]).is_err());
/// ```
pub const MAX_KEY_CHARS: usize = 64;

/// Whole segments that name a secret. Plurals and `passphrase` go beyond the
/// DESIGN list on purpose: secrets are refused whatever any allowlist says.
const SECRET_SEGMENTS: &[&str] = &[
    "password",
    "passwords",
    "passwd",
    "passphrase",
    "secret",
    "secrets",
    "authorization",
    "bearer",
    "cookie",
    "cookies",
    "credential",
    "credentials",
];

/// Substrings that name a secret wherever they appear in the key.
const SECRET_SUBSTRINGS: &[&str] = &[
    "api_key",
    "apikey",
    "private_key",
    "access_token",
    "refresh_token",
    "session_token",
    "auth_token",
];

/// Whole segments that name content (prompts, outputs, bodies …).
const CONTENT_SEGMENTS: &[&str] = &[
    "prompt",
    "prompts",
    "completion",
    "completions",
    "message",
    "messages",
    "input",
    "inputs",
    "output",
    "outputs",
    "response",
    "responses",
    "request",
    "requests",
    "body",
    "bodies",
    "text",
    "texts",
    "query",
    "queries",
    "content",
    "contents",
];

/// Whole segments that name personal data.
const PERSONAL_SEGMENTS: &[&str] = &[
    "email",
    "emails",
    "phone",
    "phones",
    "ssn",
    "address",
    "addresses",
    "card",
    "cards",
];

/// Why a metadata key is refused.
///
/// ```
/// use drip_runtime::fields::{check_key, KeyRefusal};
/// let refusal = check_key("userEmail", &[]).unwrap_err();
/// assert!(matches!(refusal, KeyRefusal::Content { ref segment, .. } if segment == "email"));
/// assert!(refusal.to_string().contains("user_email"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRefusal {
    /// The key is empty (or only separators).
    Empty,
    /// The key names a secret; refused whatever any allowlist says.
    Secret {
        /// The normalised key.
        key: String,
        /// The segment or substring that names the secret.
        segment: String,
    },
    /// The key names content or personal data and is not a measure.
    Content {
        /// The normalised key.
        key: String,
        /// The segment that names content or personal data.
        segment: String,
    },
    /// The key is neither built in, an `_id`, a measure nor in the project's extension.
    NotListed {
        /// The normalised key.
        key: String,
        /// The closest built-in key, if one is close.
        suggestion: Option<&'static str>,
    },
    /// The key has characters other than `a-z`, `0-9` and `_` after
    /// normalisation, or is longer than [`MAX_KEY_CHARS`].
    Malformed {
        /// The normalised key.
        key: String,
    },
}

impl KeyRefusal {
    /// What to do instead, in one sentence (used by the macros as the error's help).
    ///
    /// ```
    /// use drip_runtime::fields::check_key;
    /// let hint = check_key("prompt", &[]).unwrap_err().hint();
    /// assert_eq!(hint, "raw prompts must never be sent; send `prompt_tokens` or a `query_hash`");
    /// assert_eq!(check_key("model_famly", &[]).unwrap_err().hint(), "did you mean `model_family`?");
    /// ```
    pub fn hint(&self) -> String {
        match self {
            KeyRefusal::Empty => "give the field a name such as `model` or `tool_name`".to_owned(),
            KeyRefusal::Secret { .. } => {
                "secrets must never be sent under any key; remove this field".to_owned()
            }
            KeyRefusal::Content { key, segment } => content_hint(key, segment),
            KeyRefusal::NotListed {
                suggestion: Some(s),
                ..
            } => format!("did you mean `{s}`?"),
            KeyRefusal::NotListed {
                key,
                suggestion: None,
            } => format!(
                "add it to [package.metadata.drip] allowed-metadata = [\"{key}\"] in Cargo.toml"
            ),
            KeyRefusal::Malformed { .. } => format!(
                "use a short snake_case or camelCase name (letters, digits, `_`; at most {MAX_KEY_CHARS} characters)"
            ),
        }
    }
}

fn content_hint(key: &str, segment: &str) -> String {
    let personal = PERSONAL_SEGMENTS.contains(&segment);
    if personal {
        return format!(
            "personal data must never be sent; send an opaque id or a `{segment}_hash` made with drip::hash_id"
        );
    }
    match segment {
        "prompt" | "prompts" | "query" | "queries" => {
            "raw prompts must never be sent; send `prompt_tokens` or a `query_hash`".to_owned()
        }
        _ => {
            let stem = key.strip_suffix("_id").unwrap_or(key);
            format!(
                "raw {segment} content must never be sent; send a measure such as `{stem}_tokens` or `{stem}_length`, or a `{stem}_hash` made with drip::hash_id"
            )
        }
    }
}

impl KeyRefusal {
    /// The rule that refused the key, as a verb phrase: "names a secret
    /// (`api_key`)", "is not in the allowlist", …
    ///
    /// ```
    /// use drip_runtime::fields::check_key;
    /// let refusal = check_key("api_key", &[]).unwrap_err();
    /// assert_eq!(refusal.reason(), "names a secret (`api_key`)");
    /// ```
    pub fn reason(&self) -> String {
        match self {
            KeyRefusal::Empty => "is empty".to_owned(),
            KeyRefusal::Secret { segment, .. } => format!("names a secret (`{segment}`)"),
            KeyRefusal::Content { segment, .. } => {
                if PERSONAL_SEGMENTS.contains(&segment.as_str()) {
                    format!("names personal data (`{segment}`)")
                } else {
                    format!("names content (`{segment}`)")
                }
            }
            KeyRefusal::NotListed { .. } => "is not in the allowlist".to_owned(),
            KeyRefusal::Malformed { .. } => "is not a valid field name".to_owned(),
        }
    }
}

impl fmt::Display for KeyRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyRefusal::Empty => write!(f, "metadata key {}", self.reason()),
            KeyRefusal::Secret { key, .. }
            | KeyRefusal::Content { key, .. }
            | KeyRefusal::NotListed { key, .. }
            | KeyRefusal::Malformed { key } => {
                write!(f, "metadata key `{key}` {}", self.reason())
            }
        }
    }
}

impl std::error::Error for KeyRefusal {}

/// Checks a metadata key against the rules of DESIGN §2 and returns it normalised.
///
/// `extension` is the project's own list (`[package.metadata.drip]
/// allowed-metadata`); its entries may be spelt in any case style. In order:
/// 1. a key naming a secret is refused, even when it is in `extension`;
/// 2. a key naming content or personal data is refused unless it ends in a
///    measure suffix ([`MEASURE_SUFFIXES`]), even when it is in `extension`;
///    an `_id` key naming content (`request_id`, `message_id`) is an
///    identifier, not content, and passes; one naming personal data does not;
/// 3. a key is allowed if built in ([`BUILTIN_KEYS`]), ending in `_id` or a
///    measure suffix, or in `extension`; anything else is refused.
///
/// ```
/// use drip_runtime::fields::{check_key, KeyRefusal};
/// assert_eq!(check_key("queryHash", &[]).unwrap(), "query_hash");
/// assert_eq!(check_key("prompt_tokens", &[]).unwrap(), "prompt_tokens");
/// assert_eq!(check_key("customer_id", &[]).unwrap(), "customer_id");
/// assert_eq!(check_key("requestId", &[]).unwrap(), "request_id");
/// assert!(matches!(check_key("email_id", &[]), Err(KeyRefusal::Content { .. })));
/// assert!(matches!(check_key("prompt", &[]), Err(KeyRefusal::Content { .. })));
/// assert!(matches!(check_key("apiKey", &["api_key"]), Err(KeyRefusal::Secret { .. })));
/// assert!(matches!(check_key("favorite_color", &[]), Err(KeyRefusal::NotListed { .. })));
/// assert_eq!(check_key("favoriteColor", &["favorite_color"]).unwrap(), "favorite_color");
/// ```
pub fn check_key(key: &str, extension: &[&str]) -> Result<String, KeyRefusal> {
    let normalized = normalize_key(key);
    check_normalized_key(&normalized, |k| {
        extension
            .iter()
            .any(|e| *e == k || (!is_normalized(e) && normalize_key(e) == k))
    })?;
    Ok(normalized)
}

/// [`check_key`] for a key already normalised, with the extension given as a
/// predicate; allocates only to build a refusal.
pub(crate) fn check_normalized_key(
    key: &str,
    in_extension: impl FnOnce(&str) -> bool,
) -> Result<(), KeyRefusal> {
    if key.is_empty() {
        return Err(KeyRefusal::Empty);
    }
    if key.len() > MAX_KEY_CHARS
        || !key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(KeyRefusal::Malformed {
            key: key.to_owned(),
        });
    }
    // Built-ins pass rules 1 and 2 by construction (a unit test checks it):
    // the common case costs one lookup.
    if is_builtin(key) {
        return Ok(());
    }
    if let Some(segment) = secret_part(key) {
        return Err(KeyRefusal::Secret {
            key: key.to_owned(),
            segment: segment.to_owned(),
        });
    }
    let measure = is_measure(key);
    // An identifier of a message or a request (`request_id`, `message_id`) is
    // not its content, so `_id` lifts the content rule; it does not lift the
    // personal-data rule (`email_id` is too often the address itself).
    let content_id = key.ends_with("_id");
    if !measure && let Some(segment) = content_segment(key, content_id) {
        return Err(KeyRefusal::Content {
            key: key.to_owned(),
            segment: segment.to_owned(),
        });
    }
    if measure || key.ends_with("_id") || in_extension(key) {
        return Ok(());
    }
    Err(KeyRefusal::NotListed {
        key: key.to_owned(),
        suggestion: closest_allowed(key),
    })
}

fn is_builtin(key: &str) -> bool {
    // Bucketed by length: most lookups compare against two or three strings.
    BUILTIN_KEYS
        .iter()
        .any(|b| b.len() == key.len() && *b == key)
}

fn is_measure(key: &str) -> bool {
    MEASURE_SUFFIXES.iter().any(|s| key.ends_with(s))
}

fn secret_part(key: &str) -> Option<&'static str> {
    key.split('_')
        .find_map(|seg| SECRET_SEGMENTS.iter().find(|s| **s == seg).copied())
        .or_else(|| {
            SECRET_SUBSTRINGS
                .iter()
                .find(|s| key.contains(**s))
                .copied()
        })
}

fn content_segment(key: &str, identifier: bool) -> Option<&'static str> {
    let content: &[&'static str] = if identifier { &[] } else { CONTENT_SEGMENTS };
    key.split('_').find_map(|seg| {
        content
            .iter()
            .chain(PERSONAL_SEGMENTS)
            .find(|s| **s == seg)
            .copied()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_order_secret_before_measure_before_allowlist() {
        assert!(matches!(
            check_key("password_hash", &[]),
            Err(KeyRefusal::Secret { .. })
        ));
        assert!(check_key("output_length", &[]).is_ok());
        assert!(check_key("request_id", &[]).is_ok());
        assert!(matches!(
            check_key("email_id", &[]),
            Err(KeyRefusal::Content { .. })
        ));
        assert!(matches!(
            check_key("prompt", &["prompt"]),
            Err(KeyRefusal::Content { .. })
        ));
    }

    #[test]
    fn every_builtin_passes_the_deny_rules_on_its_own() {
        for key in BUILTIN_KEYS {
            assert_eq!(check_key(key, &[]).as_deref(), Ok(*key));
            assert_eq!(secret_part(key), None, "{key}");
            assert!(
                is_measure(key) || content_segment(key, false).is_none(),
                "{key}"
            );
        }
    }

    #[test]
    fn malformed_keys_are_refused() {
        for key in ["a b", "ключ", "a:b", "quote\""] {
            assert!(matches!(
                check_key(key, &[]),
                Err(KeyRefusal::Malformed { .. })
            ));
        }
        assert_eq!(check_key("--", &[]), Err(KeyRefusal::Empty));
    }
}
