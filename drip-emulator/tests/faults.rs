//! Fault injection: programmatic and over the admin route.

mod common;

use std::time::Duration;

use common::{Api, Key};
use reqwest::Method;
use serde_json::json;

fn usage(key: &str) -> serde_json::Value {
    json!({"customerId": "cus_1", "usageType": "tokens", "quantity": 1, "idempotencyKey": key})
}

#[tokio::test]
async fn commit_then_drop_stores_once_and_the_client_sees_an_error() {
    let api = Api::start();
    api.emu.faults().drop_next(1);
    let sent = api
        .request(
            Method::POST,
            "/usage/internal",
            Key::Public,
            Some(&usage("k1")),
        )
        .send()
        .await;
    assert!(
        sent.is_err(),
        "the client must see a broken connection, got {sent:?}"
    );
    assert_eq!(
        api.emu.usage().len(),
        1,
        "the request was committed before the drop"
    );
    // The client retries with the same key: stored once, answered as a duplicate.
    let retry = api.post("/usage/internal", usage("k1")).await;
    assert_eq!(retry.status, 200);
    assert_eq!(retry.body["isDuplicate"], true);
    assert_eq!(api.emu.usage().len(), 1);
    let log = api.emu.requests();
    assert_eq!(log.len(), 2);
    assert!(log[0].dropped);
    assert_eq!(log[0].status, Some(200));
    assert_eq!(log[0].idempotency_keys, ["k1"]);
    assert!(!log[1].dropped);
}

#[tokio::test]
async fn commit_then_drop_rate_one_drops_every_request() {
    let api = Api::start();
    api.emu.faults().commit_then_drop(1.0);
    for n in 0..3 {
        let sent = api
            .request(
                Method::POST,
                "/usage/internal",
                Key::Public,
                Some(&usage(&format!("k{n}"))),
            )
            .send()
            .await;
        assert!(sent.is_err());
    }
    assert_eq!(api.emu.usage().len(), 3);
    api.emu.faults().clear();
    assert_eq!(api.post("/usage/internal", usage("k9")).await.status, 200);
}

#[tokio::test]
async fn injected_429_carries_retry_after_and_stores_nothing() {
    let api = Api::start();
    api.emu.faults().error_rate(429, 1.0).retry_after(7);
    let a = api.post("/usage/internal", usage("k1")).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.headers.get("retry-after").unwrap(), "7");
    assert_eq!(a.body["retryAfter"], 7);
    assert_eq!(a.body["code"], "RATE_LIMITED");
    assert!(api.emu.usage().is_empty());
    assert!(api.emu.requests()[0].injected);
    // /health is never faulted.
    assert_eq!(
        api.call(Method::GET, "/health", Key::None, None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn fail_next_answers_in_order_then_recovers() {
    let api = Api::start();
    api.emu.faults().fail_next(&[503, 500]);
    assert_eq!(api.post("/usage/internal", usage("k1")).await.status, 503);
    assert_eq!(api.post("/usage/internal", usage("k1")).await.status, 500);
    assert_eq!(api.post("/usage/internal", usage("k1")).await.status, 200);
    assert_eq!(api.emu.usage().len(), 1);
    let keys: Vec<Vec<String>> = api
        .emu
        .requests()
        .into_iter()
        .map(|r| r.idempotency_keys)
        .collect();
    assert!(keys.iter().all(|k| k == &["k1"]));
}

#[tokio::test]
async fn seeded_error_rates_are_reproducible_and_mixed() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let api = Api::start();
        api.emu
            .faults()
            .seed(seed)
            .error_rate(500, 0.3)
            .error_rate(503, 0.3);
        let mut out = Vec::new();
        for n in 0..40 {
            out.push(
                api.post("/usage/internal", usage(&format!("k{n}")))
                    .await
                    .status,
            );
        }
        out
    }
    let a = statuses(11).await;
    assert_eq!(a, statuses(11).await);
    for status in [200, 500, 503] {
        assert!(a.contains(&status), "{status} never appeared in {a:?}");
    }
}

#[tokio::test]
async fn record_endpoint_off_answers_404_only_there() {
    let api = Api::start();
    api.emu.faults().record_endpoint(false);
    let a = api
        .post(
            "/runs/record",
            json!({"customerId": "c", "workflow": "w", "status": "COMPLETED"}),
        )
        .await;
    assert_eq!(a.status, 404);
    assert!(api.emu.runs().is_empty());
    let wf = api.workflow("w").await;
    assert!(wf.starts_with("wf_"));
    api.emu.faults().record_endpoint(true);
    let a = api
        .post(
            "/runs/record",
            json!({"customerId": "c", "workflow": "w", "status": "COMPLETED"}),
        )
        .await;
    assert_eq!(a.status, 201);
}

#[tokio::test]
async fn path_prefix_limits_faults() {
    let api = Api::start();
    api.emu
        .faults()
        .error_rate(500, 1.0)
        .path_prefix(Some("/v1/run-events"));
    assert_eq!(api.post("/usage/internal", usage("k1")).await.status, 200);
    let run = api.run("flow").await;
    let a = api
        .post("/run-events", json!({"runId": run, "eventType": "x"}))
        .await;
    assert_eq!(a.status, 500);
}

#[tokio::test]
async fn stall_never_answers_and_shutdown_still_returns() {
    let api = Api::start();
    api.emu.faults().stall(true);
    let req = api
        .request(
            Method::POST,
            "/usage/internal",
            Key::Public,
            Some(&usage("k1")),
        )
        .timeout(Duration::from_millis(300));
    let err = req
        .send()
        .await
        .expect_err("a stalled request gets no answer");
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(api.emu.requests()[0].status, None);
    // A request still hanging must not keep the emulator from stopping.
    let pending = tokio::spawn(
        api.request(Method::GET, "/workflows", Key::Public, None)
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    api.emu.shutdown();
    let outcome = tokio::time::timeout(Duration::from_secs(20), pending)
        .await
        .expect("hang guard")
        .expect("task");
    assert!(
        outcome.is_err(),
        "the stalled request is cut off at shutdown"
    );
}

#[tokio::test]
async fn latency_delays_but_still_answers() {
    let api = Api::start();
    api.emu.faults().latency(Duration::from_millis(20));
    assert_eq!(api.post("/usage/internal", usage("k1")).await.status, 200);
    assert_eq!(api.emu.faults().config().latency_ms, 20);
}

#[tokio::test]
async fn admin_route_sets_and_clears_faults_with_the_secret_key() {
    let api = Api::start();
    let body =
        json!({"errorRates": {"503": 1.0}, "retryAfter": 2, "seed": 5, "pathPrefix": "/v1/usage"});
    let refused = api
        .call(Method::POST, "/_emulator/faults", Key::Public, Some(&body))
        .await;
    assert_eq!(refused.status, 403);
    let anonymous = api
        .call(Method::POST, "/_emulator/faults", Key::None, Some(&body))
        .await;
    assert_eq!(anonymous.status, 401);
    let a = api
        .call(Method::POST, "/_emulator/faults", Key::Secret, Some(&body))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["errorRates"]["503"], 1.0);
    assert_eq!(api.post("/usage/internal", usage("k1")).await.status, 503);
    let bad = api
        .call(
            Method::POST,
            "/_emulator/faults",
            Key::Secret,
            Some(&json!({"errorRates": {"503": 2.0}})),
        )
        .await;
    assert_eq!(bad.status, 400);
    let typo = api
        .call(
            Method::POST,
            "/_emulator/faults",
            Key::Secret,
            Some(&json!({"errorRate": {}})),
        )
        .await;
    assert_eq!(typo.status, 400);
    let cleared = api
        .call(
            Method::POST,
            "/_emulator/faults",
            Key::Secret,
            Some(&json!({"clear": true})),
        )
        .await;
    assert_eq!(cleared.body["errorRates"], json!({}));
    assert_eq!(api.post("/usage/internal", usage("k1")).await.status, 200);
    let drop = api
        .call(
            Method::POST,
            "/_emulator/faults",
            Key::Secret,
            Some(&json!({"dropNext": 1, "recordEndpoint": false})),
        )
        .await;
    assert_eq!(drop.status, 200);
    assert!(
        api.request(
            Method::POST,
            "/usage/internal",
            Key::Public,
            Some(&usage("k2"))
        )
        .send()
        .await
        .is_err()
    );
    let got = api
        .call(Method::GET, "/_emulator/faults", Key::Secret, None)
        .await;
    assert_eq!(got.body["recordEndpoint"], false);
    // Admin calls are not in the request log.
    assert!(
        api.emu
            .requests()
            .iter()
            .all(|r| !r.path_and_query.starts_with("/_emulator"))
    );
}
