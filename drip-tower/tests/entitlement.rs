//! EntitlementLayer over real loopback HTTP: 402 once a quota is used up
//! (usage tracked by DripLayer consumes it), one check per customer for a
//! burst of concurrent requests, and fail-open / fail-closed with Drip down.

mod common;

use axum::Router;
use axum::routing::get;
use drip_tower::{CustomerFrom, DripLayer, EntitlementLayer, WhenUnavailable};
use std::time::Duration;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn customer() -> CustomerFrom {
    CustomerFrom::header("x-customer-id")
}

#[test]
fn a_used_up_quota_answers_402_with_a_problem_body() {
    runtime().block_on(async {
        let env = common::Env::start("quota");
        env.emulator.set_entitlement_limit("searches", 3);
        let gate = EntitlementLayer::builder(env.client(), "searches", customer())
            .ttl(Duration::ZERO)
            .build()
            .expect("gate");
        let meter = DripLayer::builder(customer())
            .meter("searches")
            .build()
            .expect("layer");
        let app = Router::new()
            .route("/v1/search", get(|| async { "results" }))
            .layer(meter)
            .layer(gate);
        let addr = common::serve(app).await;
        let http = reqwest::Client::new();
        let get = || {
            http.get(format!("http://{addr}/v1/search"))
                .header("x-customer-id", "cus_quota")
                .send()
        };
        for _ in 0..3 {
            assert_eq!(get().await.expect("request").status(), 200);
            env.settle().await;
        }
        let refused = get().await.expect("request");
        assert_eq!(refused.status(), 402);
        assert_eq!(
            refused.headers()["content-type"],
            "application/problem+json"
        );
        let problem: serde_json::Value =
            serde_json::from_str(&refused.text().await.expect("body")).expect("json body");
        assert_eq!(problem["status"], 402);
        assert_eq!(problem["feature"], "searches");
        env.settle().await;
        assert_eq!(
            env.emulator.usage().len(),
            3,
            "the refused request is not billed"
        );
        // Another customer is unaffected.
        let other = http
            .get(format!("http://{addr}/v1/search"))
            .header("x-customer-id", "cus_other")
            .send()
            .await
            .expect("request");
        assert_eq!(other.status(), 200);
    });
}

#[test]
fn concurrent_requests_of_one_customer_share_one_check_and_decisions_are_cached() {
    runtime().block_on(async {
        let emulator = drip_emulator::Emulator::builder()
            .start_blocking()
            .expect("emulator");
        let client = drip::Client::builder()
            .api_key(emulator.secret_key())
            .base_url(emulator.base_url())
            .build()
            .expect("client");
        emulator.faults().latency(Duration::from_millis(100));
        // Long enough that a loaded machine cannot turn the one slow check
        // into a timeout (the gate would then fail open without it).
        let gate = EntitlementLayer::builder(client, "reports", customer())
            .ttl(Duration::from_secs(600))
            .timeout(Duration::from_secs(30))
            .build()
            .expect("gate");
        let app = Router::new()
            .route("/r", get(|| async { "ok" }))
            .layer(gate);
        let addr = common::serve(app).await;
        let http = reqwest::Client::new();
        let mut burst = Vec::new();
        for _ in 0..50 {
            let req = http
                .get(format!("http://{addr}/r"))
                .header("x-customer-id", "cus_burst")
                .send();
            burst.push(tokio::spawn(req));
        }
        for r in burst {
            assert_eq!(r.await.expect("task").expect("request").status(), 200);
        }
        let checks = emulator
            .requests()
            .iter()
            .filter(|r| r.path_and_query.ends_with("/entitlements/check"))
            .count();
        assert_eq!(checks, 1, "fifty concurrent requests, one check");
    });
}

#[test]
fn with_drip_unreachable_the_gate_fails_open_or_closed_as_configured() {
    runtime().block_on(async {
        let emulator = drip_emulator::Emulator::builder()
            .start_blocking()
            .expect("emulator");
        let client = drip::Client::builder()
            .api_key(emulator.secret_key())
            .base_url(emulator.base_url())
            .build()
            .expect("client");
        emulator.shutdown();
        let gated = |policy| {
            let gate = EntitlementLayer::builder(client.clone(), "reports", customer())
                .timeout(Duration::from_millis(300))
                .when_unavailable(policy)
                .build()
                .expect("gate");
            Router::new()
                .route("/r", get(|| async { "ok" }))
                .layer(gate)
        };
        let open = common::serve(gated(WhenUnavailable::Allow)).await;
        let closed = common::serve(gated(WhenUnavailable::Refuse)).await;
        let http = reqwest::Client::new();
        let before = drip::stats().requests;
        let res = http
            .get(format!("http://{open}/r"))
            .header("x-customer-id", "cus_1")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200);
        let res = http
            .get(format!("http://{closed}/r"))
            .header("x-customer-id", "cus_1")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 503);
        let problem: serde_json::Value =
            serde_json::from_str(&res.text().await.expect("body")).expect("json body");
        assert_eq!(problem["status"], 503);
        let after = drip::stats().requests;
        assert!(after.entitlement_failed_open > before.entitlement_failed_open);
        assert!(after.entitlement_failed_closed > before.entitlement_failed_closed);
    });
}
