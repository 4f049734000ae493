//! "Did you mean …?" for keys that are not in the allowlist.

use super::keys::BUILTIN_KEYS;
use super::normalize::normalize_key;

/// The built-in key closest to `key` (normalised first), if one is close enough
/// to be a likely typo or a shortened name; `None` for an exact built-in.
///
/// Close means an edit distance (insertions, deletions, substitutions and
/// swaps of neighbours) of at most 1 for keys up to 4 characters, 2 up to 8
/// and 3 beyond; or a built-in that extends the key by one word
/// (`latency` → `latency_ms`).
///
/// ```
/// use drip_runtime::fields::closest_allowed;
/// assert_eq!(closest_allowed("model_famly"), Some("model_family"));
/// assert_eq!(closest_allowed("modelFamilly"), Some("model_family"));
/// assert_eq!(closest_allowed("latency"), Some("latency_ms"));
/// assert_eq!(closest_allowed("favorite_color"), None);
/// assert_eq!(closest_allowed("model"), None);
/// ```
pub fn closest_allowed(key: &str) -> Option<&'static str> {
    let key = normalize_key(key);
    if key.is_empty() || BUILTIN_KEYS.contains(&key.as_str()) {
        return None;
    }
    let budget = match key.chars().count() {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    closest_in(&key, BUILTIN_KEYS, budget).or_else(|| {
        BUILTIN_KEYS.iter().copied().find(|b| {
            b.strip_prefix(key.as_str())
                .is_some_and(|rest| rest.starts_with('_') && !rest[1..].contains('_'))
        })
    })
}

/// The candidate closest to `word` within `budget` edits (insertions,
/// deletions, substitutions, swaps of neighbours), if any; the first of equals.
/// The macros use it for unknown argument names too.
///
/// ```
/// use drip_runtime::fields::closest_in;
/// assert_eq!(closest_in("nmae", &["name", "meter"], 2), Some("name"));
/// assert_eq!(closest_in("timeout", &["name", "meter"], 2), None);
/// ```
pub fn closest_in<'a>(word: &str, candidates: &[&'a str], budget: usize) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= budget)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent swaps).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_swaps_once() {
        assert_eq!(edit_distance("modle", "model"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_typos_and_short_forms() {
        assert_eq!(closest_allowed("modle"), Some("model"));
        assert_eq!(closest_allowed("retry"), Some("retry_count"));
        assert_eq!(closest_allowed("tool_nmae"), Some("tool_name"));
        assert_eq!(closest_allowed("zzzz"), None);
    }
}
