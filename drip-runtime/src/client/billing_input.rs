//! Input checks shared by the billing-surface calls, on top of `prepare`: listing queries
//! (filters checked like any other identifier, so a filter never carries an e-mail or a key to
//! the server, and a bounded page size), required free text, and redirect URLs.

use super::prepare;
use crate::error::{Error, Result};
use crate::privacy::Sanitizer;

/// Query pairs of one listing call, validated as they are added.
#[derive(Default)]
pub(crate) struct Query {
    pub(crate) pairs: Vec<(&'static str, String)>,
}

impl Query {
    /// An identifier filter (`customerId`, `runId` …); blank is no filter.
    pub(crate) fn id(mut self, key: &'static str, value: Option<String>) -> Result<Self> {
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            prepare::identifier(key, Some(&v))?;
            self.pairs.push((key, v));
        }
        Ok(self)
    }

    /// An enum filter: `Some(None)` is a state this version does not know, refused because
    /// its wire form is unknown.
    pub(crate) fn state(mut self, key: &'static str, value: Option<Option<&str>>) -> Result<Self> {
        match value {
            Some(Some(v)) => self.pairs.push((key, v.to_owned())),
            Some(None) => {
                return Err(Error::Validation {
                    field: key,
                    reason: "filter by a state this version knows (not `Other`)".into(),
                });
            }
            None => {}
        }
        Ok(self)
    }

    /// A page size from 1 to 100.
    pub(crate) fn limit(mut self, limit: Option<u32>) -> Result<Self> {
        if let Some(l) = limit {
            if !(1..=100).contains(&l) {
                return Err(Error::Validation {
                    field: "limit",
                    reason: format!("must be between 1 and 100, got {l}"),
                });
            }
            self.pairs.push(("limit", l.to_string()));
        }
        Ok(self)
    }

    /// How many to skip.
    pub(crate) fn offset(mut self, offset: Option<u32>) -> Self {
        if let Some(o) = offset {
            self.pairs.push(("offset", o.to_string()));
        }
        self
    }
}

/// Redacts a required free text (names); see [`prepare::text`].
pub(crate) fn text(privacy: &Sanitizer, text: String) -> String {
    prepare::text(privacy, Some(text)).unwrap_or_default()
}

/// Refuses a redirect URL that is not absolute `http(s)`, or that carries personal data or a
/// secret: a URL cannot be redacted without breaking the redirect, so it is refused whole.
pub(crate) fn redirect_url(field: &'static str, url: &str) -> Result<()> {
    let parsed = ::url::Url::parse(url).map_err(|e| Error::Validation {
        field,
        reason: format!("must be an absolute URL ({e})"),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::Validation {
            field,
            reason: "must be an http or https URL".into(),
        });
    }
    if crate::privacy::redact_text(url) != url {
        return Err(Error::Validation {
            field,
            reason: "carries personal data or a secret (the value is not shown); use an opaque id in the URL".into(),
        });
    }
    Ok(())
}
