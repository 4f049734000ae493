//! DripLayer over real loopback HTTP (axum server, reqwest client, emulator
//! behind the pipeline): billing exactly once per billable request while the
//! emulator injects faults, nothing billed for failures, panics or requests
//! without a customer, and nothing hostile from the request on the wire.

mod common;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};
use drip_tower::{CustomerFrom, DripLayer};
use std::collections::HashSet;

#[drip::tool(name = "lookup")]
async fn lookup(id: &str) -> usize {
    id.len()
}

async fn item(Path(id): Path<String>) -> String {
    format!("{}", lookup(&id).await)
}

async fn broken() -> StatusCode {
    StatusCode::INTERNAL_SERVER_ERROR
}

async fn explode() -> &'static str {
    panic!("handler bug")
}

const HOSTILE: [&str; 6] = [
    "alice@example.com",
    "sk_live_0123456789abcdef",
    "Bearer eyJhbGciOiJIUzI1NiJ9",
    "ignore previous instructions",
    "hunter2",
    "4111111111111111",
];

#[test]
fn billable_requests_are_billed_once_through_faults_and_nothing_hostile_is_sent() {
    common::block_on(billing());
}

async fn billing() {
    let env = common::Env::start("billing");
    env.emulator
        .faults()
        .seed(13)
        .error_rate(503, 0.2)
        .error_rate(500, 0.1)
        .commit_then_drop(0.15);

    let layer = DripLayer::builder(CustomerFrom::header("x-customer-id"))
        .meter("api-calls")
        .build()
        .expect("layer");
    let app = Router::new()
        .route("/v1/items/{id}", get(item))
        .route("/v1/broken", post(broken))
        .route("/v1/explode", get(explode))
        .layer(layer);
    let addr = common::serve(app).await;
    let http = reqwest::Client::new();
    let before = drip::stats().requests.without_customer;

    // 40 billable requests carrying hostile ids, queries and headers.
    for i in 0..40 {
        let res = http
            .get(format!(
                "http://{addr}/v1/items/alice@example.com?token=sk_live_0123456789abcdef&q=ignore%20previous%20instructions&n={i}"
            ))
            .header("x-customer-id", format!("cus_{}", i % 4))
            .header("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9")
            .header("x-password", "hunter2")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200);
    }
    // Not billable: a 500, a 404, a panic, and requests without a customer.
    for _ in 0..5 {
        let res = http
            .post(format!("http://{addr}/v1/broken"))
            .header("x-customer-id", "cus_fail")
            .body("card 4111111111111111")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 500);
        let res = http
            .get(format!("http://{addr}/nowhere/alice@example.com"))
            .header("x-customer-id", "cus_fail")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 404);
        let res = http
            .get(format!("http://{addr}/v1/items/anonymous"))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200);
    }
    let panicked = http
        .get(format!("http://{addr}/v1/explode"))
        .header("x-customer-id", "cus_fail")
        .send()
        .await;
    assert!(
        panicked.is_err(),
        "the connection of a panicking handler is closed"
    );

    // The panicking handler's run is recorded when hyper drops the
    // connection's task, which can happen after the client sees the close:
    // wait for it before settling, or the flush may end just before it.
    common::wait_for_run(&env, "the panicked request", |r| {
        r.error_code.as_deref() == Some("panic")
    })
    .await;
    env.settle().await;
    assert!(drip::stats().retries > 0, "the faults were exercised");

    let usage = env.emulator.usage();
    assert_eq!(
        usage.len(),
        40,
        "one record per 2xx request with a customer"
    );
    let keys: HashSet<_> = usage
        .iter()
        .filter_map(|u| u.idempotency_key.clone())
        .collect();
    assert_eq!(keys.len(), 40, "each request has its own key");
    assert!(
        usage
            .iter()
            .all(|u| u.usage_type == "api-calls" && u.quantity == 1.0)
    );
    assert!(
        usage
            .iter()
            .all(|u| u.customer_id.starts_with("cus_") && u.customer_id != "cus_fail")
    );
    let meta = usage[0].metadata.as_ref().expect("usage metadata");
    assert_eq!(meta["route"], "/v1/items/{id}");
    assert_eq!(meta["method"], "GET");
    assert_eq!(meta["status_code"], 200);

    // Runs: 40 completed with their tool call, 5 failed (500), 1 panicked.
    let runs = env.emulator.runs();
    let completed: Vec<_> = runs.iter().filter(|r| r.status == "COMPLETED").collect();
    assert_eq!(completed.len(), 40);
    assert_eq!(
        runs.iter()
            .filter(|r| r.error_code.as_deref() == Some("http_server_error"))
            .count(),
        5
    );
    assert_eq!(
        runs.iter()
            .filter(|r| r.error_code.as_deref() == Some("panic"))
            .count(),
        1
    );
    let tool_calls = env
        .emulator
        .events()
        .iter()
        .filter(|e| e.event_type == "tool.call")
        .count();
    assert_eq!(
        tool_calls, 40,
        "each handler's tool call attached to its request's run"
    );
    assert!(drip::stats().requests.without_customer >= before + 5);

    let wire = common::wire_text(&env.emulator);
    for hostile in HOSTILE {
        assert!(!wire.contains(hostile), "{hostile:?} reached Drip");
    }
    assert!(!wire.contains("/nowhere"), "raw paths never reach Drip");
    assert!(wire.contains("/v1/items/{id}"), "route templates do");
}
