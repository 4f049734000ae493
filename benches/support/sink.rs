//! A minimal loopback server that answers like the Drip API and does nothing
//! else (no storage, no validation), so what a benchmark measures is the
//! SDK's own cost; the emulator's ingestion would hide it. It counts the
//! events it was sent, and can stall: accept requests and never answer.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, patch, post};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What the sink was sent, and whether it answers.
#[derive(Default)]
pub struct Sink {
    pub events: AtomicU64,
    runs: AtomicU64,
    stalled: AtomicBool,
}

impl Sink {
    /// While stalled, requests are read and never answered.
    #[allow(dead_code)] // not every benchmark stalls it
    pub fn stall(&self, stalled: bool) {
        self.stalled.store(stalled, Ordering::Relaxed);
    }

    async fn answer(&self) {
        if self.stalled.load(Ordering::Relaxed) {
            std::future::pending::<()>().await;
        }
    }
}

fn count_events(body: &[u8]) -> u64 {
    // Each event of a batch or a record body carries one `"eventType"`.
    body.windows(11).filter(|w| w == b"\"eventType\"").count() as u64
}

fn json(body: String) -> ([(&'static str, &'static str); 1], String) {
    ([("content-type", "application/json")], body)
}

async fn start_run(State(sink): State<Arc<Sink>>) -> impl axum::response::IntoResponse {
    sink.answer().await;
    let n = sink.runs.fetch_add(1, Ordering::Relaxed);
    json(format!(r#"{{"id":"run_{n}","status":"RUNNING"}}"#))
}

async fn end_run(State(sink): State<Arc<Sink>>) -> impl axum::response::IntoResponse {
    sink.answer().await;
    json(r#"{"id":"run","status":"COMPLETED"}"#.to_owned())
}

async fn batch(State(sink): State<Arc<Sink>>, body: Bytes) -> impl axum::response::IntoResponse {
    sink.answer().await;
    let n = count_events(&body);
    sink.events.fetch_add(n, Ordering::Relaxed);
    json(format!(
        r#"{{"success":true,"created":{n},"duplicates":0}}"#
    ))
}

async fn record(State(sink): State<Arc<Sink>>, body: Bytes) -> impl axum::response::IntoResponse {
    sink.answer().await;
    let n = count_events(&body);
    sink.events.fetch_add(n, Ordering::Relaxed);
    let r = sink.runs.fetch_add(1, Ordering::Relaxed);
    json(format!(
        r#"{{"run":{{"id":"run_{r}","status":"COMPLETED"}},"events":{{"created":{n},"duplicates":0}}}}"#
    ))
}

async fn workflows() -> impl axum::response::IntoResponse {
    json(r#"{"data":[{"id":"wf_1","name":"bench","slug":"bench"}],"count":1}"#.to_owned())
}

async fn create_workflow() -> impl axum::response::IntoResponse {
    json(r#"{"id":"wf_1","name":"bench","slug":"bench"}"#.to_owned())
}

/// Starts the sink on its own thread; returns its base URL.
pub fn start(sink: Arc<Sink>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new()
                .route("/v1/runs", post(start_run))
                .route("/v1/runs/{id}", patch(end_run))
                .route("/v1/runs/record", post(record))
                .route("/v1/run-events/batch", post(batch))
                .route("/v1/workflows", get(workflows).post(create_workflow))
                .with_state(sink);
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{addr}/v1")
}
