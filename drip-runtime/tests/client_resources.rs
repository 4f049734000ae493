//! Every client method against the emulator over loopback, with both key
//! kinds, checking what went over the wire.

mod client_support;

use drip_runtime::Metadata;
use drip_runtime::model::{
    CheckEntitlement, CreateCustomer, CreateWorkflow, CustomerStatus, EndRun, Event, ListCustomers,
    ProductSurface, RunStatus, StartRun, ToolStatus, TrackUsage, UsageMode,
};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn ping_reaches_the_origin_health_route() {
    let env = client_support::start().await;
    for (_, client) in env.both() {
        let health = client.ping().await.unwrap();
        assert!(health.ok, "{health:?}");
        assert_eq!(health.status, "healthy");
    }
}

#[tokio::test]
async fn customers_create_get_list_with_either_key() {
    let env = client_support::start().await;
    for (kind, client) in env.both() {
        let mut meta = Metadata::new();
        meta.insert("region", "eu");
        let ext = format!("user_{kind}");
        let created = client
            .create_customer(
                CreateCustomer::external(&ext)
                    .metadata(meta)
                    .internal(false),
            )
            .await
            .unwrap();
        assert!(created.id.starts_with("cus_"));
        assert_eq!(created.external_customer_id.as_deref(), Some(ext.as_str()));
        assert_eq!(created.status, CustomerStatus::Active);

        let body = env.last_body("POST", "/v1/customers");
        assert_eq!(body["externalCustomerId"], json!(ext));
        assert_eq!(body["metadata"], json!({"region": "eu"}));
        assert_eq!(body["isInternal"], json!(false));
        assert!(
            body.get("onchainAddress").is_none(),
            "unset fields are omitted: {body}"
        );
        assert!(body["idempotencyKey"].as_str().unwrap().starts_with("cus_"));

        let fetched = client.get_customer(&created.id).await.unwrap();
        assert_eq!(fetched.id, created.id);
    }
    let onchain = env
        .pk
        .create_customer(CreateCustomer::onchain("0xabc"))
        .await
        .unwrap();
    assert_eq!(onchain.onchain_address.as_deref(), Some("0xabc"));

    let page = env
        .sk
        .list_customers(
            ListCustomers::new()
                .limit(2)
                .offset(1)
                .status(CustomerStatus::Active),
        )
        .await
        .unwrap();
    assert_eq!(page.data.len(), 2);
    let list = env.requests("GET", "/v1/customers");
    assert_eq!(
        list.last().unwrap().path_and_query,
        "/v1/customers?limit=2&offset=1&status=ACTIVE"
    );
}

#[tokio::test]
async fn path_segments_are_percent_encoded() {
    let env = client_support::start().await;
    let err = env.pk.get_customer("a/b c?d").await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    let seen = env.emulator.requests();
    assert_eq!(
        seen.last().unwrap().path_and_query,
        "/v1/customers/a%2Fb%20c%3Fd"
    );
}

#[tokio::test]
async fn get_or_create_customer_resolves_the_409() {
    let env = client_support::start().await;
    let first = env
        .pk
        .get_or_create_customer("user_42", None)
        .await
        .unwrap();
    env.emulator.clear_requests();
    let again = env
        .sk
        .get_or_create_customer("user_42", None)
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    let trail: Vec<(String, Option<u16>)> = env
        .emulator
        .requests()
        .into_iter()
        .map(|r| (format!("{} {}", r.method, r.path_and_query), r.status))
        .collect();
    assert_eq!(
        trail,
        vec![
            ("POST /v1/customers".to_owned(), Some(409)),
            (format!("GET /v1/customers/{}", first.id), Some(200)),
        ]
    );
    assert_eq!(env.emulator.customers().len(), 1);
}

#[tokio::test]
async fn track_usage_sync_and_batch() {
    let env = client_support::start().await;
    for (kind, client) in env.both() {
        let r = client
            .track_usage(
                TrackUsage::new("cus_1", "tokens", 1_200.0)
                    .units("tokens")
                    .description(format!("search {kind}")),
            )
            .await
            .unwrap();
        assert!(r.success && !r.is_duplicate, "{r:?}");
        let body = env.last_body("POST", "/v1/usage/internal");
        assert_eq!(body["usageType"], "tokens");
        assert_eq!(body["customerId"], "cus_1");
        assert_eq!(body["quantity"], json!(1200.0));
        assert!(body.get("meter").is_none() && body.get("mode").is_none());
        assert!(body.get("metadata").is_none());
        assert!(
            body["idempotencyKey"]
                .as_str()
                .unwrap()
                .starts_with("track_")
        );

        let r = client
            .track_usage(TrackUsage::new("cus_1", "api_calls", 1.0).mode(UsageMode::Batch))
            .await
            .unwrap();
        assert!(r.success, "{r:?}");
        assert_eq!(
            env.requests("POST", "/v1/usage/internal/batch").len(),
            if kind == "pk" { 1 } else { 2 }
        );
    }
    let stored = env.emulator.usage();
    assert_eq!(stored.len(), 4);
    assert_eq!(
        stored
            .iter()
            .filter(|u| u.endpoint == "internal_batch")
            .count(),
        2
    );
}

#[tokio::test]
async fn caller_supplied_keys_win_and_repeat_as_duplicates() {
    let env = client_support::start().await;
    let usage = TrackUsage::new("cus_1", "tokens", 5.0).idempotency_key("order-77");
    let first = env.pk.track_usage(usage.clone()).await.unwrap();
    let second = env.pk.track_usage(usage).await.unwrap();
    assert!(!first.is_duplicate && second.is_duplicate);
    assert_eq!(env.emulator.usage().len(), 1);
    let keys: Vec<Vec<String>> = env
        .requests("POST", "/v1/usage/internal")
        .into_iter()
        .map(|r| r.idempotency_keys)
        .collect();
    assert_eq!(
        keys,
        vec![vec!["order-77".to_owned()], vec!["order-77".to_owned()]]
    );

    // Automatic keys differ per logical call, so two identical calls both count.
    env.pk
        .track_usage(TrackUsage::new("cus_1", "tokens", 5.0))
        .await
        .unwrap();
    env.pk
        .track_usage(TrackUsage::new("cus_1", "tokens", 5.0))
        .await
        .unwrap();
    assert_eq!(env.emulator.usage().len(), 3);
}

#[tokio::test]
async fn workflows_create_list_and_resolve_once() {
    let env = client_support::start().await;
    let wf = env
        .pk
        .create_workflow(
            CreateWorkflow::new("Research agent", "research-agent")
                .product_surface(ProductSurface::Agent)
                .description("answers questions"),
        )
        .await
        .unwrap();
    assert!(wf.id.starts_with("wf_"));
    let body = env.last_body("POST", "/v1/workflows");
    assert_eq!(body["productSurface"], "AGENT");
    assert_eq!(body["slug"], "research-agent");

    let list = env.sk.list_workflows().await.unwrap();
    assert_eq!(list.data.len(), 1);
    assert_eq!(list.data[0].slug, "research-agent");

    // By slug or id, resolved once per client.
    env.emulator.clear_requests();
    assert_eq!(
        env.pk.resolve_workflow_id("research-agent").await.unwrap(),
        wf.id
    );
    assert_eq!(
        env.pk.resolve_workflow_id("research-agent").await.unwrap(),
        wf.id
    );
    assert_eq!(env.pk.resolve_workflow_id(&wf.id).await.unwrap(), wf.id);
    assert_eq!(
        env.requests("GET", "/v1/workflows").len(),
        2,
        "one lookup per distinct name"
    );

    // A missing slug is created once even under concurrent first use.
    let client = env.sk.clone();
    let lookups = (0..8).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.resolve_workflow_id("my_new-flow").await })
    });
    let mut ids = Vec::new();
    for lookup in lookups {
        ids.push(lookup.await.unwrap().unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1);
    let created: Vec<_> = env
        .emulator
        .workflows()
        .into_iter()
        .filter(|w| w.slug == "my_new-flow")
        .collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].name, "My New Flow");
    assert_eq!(env.requests("POST", "/v1/workflows").len(), 1);
}

#[tokio::test]
async fn a_run_start_events_end_get_with_either_key() {
    let env = client_support::start().await;
    for (kind, client) in env.both() {
        let wf = client.resolve_workflow_id("research-agent").await.unwrap();
        let run = client
            .start_run(
                StartRun::new("cus_1", wf.clone())
                    .external_run_id(format!("job-{kind}"))
                    .correlation_id("trace-1"),
            )
            .await
            .unwrap();
        assert_eq!(run.status, RunStatus::Running);
        let body = env.last_body("POST", "/v1/runs");
        assert_eq!(body["workflowId"], json!(wf));
        assert_eq!(body["externalRunId"], json!(format!("job-{kind}")));
        assert!(body.get("parentRunId").is_none());

        let llm = Event::llm_call("gpt-4o", 1_700);
        let llm_key = llm.idempotency_key.clone();
        let emitted = client.emit_event(&run.id, llm).await.unwrap();
        assert!(!emitted.is_duplicate);
        let body = env.last_body("POST", "/v1/run-events");
        assert_eq!(body["runId"], json!(run.id));
        assert_eq!(body["eventType"], "llm.call");
        assert_eq!(body["units"], "tokens");
        assert_eq!(body["metadata"], json!({"model": "gpt-4o"}));
        assert_eq!(body["idempotencyKey"], json!(llm_key));
        assert!(body["timestamp"].is_string());
        assert!(body.get("costUnits").is_none());

        let batch = vec![
            Event::plan("search then summarise"),
            Event::tool_call("web-search", Duration::from_millis(420), ToolStatus::Ok),
        ];
        let keys: Vec<String> = batch.iter().map(|e| e.idempotency_key.clone()).collect();
        let stored = client.emit_events_batch(&run.id, batch).await.unwrap();
        assert_eq!((stored.created, stored.duplicates), (2, 0));
        let body = env.last_body("POST", "/v1/run-events/batch");
        let events = body["events"].as_array().unwrap();
        assert_eq!(events.len(), 2);
        for (e, key) in events.iter().zip(&keys) {
            assert_eq!(e["runId"], json!(run.id));
            assert_eq!(e["idempotencyKey"], json!(key));
        }
        assert_eq!(events[1]["metadata"]["tool_name"], "web-search");
        assert_eq!(events[1]["metadata"]["status"], "ok");

        let ended = client
            .end_run(
                &run.id,
                EndRun::new(RunStatus::Failed)
                    .error_code("Timeout")
                    .error_message("upstream timed out"),
            )
            .await
            .unwrap();
        assert_eq!(ended.status, RunStatus::Failed);
        assert_eq!(ended.event_count, 3);
        assert!(ended.duration_ms.is_some());
        let body = env.last_body("PATCH", &format!("/v1/runs/{}", run.id));
        assert_eq!(body["status"], "FAILED");
        assert_eq!(body["errorCode"], "Timeout");
        assert!(
            body.get("durationMs").is_none(),
            "the server computes the duration"
        );

        let details = client.get_run(&run.id).await.unwrap();
        assert_eq!(details.status, RunStatus::Failed);
        assert_eq!(details.totals.event_count, 3);
        assert_eq!(details.error_code.as_deref(), Some("Timeout"));
    }
}

#[tokio::test]
async fn ending_an_ended_run_differently_is_refused_and_blocks_nothing() {
    let env = client_support::start().await;
    let wf = env.pk.resolve_workflow_id("wf").await.unwrap();
    let run = env.pk.start_run(StartRun::new("cus_1", wf)).await.unwrap();
    env.pk.end_run(&run.id, EndRun::completed()).await.unwrap();
    env.emulator.clear_requests();
    let err = env
        .pk
        .end_run(&run.id, EndRun::new(RunStatus::Failed))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.code(), Some("RUN_ALREADY_ENDED"));
    assert_eq!(env.emulator.requests().len(), 1, "a 409 is not retried");
    // Nothing like a circuit breaker: the next call goes out at once.
    env.pk.get_run(&run.id).await.unwrap();
}

#[tokio::test]
async fn an_event_without_a_key_gets_one_that_survives_retries() {
    let env = client_support::start().await;
    let wf = env.pk.resolve_workflow_id("wf").await.unwrap();
    let run = env.pk.start_run(StartRun::new("cus_1", wf)).await.unwrap();
    let mut event = Event::new("custom.step");
    event.idempotency_key.clear();
    env.emulator.faults().fail_next(&[503]);
    env.pk.emit_event(&run.id, event).await.unwrap();
    let attempts = env.requests("POST", "/v1/run-events");
    assert_eq!(attempts.len(), 2);
    assert!(attempts[0].idempotency_keys[0].starts_with("evt_"));
    assert_eq!(attempts[0].idempotency_keys, attempts[1].idempotency_keys);
    assert_eq!(env.emulator.events().len(), 1);
}

#[tokio::test]
async fn an_empty_batch_sends_nothing() {
    let env = client_support::start().await;
    let r = env.pk.emit_events_batch("run_1", Vec::new()).await.unwrap();
    assert_eq!(r.created, 0);
    assert!(env.emulator.requests().is_empty());
}

#[tokio::test]
async fn entitlement_checks_with_either_key() {
    let env = client_support::start().await;
    env.emulator.set_entitlement_limit("deep-research", 10);
    for (_, client) in env.both() {
        let e = client
            .check_entitlement(CheckEntitlement::new("cus_1", "deep-research").quantity(3.0))
            .await
            .unwrap();
        assert!(e.allowed, "{e:?}");
        assert_eq!(e.limit, 10);
        let body = env.last_body("POST", "/v1/entitlements/check");
        assert_eq!(
            body,
            json!({"customerId": "cus_1", "featureKey": "deep-research", "quantity": 3.0})
        );
    }
    let e = env
        .pk
        .check_entitlement(CheckEntitlement::new("cus_1", "deep-research").quantity(11.0))
        .await
        .unwrap();
    assert!(!e.allowed);
    let unlimited = env
        .pk
        .check_entitlement(CheckEntitlement::new("cus_1", "anything"))
        .await
        .unwrap();
    assert!(unlimited.allowed && unlimited.unlimited && unlimited.limit == -1);
    assert_eq!(
        env.last_body("POST", "/v1/entitlements/check")["quantity"],
        json!(1.0)
    );
}

/// `get_or_create_customer("user_42")` against a server answering
/// `responses` in turn: checks it resolves to `cus_9`, and gives the request
/// lines the server saw.
async fn resolve_user_42(responses: Vec<String>) -> Vec<String> {
    let (port, seen) = client_support::scripted_server(responses);
    let client = drip_runtime::Client::builder()
        .api_key("pk_test_0123456789")
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .build()
        .unwrap();
    let found = client
        .get_or_create_customer("user_42", None)
        .await
        .unwrap();
    assert_eq!(found.id, "cus_9");
    std::iter::from_fn(|| seen.try_recv().ok())
        .map(|r| r.lines().next().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn get_or_create_customer_searches_when_the_409_names_no_customer() {
    use client_support::json_response;
    let customer = r#"{"id":"cus_9","externalCustomerId":"user_42","status":"ACTIVE"}"#;
    let responses = vec![
        json_response(
            "409 Conflict",
            "",
            r#"{"error":"exists","code":"CONFLICT"}"#,
        ),
        json_response(
            "200 OK",
            "",
            &format!(
                r#"{{"data":[{{"id":"cus_1","externalCustomerId":"other"}},{customer}],"count":2}}"#
            ),
        ),
        json_response("200 OK", "", customer),
    ];
    assert_eq!(
        resolve_user_42(responses).await,
        [
            "POST /v1/customers HTTP/1.1",
            "GET /v1/customers?limit=100 HTTP/1.1",
            "GET /v1/customers/cus_9 HTTP/1.1"
        ]
    );
}

#[tokio::test]
async fn a_conflict_resolves_a_customer_beyond_the_first_page() {
    use client_support::json_response;
    let others: Vec<String> = (0..100)
        .map(|i| format!(r#"{{"id":"cus_o{i}","externalCustomerId":"other_{i}"}}"#))
        .collect();
    let customer = r#"{"id":"cus_9","externalCustomerId":"user_42"}"#;
    let responses = vec![
        json_response("409 Conflict", "", r#"{"error":"exists"}"#),
        json_response(
            "200 OK",
            "",
            // `count` as the emulator sends it: this page's length.
            &format!(r#"{{"data":[{}],"count":100}}"#, others.join(",")),
        ),
        json_response(
            "200 OK",
            "",
            &format!(r#"{{"data":[{customer}],"count":1}}"#),
        ),
        json_response("200 OK", "", customer),
    ];
    assert_eq!(
        resolve_user_42(responses).await,
        [
            "POST /v1/customers HTTP/1.1",
            "GET /v1/customers?limit=100 HTTP/1.1",
            "GET /v1/customers?limit=100&offset=100 HTTP/1.1",
            "GET /v1/customers/cus_9 HTTP/1.1"
        ]
    );
}

#[tokio::test]
async fn an_unresolvable_conflict_is_customer_resolution_failed() {
    use client_support::{json_response, scripted_server};
    let (port, _seen) = scripted_server(vec![
        json_response("409 Conflict", "", r#"{"error":"exists"}"#),
        json_response("200 OK", "", r#"{"data":[],"count":0}"#),
    ]);
    let client = drip_runtime::Client::builder()
        .api_key("pk_test_0123456789")
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .build()
        .unwrap();
    let err = client
        .get_or_create_customer("user_42", None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.code(), Some("CUSTOMER_RESOLUTION_FAILED"));
}
