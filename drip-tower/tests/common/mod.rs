//! Shared by the loopback tests: an emulator, a pipeline, an axum server.
#![allow(dead_code)]

use drip_emulator::{Emulator, EmulatorHandle};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// An emulator and the pipeline delivering to it; the spool is removed on drop.
pub struct Env {
    pub emulator: EmulatorHandle,
    guard: Option<drip::DripGuard>,
    spool: PathBuf,
}

impl Env {
    pub fn start(name: &str) -> Env {
        let emulator = Emulator::builder()
            .start_blocking()
            .expect("emulator starts");
        let spool = std::env::temp_dir().join(format!("drip-tower-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&spool);
        let guard = drip::init(
            drip::Config::new(emulator.secret_key())
                .base_url(emulator.base_url())
                .spool_dir(&spool)
                .linger(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(200))
                .request_timeout(Duration::from_secs(5)),
        )
        .expect("pipeline starts");
        Env {
            emulator,
            guard: Some(guard),
            spool,
        }
    }

    /// Waits until everything queued is acknowledged.
    pub async fn settle(&self) -> drip::FlushReport {
        let report = drip::flush(Duration::from_secs(60)).await;
        assert!(report.is_complete(), "{report:?}");
        report
    }

    pub fn client(&self) -> drip::Client {
        drip::Client::builder()
            .api_key(self.emulator.secret_key())
            .base_url(self.emulator.base_url())
            .build()
            .expect("client")
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        drop(self.guard.take());
        let _ = std::fs::remove_dir_all(&self.spool);
    }
}

/// Serves `app` on a loopback port; the server ends with the test's runtime.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Every body the emulator received, as text.
pub fn wire_text(emulator: &EmulatorHandle) -> String {
    emulator
        .requests()
        .iter()
        .map(|r| format!("{} {}\n", r.path_and_query, r.body_text()))
        .collect()
}
