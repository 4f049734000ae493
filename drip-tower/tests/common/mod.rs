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

/// Runs `test` on a two-worker runtime, as a server under load runs.
pub fn block_on<F: std::future::Future>(test: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(test)
}

/// Waits until a run `found` accepts has reached the emulator. A request
/// whose client went away is recorded when the server drops its task or its
/// body, which can happen after the client has moved on: a flush right then
/// could end just before the record is queued.
pub async fn wait_for_run(
    env: &Env,
    what: &str,
    found: impl Fn(&drip_emulator::RunRecord) -> bool,
) {
    let waited = std::time::Instant::now();
    while !env.emulator.runs().iter().any(&found) {
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "{what}: the run never arrived"
        );
        drip::flush(Duration::from_secs(1)).await;
        tokio::time::sleep(Duration::from_millis(10)).await;
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
