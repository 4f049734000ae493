//! Plain-http (loopback) traffic never goes through a configured proxy, which
//! would carry the bearer key off the machine in clear text.

mod client_support;

use drip_runtime::model::TrackUsage;
use std::net::TcpListener;
use std::time::Duration;

// The only test in this binary: it owns the process environment.
#[tokio::test]
async fn loopback_http_ignores_proxy_settings() {
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let proxy_url = format!("http://127.0.0.1:{}", proxy.local_addr().unwrap().port());
    // SAFETY: no other test runs in this binary, and the variables are set
    // before any thread that could read them is started.
    unsafe {
        for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
            std::env::set_var(var, &proxy_url);
        }
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    let env = client_support::start().await;
    let tracked = env
        .pk
        .track_usage(TrackUsage::new("cus_1", "tokens", 1.0))
        .await
        .unwrap();
    assert!(tracked.success);
    assert_eq!(
        env.emulator.usage().len(),
        1,
        "the request reached the emulator directly"
    );
    std::thread::sleep(Duration::from_millis(50));
    assert!(proxy.accept().is_err(), "the proxy was contacted");
}
