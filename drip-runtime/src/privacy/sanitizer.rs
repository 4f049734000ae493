//! One set of privacy settings and the counts of what they removed: a
//! runtime's, a client's, or one a caller made.

use super::manifest;
use super::tally::{Kind, Tally};
use crate::metadata::Metadata;
use crate::privacy::PrivacyCounters;
use std::fmt;

/// The run-time privacy rules with a project's own allowed metadata keys, and
/// counters of what they removed.
///
/// Every runtime has one, made from
/// [`Config::allow_metadata`](crate::Config::allow_metadata), that its runs,
/// usage, meters and application client all apply, and which counts into its
/// [`Stats::privacy`](crate::Stats); a client built on its own has one made
/// from [`ClientBuilder::allow_metadata`](crate::ClientBuilder::allow_metadata).
/// Two runtimes with different lists keep them apart. Make one to check
/// metadata the way a runtime configured with the same keys would.
///
/// The keys of `[package.metadata.drip] allowed-metadata` (compiled into the
/// program by the macros) are allowed by every sanitiser. A key the rules
/// deny (secrets, content, personal data) stays refused even when listed.
///
/// ```
/// use drip_runtime::Metadata;
/// use drip_runtime::privacy::Sanitizer;
///
/// let sanitizer = Sanitizer::new().allow_metadata(["planTier", "api_key"]);
/// let m: Metadata = [("plan_tier", "pro"), ("api_key", "k"), ("favorite_color", "teal")]
///     .into_iter()
///     .collect();
/// let clean = sanitizer.sanitize_metadata(m);
/// assert_eq!(clean.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["plan_tier"]);
/// assert_eq!(sanitizer.counters().dropped_keys, 2);
/// ```
#[derive(Default)]
pub struct Sanitizer {
    /// The configured keys, normalised, sorted and deduplicated.
    extension: Vec<String>,
    tally: Tally,
}

impl fmt::Debug for Sanitizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sanitizer")
            .field("allowed_metadata", &self.extension)
            .field("counters", &self.counters())
            .finish()
    }
}

impl Sanitizer {
    /// The built-in allowlist (and the manifest's keys), counters at zero.
    ///
    /// ```
    /// let clean = drip_runtime::privacy::Sanitizer::new()
    ///     .sanitize_metadata([("model", "gpt-4o")].into_iter().collect());
    /// assert_eq!(clean.len(), 1);
    /// ```
    pub fn new() -> Sanitizer {
        Sanitizer::default()
    }

    /// Allows `keys` too (spelt in any case style), added to those allowed
    /// already.
    ///
    /// ```
    /// use drip_runtime::privacy::Sanitizer;
    /// let s = Sanitizer::new().allow_metadata(["deploymentRing"]);
    /// assert_eq!(s.sanitize_metadata([("deployment_ring", "canary")].into_iter().collect()).len(), 1);
    /// ```
    #[must_use]
    pub fn allow_metadata<I, S>(mut self, keys: I) -> Sanitizer
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let keys: Vec<S> = keys.into_iter().collect();
        self.extension = manifest::normalized_set(
            self.extension
                .iter()
                .map(String::as_str)
                .chain(keys.iter().map(AsRef::as_ref)),
        );
        self
    }

    /// Applies the key and value rules of [`crate::fields`] to `metadata`,
    /// with this sanitiser's allowed keys; see
    /// [`privacy::sanitize_metadata`](super::sanitize_metadata).
    ///
    /// ```
    /// use drip_runtime::privacy::Sanitizer;
    /// let s = Sanitizer::new();
    /// assert!(s.sanitize_metadata([("region", "ada@example.com")].into_iter().collect()).is_empty());
    /// assert_eq!(s.counters().dropped_values, 1);
    /// ```
    pub fn sanitize_metadata(&self, metadata: Metadata) -> Metadata {
        super::sanitize::sanitize_metadata(self, metadata)
    }

    /// Redacts secret-looking and personal data inside free text and cuts it
    /// to 256 characters; see [`privacy::redact_text`](super::redact_text).
    ///
    /// ```
    /// let s = drip_runtime::privacy::Sanitizer::new();
    /// assert_eq!(s.redact_text("mail ada@example.com"), "mail [redacted]");
    /// assert_eq!(s.counters().redactions, 1);
    /// ```
    pub fn redact_text(&self, text: &str) -> String {
        super::redact::redact_text(self, text)
    }

    /// What this sanitiser removed so far.
    ///
    /// ```
    /// let s = drip_runtime::privacy::Sanitizer::new();
    /// assert_eq!(s.counters(), drip_runtime::PrivacyCounters::default());
    /// ```
    pub fn counters(&self) -> PrivacyCounters {
        self.tally.snapshot()
    }

    /// Whether `key` (normalised) is allowed beyond the built-in list: this
    /// sanitiser's keys, or the manifest's.
    pub(crate) fn extends(&self, key: &str) -> bool {
        (!self.extension.is_empty()
            && self
                .extension
                .binary_search_by(|k| k.as_str().cmp(key))
                .is_ok())
            || manifest::contains(key)
    }

    /// Counts one removal; true the first time this kind happens in the
    /// process (log it then).
    pub(crate) fn count(&self, kind: Kind) -> bool {
        self.tally.record(kind)
    }
}
