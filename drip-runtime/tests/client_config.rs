//! Client configuration: environment lookup, key and URL trust rules, and
//! redirects (a raw loopback socket plays the misbehaving server).

mod client_support;

use client_support::{json_response, one_shot_server, scripted_server};
use drip_runtime::{Client, Error, RetryPolicy};
use std::net::TcpListener;
use std::time::Duration;

const KEY: &str = "sk_test_Zx9secretvalue";

#[test]
fn untrusted_base_urls_are_refused_before_any_request() {
    for url in [
        "http://api.drippay.dev/v1",
        "http://192.168.1.10:8080/v1",
        "https://sk_live_x:pw@api.drippay.dev/v1",
        "file:///etc/passwd",
        "https://api.drippay.dev/v1#frag",
    ] {
        let err = Client::builder()
            .api_key(KEY)
            .base_url(url)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{url}: {err}");
    }
    for url in [
        "http://127.0.0.1:1/v1",
        "http://[::1]:1/v1",
        "http://localhost:1/v1",
        "https://drip.example.com/v1",
    ] {
        Client::builder()
            .api_key(KEY)
            .base_url(url)
            .build()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}

#[test]
fn keys_are_validated_and_never_shown() {
    for (key, ok) in [
        ("pk_live_0123456789", true),
        ("sk_test_0123456789", true),
        ("pk_12345", false),
        ("rk_live_0123456789", false),
        ("Bearer sk_live_0123456789", false),
    ] {
        let built = Client::builder().api_key(key).build();
        assert_eq!(built.is_ok(), ok, "{key}");
        if let Err(e) = built {
            assert!(!e.to_string().contains(key) && !format!("{e:?}").contains(key));
        }
    }
    let builder = Client::builder().api_key(KEY);
    assert!(!format!("{builder:?}").contains("secretvalue"));
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains("secretvalue"));
    assert!(!format!("{:?}", client.admin().unwrap()).contains("secretvalue"));
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let at = std::time::SystemTime::now() + Duration::from_secs(2);
    let (port, seen) = scripted_server(vec![
        json_response(
            "503 Service Unavailable",
            &format!("Retry-After: {}\r\n", httpdate::fmt_http_date(at)),
            r#"{"error":"maintenance"}"#,
        ),
        json_response("200 OK", "", r#"{"data":[],"count":0}"#),
    ]);
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let list = client.list_workflows().await.unwrap();
    assert!(list.data.is_empty());
    // The date is whole seconds, so the wait is more than one second; the
    // client's own backoff (1 ms) cannot explain 900 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(std::iter::from_fn(|| seen.try_recv().ok()).count(), 2);
}

#[tokio::test]
async fn a_success_with_a_foreign_body_is_a_decode_error_not_retried() {
    let (port, seen) = one_shot_server(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<html></html>",
    );
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .build()
        .unwrap();
    let err = client.list_workflows().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(
        err.to_string().contains("base URL"),
        "says what to check: {err}"
    );
    assert!(!err.is_retryable());
    assert_eq!(std::iter::from_fn(|| seen.try_recv().ok()).count(), 1);
}

#[tokio::test]
async fn redirects_are_never_followed() {
    // The redirect target would receive the bearer key if it were followed.
    let (target_port, target_seen) =
        one_shot_server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    let (port, seen) = one_shot_server(&format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{target_port}/v1/customers/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    ));
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.get_customer("cus_1").await.unwrap_err();
    assert_eq!(err.status(), Some(307), "{err}");
    assert!(
        err.to_string().contains("base URL"),
        "says what to check: {err}"
    );
    let request = seen.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(request.starts_with("GET /v1/customers/cus_1 "), "{request}");
    assert!(
        request
            .to_ascii_lowercase()
            .contains(&format!("authorization: bearer {KEY}").to_ascii_lowercase())
    );
    assert!(
        request.contains(concat!("drip-rust/", env!("CARGO_PKG_VERSION"))),
        "{request}"
    );
    assert!(target_seen.try_recv().is_err(), "the redirect was followed");
    assert!(!err.to_string().contains("secretvalue"));
}

#[tokio::test]
async fn a_body_cut_short_is_a_retryable_network_error() {
    let (port, seen) = one_shot_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\nConnection: close\r\n\r\n{\"id\":\"cus_",
    );
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    let err = client.get_customer("cus_1").await.unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(err.is_retryable());
    let attempts = std::iter::from_fn(|| seen.recv_timeout(Duration::from_secs(5)).ok())
        .take(3)
        .count();
    assert_eq!(attempts, 3, "every attempt reached the server");
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error_after_retries() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let err = client.list_workflows().await.unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(err.to_string().contains("DRIP_API_URL"));
    assert!(!format!("{err:?}").contains("secretvalue"));
}
