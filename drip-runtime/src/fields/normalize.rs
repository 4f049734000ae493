//! Key normalisation: camelCase, PascalCase, kebab-case and dotted keys become snake_case.

/// Normalises a metadata key to snake_case.
///
/// * An ASCII capital starts a new word when it follows a lowercase letter or
///   a digit (`queryHash` → `query_hash`, `gpt4Model` → `gpt4_model`), or when
///   it ends an acronym that a lowercase letter follows (`HTTPStatus` →
///   `http_status`, `APIKey` → `api_key`).
/// * `-` and `.` separate words like `_` (`x-api-key` → `x_api_key`,
///   `gen_ai.usage.input_tokens` → `gen_ai_usage_input_tokens`).
/// * Runs of separators collapse to one `_`; leading and trailing separators
///   are removed.
/// * ASCII letters are lowercased; every other character is kept as is (and
///   [`check_key`](super::check_key) then refuses the key as malformed).
///
/// Normalising twice gives the same result as normalising once.
///
/// ```
/// use drip_runtime::fields::normalize_key;
/// assert_eq!(normalize_key("queryHash"), "query_hash");
/// assert_eq!(normalize_key("model-family"), "model_family");
/// assert_eq!(normalize_key("HTTPStatus"), "http_status");
/// assert_eq!(normalize_key("userID"), "user_id");
/// assert_eq!(normalize_key("__latency__ms"), "latency_ms");
/// assert_eq!(normalize_key(normalize_key("APIKey").as_str()), "api_key");
/// ```
pub fn normalize_key(key: &str) -> String {
    if is_normalized(key) {
        return key.to_owned();
    }
    let mut out = String::with_capacity(key.len() + 4);
    // Whether a separator is owed before the next word character.
    let mut pending_separator = false;
    let chars: Vec<char> = key.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if is_separator(c) {
            pending_separator = true;
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let word_start = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_is_lower);
            if word_start {
                pending_separator = true;
            }
        }
        if pending_separator && !out.is_empty() {
            out.push('_');
        }
        pending_separator = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Whether `key` is already what [`normalize_key`] would return, checked
/// without allocating (the run-time fast path).
pub(crate) fn is_normalized(key: &str) -> bool {
    let bytes = key.as_bytes();
    if bytes.first() == Some(&b'_') || bytes.last() == Some(&b'_') {
        return false;
    }
    let mut prev_underscore = false;
    for &b in bytes {
        match b {
            b'_' if prev_underscore => return false,
            b'-' | b'.' | b'A'..=b'Z' => return false,
            _ => {}
        }
        prev_underscore = b == b'_';
    }
    true
}

fn is_separator(c: char) -> bool {
    matches!(c, '_' | '-' | '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_the_usual_spellings() {
        let cases = [
            ("query_hash", "query_hash"),
            ("queryHash", "query_hash"),
            ("QueryHash", "query_hash"),
            ("query-hash", "query_hash"),
            ("query.hash", "query_hash"),
            ("HTTPStatus", "http_status"),
            ("httpStatusCode", "http_status_code"),
            ("APIKey", "api_key"),
            ("apiKEY", "api_key"),
            ("x-api-key", "x_api_key"),
            ("userID", "user_id"),
            ("gpt4Model", "gpt4_model"),
            ("sha256Hash", "sha256_hash"),
            ("model2", "model2"),
            ("a__b", "a_b"),
            ("-_a-_", "a"),
            ("", ""),
            ("___", ""),
            ("MODEL", "model"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_key(raw), want, "normalize_key({raw:?})");
        }
    }

    #[test]
    fn is_idempotent_and_fast_path_agrees() {
        for raw in [
            "queryHash",
            "a--b",
            "Ärger",
            "x y",
            "ÀB",
            "a_B",
            "_",
            "aB_c",
        ] {
            let once = normalize_key(raw);
            assert_eq!(normalize_key(&once), once);
            assert!(is_normalized(&once), "{once:?}");
        }
        assert!(!is_normalized("a__b"));
        assert!(!is_normalized("aB"));
        assert!(is_normalized("latency_ms"));
    }
}
