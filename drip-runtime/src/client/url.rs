//! Trust rules for the base URL, and endpoint construction.
//!
//! Telemetry may only go to `https`, or to `http` on a loopback host (the
//! emulator, a local proxy): anything else could leak the bearer key in clear
//! text. User-info is refused because it is a credential in the URL.

use crate::error::{Error, Result};
use url::{Host, Url};

/// The Drip API's production base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.drippay.dev/v1";

/// Parses and checks a base URL; the result has no trailing slash.
pub(crate) fn parse_base_url(raw: &str) -> Result<Url> {
    let config = |reason: String| Error::Config { reason };
    let mut url = Url::parse(raw.trim()).map_err(|e| {
        config(format!(
            "base URL is not a valid URL ({e}); expected e.g. {DEFAULT_BASE_URL}"
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(config(
            "base URL must not contain user-info (user:password@); pass the key with api_key() or DRIP_API_KEY"
                .into(),
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(config(
                "base URL must use https (plain http is allowed only to a loopback host such as 127.0.0.1 or localhost)"
                    .into(),
            ));
        }
        other => {
            return Err(config(format!(
                "base URL scheme `{other}` is not supported; use https"
            )));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(config(
            "base URL must not have a query string or fragment".into(),
        ));
    }
    let trimmed = url.path().trim_end_matches('/').to_owned();
    url.set_path(&trimmed);
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `base` + percent-encoded `segments`.
pub(crate) fn endpoint(base: &Url, segments: &[&str]) -> Result<Url> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| Error::Config {
            reason: "base URL cannot carry a path".into(),
        })?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// `<origin>/health`: the base URL without a trailing `/v1`.
pub(crate) fn health_url(base: &Url) -> Url {
    let mut url = base.clone();
    let path = url.path().trim_end_matches('/');
    let path = path
        .strip_suffix("/v1")
        .unwrap_or(path)
        .trim_end_matches('/');
    let health = format!("{path}/health");
    url.set_path(&health);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http() {
        for ok in [
            "https://api.drippay.dev/v1",
            "https://api.drippay.dev/v1/",
            "http://127.0.0.1:8080/v1",
            "http://127.3.2.1/v1",
            "http://localhost:9/v1",
            "http://[::1]:8080/v1",
        ] {
            let url = parse_base_url(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(!url.path().ends_with('/'), "{url}");
        }
    }

    #[test]
    fn refuses_untrusted_urls() {
        for bad in [
            "http://api.drippay.dev/v1",
            "http://10.0.0.1/v1",
            "ftp://127.0.0.1/v1",
            "https://user:pw@api.drippay.dev/v1",
            "https://user@api.drippay.dev/v1",
            "https://api.drippay.dev/v1?x=1",
            "not a url",
            "http://localhost.evil.com/v1",
        ] {
            assert!(
                matches!(parse_base_url(bad), Err(Error::Config { .. })),
                "{bad} accepted"
            );
        }
    }

    #[test]
    fn endpoints_percent_encode_segments() {
        let base = parse_base_url("https://h/v1").unwrap();
        let url = endpoint(&base, &["customers", "a/b c?d"]).unwrap();
        assert_eq!(url.as_str(), "https://h/v1/customers/a%2Fb%20c%3Fd");
        assert_eq!(health_url(&base).as_str(), "https://h/health");
        let base = parse_base_url("http://127.0.0.1:5/api/v1/").unwrap();
        assert_eq!(health_url(&base).as_str(), "http://127.0.0.1:5/api/health");
    }
}
