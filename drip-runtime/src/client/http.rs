//! One HTTP request, and how its outcome is classified.

use super::Inner;
use super::retry::{Failure, parse_retry_after};
use crate::error::{Error, Result};
use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use serde::de::DeserializeOwned;
use std::time::Duration;
use url::Url;

/// A complete response whose status is final (2xx, or an error not worth retrying).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
}

/// What to send: built (and its idempotency key fixed) once per logical call.
pub(crate) struct Request {
    /// `"POST /customers"`: the only request detail that is logged.
    pub(crate) route: &'static str,
    pub(crate) method: Method,
    pub(crate) url: Url,
    /// Shared, so every attempt sends these bytes without copying them.
    pub(crate) body: Option<Bytes>,
}

impl Request {
    pub(crate) fn new(route: &'static str, method: Method, url: Url) -> Self {
        Request {
            route,
            method,
            url,
            body: None,
        }
    }

    /// Serialises `body` once; every attempt sends these exact bytes.
    pub(crate) fn json(mut self, body: &impl serde::Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Validation {
            field: "body",
            reason: format!("cannot be encoded as JSON: {e}"),
        })?;
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    /// Appends query pairs.
    pub(crate) fn query(mut self, pairs: &[(&str, String)]) -> Self {
        if !pairs.is_empty() {
            let mut q = self.url.query_pairs_mut();
            for (k, v) in pairs {
                q.append_pair(k, v);
            }
        }
        self
    }
}

use crate::error::is_retryable_status;

impl Inner {
    /// Sends `req` under the retry policy; `Ok` carries any final status.
    pub(crate) async fn send(&self, req: &Request) -> Result<Reply> {
        self.retry.run(|attempt| self.attempt(req, attempt)).await
    }

    /// Sends `req` and decodes a 2xx answer into `T`; other statuses become errors.
    pub(crate) async fn call<T: DeserializeOwned>(&self, req: Request) -> Result<T> {
        let reply = self.send(&req).await?;
        reply.decode(req.route)
    }

    /// One attempt; a retryable status becomes a [`Failure`].
    async fn attempt(&self, req: &Request, attempt: u32) -> Result<Reply, Failure> {
        let (reply, retry_after) = self.exchange(req, attempt).await?;
        if is_retryable_status(reply.status) {
            return Err(Failure {
                error: api_error(reply.status, &reply.body, retry_after),
                retry_after: retry_after.or_else(|| body_retry_after(&reply.body)),
            });
        }
        Ok(reply)
    }

    /// One attempt whatever the status (for `ping`, where 503 is an answer).
    pub(crate) async fn attempt_any(&self, req: &Request, attempt: u32) -> Result<Reply, Failure> {
        Ok(self.exchange(req, attempt).await?.0)
    }

    /// Sends once and reads the whole body.
    async fn exchange(
        &self,
        req: &Request,
        attempt: u32,
    ) -> Result<(Reply, Option<Duration>), Failure> {
        let mut builder = self
            .http
            .request(req.method.clone(), req.url.clone())
            .header(AUTHORIZATION, self.auth.clone())
            .header(ACCEPT, "application/json");
        if let Some(body) = &req.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let response = builder.send().await.map_err(transport_failure)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        // A body that breaks off mid-way is a transport failure, retried like one.
        let body = response.bytes().await.map_err(transport_failure)?;
        // A server (or a proxy) may echo the Authorization header or another
        // registered secret: scrub it before the body becomes an error, a
        // log line or a dead letter.
        let body = match crate::privacy::scrub_server_bytes(&body) {
            Some(scrubbed) => Bytes::from(scrubbed),
            None => body,
        };
        tracing::debug!(target: "drip::client", route = req.route, status, attempt, "drip: response");
        Ok((Reply { status, body }, retry_after))
    }
}

impl Reply {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error this non-2xx reply stands for.
    pub(crate) fn error(&self) -> Error {
        api_error(self.status, &self.body, None)
    }

    /// The body as JSON, if it is JSON.
    pub(crate) fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Decodes a 2xx body into `T` (an empty body reads as `{"success":true}`,
    /// as the official SDKs treat 204).
    pub(crate) fn decode<T: DeserializeOwned>(self, route: &str) -> Result<T> {
        if !self.is_success() {
            return Err(self.error());
        }
        let body: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
            br#"{"success":true}"#
        } else {
            &self.body
        };
        serde_json::from_slice(body).map_err(|e| Error::Decode {
            message: format!(
                "{route} answered {} with an unexpected body ({e}); is the base URL a Drip API?",
                self.status
            ),
        })
    }
}

fn transport_failure(e: reqwest::Error) -> Failure {
    let error = if e.is_timeout() {
        Error::Timeout
    } else {
        Error::Network {
            message: crate::privacy::scrub_server_text(&describe(&e.without_url())),
        }
    };
    Failure {
        error,
        retry_after: None,
    }
}

/// The error and its causes on one line ("error sending request: connection refused").
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// Maps an error status and body as drip-api.md §5 describes: message from
/// `message`, else `error`; code from `code` (also inside a nested `error` object).
pub(crate) fn api_error(status: u16, body: &[u8], retry_after: Option<Duration>) -> Error {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    if status == 429 {
        return Error::RateLimited {
            retry_after: retry_after.or_else(|| body_retry_after(body)),
        };
    }
    let Some(json) = json.filter(serde_json::Value::is_object) else {
        return Error::Api {
            status,
            code: None,
            message: format!(
                "request failed with status {status} (non-JSON response){}",
                hint(status)
            ),
        };
    };
    let nested = json.get("error").filter(|e| e.is_object());
    let text = |key: &str| {
        json.get(key)
            .and_then(|v| v.as_str())
            .or_else(|| nested.and_then(|n| n.get(key)).and_then(|v| v.as_str()))
            .map(str::to_owned)
    };
    let message = text("message")
        .or_else(|| {
            json.get("error")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "request failed".to_owned());
    Error::Api {
        status,
        code: text("code"),
        message: format!("{message}{}", hint(status)),
    }
}

fn hint(status: u16) -> &'static str {
    match status {
        300..=399 => {
            " (a redirect, which drip never follows so the key cannot leak; check the base URL)"
        }
        401 => " (check DRIP_API_KEY: the key is missing, revoked or for another environment)",
        403 => " (this key may not perform this operation)",
        _ => "",
    }
}

/// `retryAfter` (seconds) from a JSON error body.
fn body_retry_after(body: &[u8]) -> Option<Duration> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let secs = json.get("retryAfter")?.as_f64()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_map_to_typed_errors() {
        let e = api_error(
            400,
            br#"{"message":"bad quantity","code":"VALIDATION_ERROR"}"#,
            None,
        );
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.code(), Some("VALIDATION_ERROR"));
        assert!(e.to_string().contains("bad quantity"));
        assert!(!e.is_retryable());

        let e = api_error(404, br#"{"error":"not found"}"#, None);
        assert!(e.to_string().contains("not found"));

        let e = api_error(422, br#"{"error":{"code":"X","message":"nested"}}"#, None);
        assert_eq!(e.code(), Some("X"));
        assert!(e.to_string().contains("nested"));

        let e = api_error(502, b"<html>bad gateway</html>", None);
        assert!(e.is_retryable());
        assert!(e.to_string().contains("non-JSON"));

        let e = api_error(429, br#"{"retryAfter":3}"#, None);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        let e = api_error(429, b"", Some(Duration::from_secs(7)));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    }
}
