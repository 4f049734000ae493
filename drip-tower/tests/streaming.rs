//! Billing at the end of the response body, over real loopback HTTP (axum
//! server, reqwest client, emulator behind the pipeline): a client that
//! reads a streaming body to its end (or makes a HEAD request) is billed
//! once; one that reads part of it and drops the connection is not billed,
//! and its run ends `CANCELLED` with `status: "disconnected"`; tool calls
//! made while the body streams attach to the request's run.

mod common;

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::routing::get;
use bytes::Bytes;
use drip_tower::{CustomerFrom, DripLayer};
use std::pin::Pin;
use std::task::{Context, Poll};

const CHUNK: usize = 16 * 1024;

#[drip::tool(name = "render_chunk")]
fn render_chunk(n: usize) -> Bytes {
    Bytes::from(vec![b'a' + (n % 26) as u8; CHUNK])
}

/// `chunks` chunks made one per poll, each by a tool call, with no length
/// known up front (sent chunked).
struct Chunks {
    left: usize,
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        self.left -= 1;
        Poll::Ready(Some(Ok(http_body::Frame::data(render_chunk(self.left)))))
    }
}

async fn stream(Path(chunks): Path<usize>) -> Body {
    Body::new(Chunks { left: chunks })
}

async fn sized() -> String {
    "x".repeat(100_000)
}

#[test]
fn a_client_that_leaves_mid_stream_is_not_billed_and_one_that_reads_to_the_end_is_billed_once() {
    common::block_on(streaming());
}

async fn streaming() {
    let env = common::Env::start("streaming");
    let layer = DripLayer::builder(CustomerFrom::header("x-customer-id"))
        .meter("downloads")
        .build()
        .expect("layer");
    let app = Router::new()
        .route("/v1/stream/{chunks}", get(stream))
        .route("/v1/sized", get(sized))
        .layer(layer);
    let addr = common::serve(app).await;
    let http = reqwest::Client::new();

    // Read to the end: 8 chunks, billed once.
    let res = http
        .get(format!("http://{addr}/v1/stream/8"))
        .header("x-customer-id", "cus_whole")
        .send()
        .await
        .expect("request");
    let body = res.bytes().await.expect("body");
    assert_eq!(body.len(), 8 * CHUNK);

    // A body of known length read to the end: billed once.
    let res = http
        .get(format!("http://{addr}/v1/sized"))
        .header("x-customer-id", "cus_sized")
        .send()
        .await
        .expect("request");
    assert_eq!(res.text().await.expect("body").len(), 100_000);

    // A HEAD request has no body to send: billed when its head is made.
    let res = http
        .head(format!("http://{addr}/v1/sized"))
        .header("x-customer-id", "cus_head")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);

    // Read the first chunk of a 64 MiB stream, then drop the connection.
    let mut res = http
        .get(format!("http://{addr}/v1/stream/4096"))
        .header("x-customer-id", "cus_cut")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let first = res.chunk().await.expect("chunk").expect("a first chunk");
    assert!(!first.is_empty());
    drop(res);
    drop(http);

    // The cut request is recorded when the server notices the broken
    // connection and drops the body: wait for its run before settling.
    common::wait_for_run(&env, "the cut request", |r| r.customer_id == "cus_cut").await;
    env.settle().await;

    let usage = env.emulator.usage();
    let mut billed: Vec<_> = usage.iter().map(|u| u.customer_id.as_str()).collect();
    billed.sort_unstable();
    assert_eq!(
        billed,
        ["cus_head", "cus_sized", "cus_whole"],
        "only complete responses are billed"
    );
    let whole = usage
        .iter()
        .find(|u| u.customer_id == "cus_whole")
        .and_then(|u| u.metadata.as_ref())
        .expect("metadata");
    assert_eq!(whole["response_bytes"], 8 * CHUNK);
    assert_eq!(whole["route"], "/v1/stream/{chunks}");

    let runs = env.emulator.runs();
    let run_of = |customer: &str| {
        runs.iter()
            .find(|r| r.customer_id == customer)
            .unwrap_or_else(|| panic!("no run for {customer}"))
    };
    let cut = run_of("cus_cut");
    assert_eq!(cut.status, "CANCELLED");
    let meta = cut.metadata.as_ref().expect("run metadata");
    assert_eq!(meta["status"], "disconnected");
    assert_eq!(meta["status_code"], 200);
    let sent = meta["response_bytes"].as_u64().expect("response_bytes");
    assert!(sent >= CHUNK as u64 && sent < 4096 * CHUNK as u64, "{sent}");

    let whole = run_of("cus_whole");
    assert_eq!(whole.status, "COMPLETED");
    let meta = whole.metadata.as_ref().expect("metadata");
    assert_eq!(meta["route"], "/v1/stream/{chunks}");
    assert_eq!(meta["method"], "GET");
    assert_eq!(meta["response_bytes"], 8 * CHUNK);
    assert_eq!(run_of("cus_sized").status, "COMPLETED");

    // The chunks' tool calls attached to their request's run.
    let events = env.emulator.events();
    let tool_calls = |run: &str| {
        events
            .iter()
            .filter(|e| e.run_id == run && e.event_type == "tool.call")
            .count()
    };
    assert_eq!(tool_calls(&whole.id), 8);
    assert!(tool_calls(&cut.id) >= 1);
}
