//! Sends signed test deliveries (`POST /webhooks/{id}/test`) to `http://` endpoints, so
//! receivers can exercise signature verification end to end.
//!
//! Signature: header `x-drip-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
//! "<t>.<body>")>`, as the hosted API sends it.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, header};
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use sha2::Sha256;

/// Result of one delivery attempt.
pub(crate) struct Delivery {
    pub(crate) status: &'static str,
    pub(crate) response_code: Option<u16>,
    pub(crate) detail: String,
}

/// The `x-drip-signature` value for `body` signed at `timestamp`.
pub(crate) fn signature(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this arm is never taken.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

/// POSTs `body` to `url` with a signature; gives up after a few seconds.
pub(crate) async fn deliver(url: &str, secret: &str, delivery_id: &str, body: Vec<u8>) -> Delivery {
    let failed = |detail: String| Delivery {
        status: "failed",
        response_code: None,
        detail,
    };
    let Some(rest) = url.strip_prefix("http://") else {
        return failed("the emulator delivers only to http:// URLs".into());
    };
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    let timestamp = crate::clock::now_ms() / 1000;
    let request = Request::post(path)
        .header(header::HOST, authority)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "drip-emulator-webhooks")
        .header("x-drip-signature", signature(secret, timestamp, &body))
        .header("x-drip-event", "webhook.test")
        .header("x-drip-delivery-id", delivery_id)
        .body(Full::new(Bytes::from(body)));
    let Ok(request) = request else {
        return failed(format!("`{url}` is not a valid URL"));
    };
    let attempt = async {
        let stream = tokio::net::TcpStream::connect(authority)
            .await
            .map_err(|e| e.to_string())?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<u16, String>(response.status().as_u16())
    };
    match tokio::time::timeout(Duration::from_secs(5), attempt).await {
        Ok(Ok(code)) if (200..300).contains(&code) => Delivery {
            status: "delivered",
            response_code: Some(code),
            detail: "test event delivered".into(),
        },
        Ok(Ok(code)) => Delivery {
            status: "failed",
            response_code: Some(code),
            detail: format!("endpoint answered {code}"),
        },
        Ok(Err(e)) => failed(format!("delivery failed: {e}")),
        Err(_) => failed("delivery timed out after 5 s".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn signature_matches_a_known_hmac() {
        // HMAC-SHA256("whsec_test", "1700000000.{}"), computed independently with openssl.
        assert_eq!(
            signature("whsec_test", 1_700_000_000, b"{}"),
            "t=1700000000,v1=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
    }
}
