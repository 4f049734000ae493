//! Subscriptions, checkout, portal sessions, entitlement plans, contracts and withdrawals over
//! raw HTTP: the wire forms the emulator answers, its refusals, and its state across a
//! restart with `--persist`.

mod common;

use common::{Api, Key};
use drip_emulator::Emulator;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn answers_use_the_wire_forms_and_bad_bodies_are_refused() {
    let api = Api::start();
    let cus = api
        .post("/customers", json!({"externalCustomerId": "u1"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let checkout = api
        .post(
            "/checkout",
            json!({"customer_id": cus, "amount": 5000, "return_url": "https://a.example/"}),
        )
        .await;
    assert_eq!(checkout.status, 201);
    assert_eq!(checkout.body["amount_usd"], 50.0);
    assert!(checkout.body["expires_at"].is_string(), "{}", checkout.body);
    // camelCase is not checkout's form.
    let camel = api
        .post(
            "/checkout",
            json!({"customerId": cus, "amount": 5000, "returnUrl": "https://a.example/"}),
        )
        .await;
    assert_eq!(camel.status, 400);
    let small = api
        .post(
            "/checkout",
            json!({"amount": 499, "return_url": "https://a.example/"}),
        )
        .await;
    assert_eq!(
        (small.status, small.body["code"].as_str()),
        (400, Some("VALIDATION_ERROR"))
    );

    let sub = api
        .post(
            "/subscriptions",
            json!({"customerId": cus, "name": "Pro", "interval": "MONTHLY", "priceUsdc": 49}),
        )
        .await;
    assert_eq!(sub.status, 201);
    assert_eq!(sub.body["priceUsdc"], "49");
    let weekly = api
        .post(
            "/subscriptions",
            json!({"customerId": cus, "name": "P", "interval": "FORTNIGHTLY", "priceUsdc": 1}),
        )
        .await;
    assert_eq!(weekly.status, 400);
    let id = sub.body["id"].as_str().unwrap();
    // `/resume` and `/cancel` take no body or an empty one.
    let resume = api
        .call(
            Method::POST,
            &format!("/subscriptions/{id}/resume"),
            Key::Public,
            None,
        )
        .await;
    assert_eq!(
        (resume.status, resume.body["code"].as_str()),
        (409, Some("SUBSCRIPTION_NOT_PAUSED"))
    );
    let cancel = api
        .call(
            Method::POST,
            &format!("/subscriptions/{id}/cancel"),
            Key::Public,
            None,
        )
        .await;
    assert_eq!(cancel.status, 200);
    assert_eq!(cancel.body["cancelAtPeriodEnd"], true);

    let w = api
        .post(
            "/withdrawals",
            json!({"amount_usdc": "100.00", "idempotency_key": "k1"}),
        )
        .await;
    assert_eq!(
        (w.status, w.body["net_amount_usdc"].as_str()),
        (201, Some("99"))
    );
    let again = api
        .post(
            "/withdrawals",
            json!({"amount_usdc": "100.00", "idempotency_key": "k1"}),
        )
        .await;
    assert_eq!((again.status, &again.body["id"]), (200, &w.body["id"]));
    let fee = api.get("/withdrawals/fee-estimate?amount_usdc=abc").await;
    assert_eq!(fee.status, 400);
    let no_key = api
        .post("/withdrawals", json!({"amount_usdc": "100.00"}))
        .await;
    assert_eq!(no_key.status, 400);

    assert_eq!(api.get("/events/not-an-id").await.status, 404);
    assert_eq!(api.get("/events?outcome=MAYBE").await.status, 400);
    let unauthenticated = api
        .call(Method::GET, "/subscriptions", Key::None, None)
        .await;
    assert_eq!(unauthenticated.status, 401);
}

#[tokio::test]
async fn billing_state_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("drip-emulator-commerce-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let start = || Api::with(Emulator::builder().persist(&path).start_blocking().unwrap());

    let api = start();
    let cus = api
        .post("/customers", json!({"externalCustomerId": "u1"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sub = api
        .post(
            "/subscriptions",
            json!({"customerId": cus, "name": "Pro", "interval": "DAILY", "priceUsdc": 1}),
        )
        .await;
    let sub_id = sub.body["id"].as_str().unwrap().to_owned();
    api.post(&format!("/subscriptions/{sub_id}/pause"), json!({}))
        .await;
    let plan = api
        .post(
            "/entitlement-plans",
            json!({"name": "Free", "slug": "free"}),
        )
        .await;
    let plan_id = plan.body["id"].as_str().unwrap().to_owned();
    api.post(
        &format!("/entitlement-plans/{plan_id}/rules"),
        json!({"featureKey": "searches", "limitType": "COUNT", "period": "MONTHLY", "limitValue": 2}),
    )
    .await;
    let contract = api
        .post("/contracts", json!({"customerId": cus, "name": "C", "startDate": "2026-01-01T00:00:00Z", "discountPct": 50}))
        .await;
    assert_eq!(contract.status, 201);
    let session = api
        .post(
            "/checkout",
            json!({"customer_id": cus, "amount": 1000, "return_url": "https://a.example/"}),
        )
        .await;
    let session_id = session.body["id"].as_str().unwrap().to_owned();
    api.emu.shutdown();
    drop(api);

    let api = start();
    let sub = api.get(&format!("/subscriptions/{sub_id}")).await;
    assert_eq!(sub.body["status"], "PAUSED");
    let rules = api
        .get(&format!("/entitlement-plans/{plan_id}/rules"))
        .await;
    assert_eq!(rules.body["rules"][0]["limitValue"], 2.0);
    let contracts = api.get(&format!("/contracts?customerId={cus}")).await;
    assert_eq!(contracts.body["contracts"][0]["discountPct"], 50.0);
    assert_eq!(
        api.emu.complete_checkout(&session_id).as_deref(),
        Some(cus.as_str())
    );
    let balance = api.get(&format!("/customers/{cus}/balance")).await;
    assert_eq!(balance.body["balanceUsdc"], "10");
    api.emu.shutdown();
    drop(api);
    std::fs::remove_dir_all(&dir).unwrap();
}
