//! Customers, usage and workflows: shapes, idempotency, conflicts, validation.

mod common;

use common::Api;
use serde_json::json;

#[tokio::test]
async fn customer_create_get_list_and_conflict() {
    let api = Api::start();
    let a = api.post("/customers", json!({"externalCustomerId": "user_1", "isInternal": false, "metadata": {"plan": "pro"}})).await;
    assert_eq!(a.status, 201);
    let id = a.body["id"].as_str().unwrap().to_owned();
    for field in [
        "id",
        "externalCustomerId",
        "onchainAddress",
        "isInternal",
        "status",
        "metadata",
        "createdAt",
        "updatedAt",
    ] {
        assert!(a.body.get(field).is_some(), "missing {field}");
    }
    assert_eq!(a.body["status"], "ACTIVE");

    let got = api.get(&format!("/customers/{id}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["externalCustomerId"], "user_1");

    let dup = api
        .post("/customers", json!({"externalCustomerId": "user_1"}))
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.body["existingCustomerId"], id.as_str());

    api.post("/customers", json!({"onchainAddress": "0xabc"}))
        .await;
    let list = api.get("/customers?limit=1&offset=1").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["count"], 1);
    assert_eq!(list.body["data"][0]["onchainAddress"], "0xabc");
    let list = api.get("/customers?status=ACTIVE").await;
    assert_eq!(list.body["count"], 2);
    assert_eq!(api.get("/customers?limit=0").await.status, 400);
    assert_eq!(api.get("/customers/cus_missing").await.status, 404);
}

#[tokio::test]
async fn a_conflict_can_leave_out_the_existing_customer_and_listing_pages_reach_it() {
    let api = Api::start();
    for i in 0..120 {
        let created = api
            .post(
                "/customers",
                json!({"externalCustomerId": format!("user_{i}")}),
            )
            .await;
        assert_eq!(created.status, 201);
    }
    api.emu.faults().conflict_without_existing_id(true);
    let dup = api
        .post("/customers", json!({"externalCustomerId": "user_110"}))
        .await;
    assert_eq!(dup.status, 409);
    assert!(dup.body.get("existingCustomerId").is_none(), "{}", dup.body);
    assert_eq!(api.emu.customers().len(), 120, "nothing created");
    let second = api.get("/customers?limit=100&offset=100").await;
    assert_eq!(second.body["count"], 20);
    assert_eq!(second.body["data"][10]["externalCustomerId"], "user_110");
    // Over the admin route as well, and off again.
    let off = api
        .call(
            reqwest::Method::POST,
            "/_emulator/faults",
            common::Key::Secret,
            Some(&json!({"conflictWithoutExistingId": false})),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    let dup = api
        .post("/customers", json!({"externalCustomerId": "user_110"}))
        .await;
    assert!(dup.body["existingCustomerId"].is_string());
}

#[tokio::test]
async fn customer_needs_an_identifier() {
    let api = Api::start();
    let a = api
        .post("/customers", json!({"metadata": {"plan": "pro"}}))
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["code"], "VALIDATION_ERROR");
    assert!(
        a.body["error"]
            .as_str()
            .unwrap()
            .contains("externalCustomerId")
    );
    assert!(api.emu.customers().is_empty());
}

#[tokio::test]
async fn customer_create_is_idempotent_on_its_key() {
    let api = Api::start();
    let body = json!({"externalCustomerId": "user_1", "idempotencyKey": "k1"});
    let first = api.post("/customers", body.clone()).await;
    let again = api.post("/customers", body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["isDuplicate"], true);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(api.emu.customers().len(), 1);
}

#[tokio::test]
async fn usage_is_stored_once_per_idempotency_key() {
    let api = Api::start();
    let body = json!({"customerId": "cus_1", "usageType": "tokens", "quantity": 1500, "idempotencyKey": "track_1",
        "units": "tokens", "description": "d", "metadata": {"model": "gpt-4o"}, "unknownField": true});
    let a = api.post("/usage/internal", body.clone()).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["success"], true);
    assert_eq!(a.body["isDuplicate"], false);
    assert_eq!(a.body["usageType"], "tokens");
    assert_eq!(a.body["quantity"], 1500.0);
    let usage_id = a.body["usageEventId"].clone();
    let again = api.post("/usage/internal", body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["isDuplicate"], true);
    assert_eq!(again.body["usageEventId"], usage_id);
    let stored = api.emu.usage();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].metadata, Some(json!({"model": "gpt-4o"})));
    assert_eq!(stored[0].idempotency_key.as_deref(), Some("track_1"));
    assert_eq!(stored[0].units.as_deref(), Some("tokens"));
}

#[tokio::test]
async fn queued_usage_and_charge_have_their_shapes() {
    let api = Api::start();
    let a = api.post("/usage/internal/batch", json!({"customerId": "cus_1", "usageType": "calls", "quantity": 2, "idempotencyKey": "q1"})).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["pendingEvents"], 1);
    assert_eq!(a.body["idempotencyKey"], "q1");
    let c = api.post("/usage", json!({"customerId": "cus_1", "usageType": "calls", "quantity": 10, "idempotencyKey": "c1"})).await;
    assert_eq!(c.status, 200);
    assert!(c.body["charge"]["id"].as_str().is_some());
    assert_eq!(c.body["charge"]["status"], "CONFIRMED");
    let endpoints: Vec<String> = api.emu.usage().into_iter().map(|u| u.endpoint).collect();
    assert_eq!(endpoints, ["internal_batch", "charge"]);
}

#[tokio::test]
async fn usage_validation_names_the_field() {
    let api = Api::start();
    let cases = [
        (json!({"usageType": "t", "quantity": 1}), "customerId"),
        (
            json!({"customerId": "", "usageType": "t", "quantity": 1}),
            "customerId",
        ),
        (
            json!({"customerId": "c", "usageType": "", "quantity": 1}),
            "usageType",
        ),
        (json!({"customerId": "c", "usageType": "t"}), "quantity"),
        (
            json!({"customerId": "c", "usageType": "t", "quantity": -5}),
            "quantity",
        ),
        (
            json!({"customerId": "c", "usageType": "t", "quantity": "5"}),
            "quantity",
        ),
        (
            json!({"customerId": 7, "usageType": "t", "quantity": 1}),
            "customerId",
        ),
        (
            json!({"customerId": "c", "usageType": "t", "quantity": 1, "metadata": [1]}),
            "metadata",
        ),
    ];
    for (body, field) in cases {
        let a = api.post("/usage/internal", body.clone()).await;
        assert_eq!(a.status, 400, "{body}");
        assert_eq!(a.body["code"], "VALIDATION_ERROR");
        assert!(
            a.body["error"].as_str().unwrap().contains(field),
            "{body}: {}",
            a.body["error"]
        );
    }
    let a = api.post_raw("/usage/internal", "{\"customerId\": ").await;
    assert_eq!(a.status, 400);
    assert!(a.body["error"].as_str().unwrap().contains("malformed JSON"));
    // JSON has no NaN or Infinity; a client that writes them sends malformed JSON.
    let a = api
        .post_raw(
            "/usage/internal",
            r#"{"customerId":"c","usageType":"t","quantity":NaN}"#,
        )
        .await;
    assert_eq!(a.status, 400);
    assert!(api.emu.usage().is_empty());
}

#[tokio::test]
async fn workflows_list_create_and_duplicate_slug() {
    let api = Api::start();
    let a = api
        .post(
            "/workflows",
            json!({"name": "Research Agent", "slug": "research-agent", "productSurface": "AGENT"}),
        )
        .await;
    assert_eq!(a.status, 201);
    for field in [
        "id",
        "name",
        "slug",
        "productSurface",
        "chain",
        "description",
        "isActive",
        "createdAt",
    ] {
        assert!(a.body.get(field).is_some(), "missing {field}");
    }
    let dup = api
        .post(
            "/workflows",
            json!({"name": "Other", "slug": "research-agent"}),
        )
        .await;
    assert_eq!(dup.status, 409);
    let bad = api
        .post(
            "/workflows",
            json!({"name": "X", "slug": "x", "productSurface": "BOGUS"}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body["error"]
            .as_str()
            .unwrap()
            .contains("productSurface")
    );
    let list = api.get("/workflows").await;
    assert_eq!(list.body["count"], 1);
    assert_eq!(list.body["data"][0]["slug"], "research-agent");
}

#[tokio::test]
async fn unknown_routes_answer_404_json() {
    let api = Api::start();
    let a = api.get("/nope").await;
    assert_eq!(a.status, 404);
    assert_eq!(a.body["code"], "NOT_FOUND");
}
