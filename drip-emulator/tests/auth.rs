mod common;

use common::{Api, Key};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn health_needs_no_key_and_reports_healthy() {
    let api = Api::start();
    let a = api.call(Method::GET, "/health", Key::None, None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["status"], "healthy");
    assert!(a.body["timestamp"].as_u64().is_some());
}

#[tokio::test]
async fn missing_or_unknown_key_is_401_and_stores_nothing() {
    let api = Api::start();
    let body = json!({"customerId": "cus_1", "usageType": "tokens", "quantity": 5});
    for key in [Key::None, Key::Wrong] {
        let a = api
            .call(Method::POST, "/usage/internal", key, Some(&body))
            .await;
        assert_eq!(a.status, 401);
        assert_eq!(a.body["code"], "UNAUTHORIZED");
        assert!(a.body["error"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert!(api.emu.usage().is_empty());
}

#[tokio::test]
async fn public_key_may_track_usage_runs_and_customers() {
    let api = Api::start();
    let a = api
        .post(
            "/usage/internal",
            json!({"customerId": "cus_1", "usageType": "tokens", "quantity": 5}),
        )
        .await;
    assert_eq!(a.status, 200);
    let a = api
        .post("/customers", json!({"externalCustomerId": "u1"}))
        .await;
    assert_eq!(a.status, 201);
    let run = api.run("flow").await;
    assert!(run.starts_with("run_"));
    let a = api
        .post(
            "/entitlements/check",
            json!({"customerId": "cus_1", "featureKey": "x"}),
        )
        .await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn webhooks_refuse_the_public_key_with_403() {
    let api = Api::start();
    let a = api
        .post(
            "/webhooks",
            json!({"url": "https://example.com/hook", "events": ["usage.recorded"]}),
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(a.body["code"], "PUBLIC_KEY_NOT_ALLOWED");
    let a = api.get("/webhooks").await;
    assert_eq!(a.status, 403);
}

#[tokio::test]
async fn authorization_header_is_never_logged() {
    let api = Api::start();
    api.post(
        "/usage/internal",
        json!({"customerId": "cus_1", "usageType": "tokens", "quantity": 1}),
    )
    .await;
    let log = serde_json::to_string(&api.emu.requests()).expect("serialise");
    assert!(!log.contains(api.emu.public_key()));
    assert!(!log.contains(api.emu.secret_key()));
}

#[test]
fn builder_rejects_malformed_keys_and_accepts_given_ones() {
    use drip_emulator::{Emulator, EmulatorError};
    for (pk, sk) in [
        ("sk_test_wrongkind", "sk_test_secretkey"),
        ("pk_short", "sk_test_secretkey"),
        ("pk_test_publickey", "pk_test_publickey"),
    ] {
        let err = Emulator::builder()
            .public_key(pk)
            .secret_key(sk)
            .start_blocking()
            .unwrap_err();
        assert!(matches!(err, EmulatorError::InvalidKey { .. }), "{err}");
        assert!(!err.to_string().contains(pk));
    }
    let emu = Emulator::builder()
        .public_key("pk_test_given_key")
        .secret_key("sk_test_given_key")
        .start_blocking()
        .unwrap();
    assert_eq!(emu.public_key(), "pk_test_given_key");
    assert_eq!(emu.secret_key(), "sk_test_given_key");
    assert!(!format!("{emu:?}").contains("given_key"));
}
