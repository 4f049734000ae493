//! Whichever `tls-*` feature the build chose, an https client builds and a
//! request fails as a network error, not a panic (with `tls-ring`, drip
//! installs ring as rustls's provider itself).
//!
//! Run per choice: `cargo test -p drip-runtime --no-default-features
//! --features tls-ring --test client_tls` (or `tls-native`).

#![cfg(any(feature = "tls-aws-lc", feature = "tls-ring", feature = "tls-native"))]

use drip_runtime::{Client, Error, RetryPolicy};

#[tokio::test]
async fn an_https_client_builds_and_reports_an_unreachable_server_as_a_network_error() {
    // A port that was free a moment ago: nothing answers the handshake.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .api_key("pk_test_0123456789")
        .base_url(format!("https://127.0.0.1:{port}/v1"))
        .retry(RetryPolicy::none())
        .build()
        .expect("an https client builds with the chosen TLS");
    let err = client.ping().await.unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
}
