//! Runs, events, the run state machine and `/runs/record`.

mod common;

use common::Api;
use serde_json::json;

#[tokio::test]
async fn run_lifecycle_with_server_computed_duration() {
    let api = Api::start();
    let wf = api.workflow("research").await;
    let a = api.post("/runs", json!({"customerId": "cus_1", "workflowId": wf, "correlationId": "corr", "metadata": {"a": 1}})).await;
    assert_eq!(a.status, 201);
    assert_eq!(a.body["status"], "RUNNING");
    assert_eq!(a.body["workflowName"], "research");
    let run = a.body["id"].as_str().unwrap().to_owned();

    let e = api.post("/run-events", json!({"runId": run, "eventType": "llm.call", "quantity": 100, "units": "tokens",
        "costUnits": 0.5, "idempotencyKey": "e1", "timestamp": "2026-01-31T12:00:00.250Z", "spanId": "s1"})).await;
    assert_eq!(e.status, 201);
    assert_eq!(e.body["isDuplicate"], false);
    assert_eq!(e.body["timestamp"], "2026-01-31T12:00:00.250Z");

    let end = api.patch(&format!("/runs/{run}"), json!({"status": "FAILED", "errorCode": "E_BOOM", "errorMessage": "boom", "metadata": {"z": 1}})).await;
    assert_eq!(end.status, 200);
    assert_eq!(end.body["status"], "FAILED");
    assert!(end.body["durationMs"].as_u64().is_some());
    assert!(end.body["endedAt"].as_str().is_some());
    assert_eq!(end.body["eventCount"], 1);
    assert_eq!(end.body["totalCostUnits"], "0.5");

    let got = api.get(&format!("/runs/{run}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["errorCode"], "E_BOOM");
    assert_eq!(got.body["metadata"], json!({"a": 1, "z": 1}));
    assert_eq!(got.body["totals"]["eventCount"], 1);
    assert_eq!(got.body["totals"]["totalQuantity"], "100");
    assert_eq!(
        got.body["_links"]["timeline"],
        format!("/v1/runs/{run}/timeline")
    );

    let stored = &api.emu.events()[0];
    assert_eq!(
        stored.timestamp.as_deref(),
        Some("2026-01-31T12:00:00.250Z")
    );
    assert_eq!(stored.span_id.as_deref(), Some("s1"));
    let runs = api.emu.runs();
    assert_eq!(runs[0].status, "FAILED");
    assert_eq!(runs[0].workflow_slug, "research");
}

#[tokio::test]
async fn ending_an_ended_run() {
    let api = Api::start();
    let run = api.run("flow").await;
    assert_eq!(
        api.patch(&format!("/runs/{run}"), json!({"status": "COMPLETED"}))
            .await
            .status,
        200
    );
    let same = api
        .patch(&format!("/runs/{run}"), json!({"status": "COMPLETED"}))
        .await;
    assert_eq!(same.status, 200);
    assert_eq!(same.body["isDuplicate"], true);
    let other = api
        .patch(&format!("/runs/{run}"), json!({"status": "FAILED"}))
        .await;
    assert_eq!(other.status, 409);
    assert_eq!(other.body["code"], "RUN_ALREADY_ENDED");
    assert_eq!(api.emu.runs()[0].status, "COMPLETED");
    let late = api
        .post(
            "/run-events",
            json!({"runId": run, "eventType": "tool.call"}),
        )
        .await;
    assert_eq!(late.status, 409);
    assert_eq!(api.emu.event_count(), 0);
}

#[tokio::test]
async fn run_validation_and_lookups() {
    let api = Api::start();
    let missing_wf = api
        .post(
            "/runs",
            json!({"customerId": "cus_1", "workflowId": "wf_nope"}),
        )
        .await;
    assert_eq!(missing_wf.status, 404);
    let no_customer = api.post("/runs", json!({"workflowId": "wf_nope"})).await;
    assert_eq!(no_customer.status, 400);
    assert!(
        no_customer.body["error"]
            .as_str()
            .unwrap()
            .contains("customerId")
    );
    let run = api.run("flow").await;
    let bad = api
        .patch(&format!("/runs/{run}"), json!({"status": "DONE"}))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["error"].as_str().unwrap().contains("status"));
    assert_eq!(
        api.patch("/runs/run_nope", json!({"status": "COMPLETED"}))
            .await
            .status,
        404
    );
    assert_eq!(api.get("/runs/run_nope").await.status, 404);
    let no_type = api
        .post("/run-events", json!({"runId": run, "eventType": ""}))
        .await;
    assert_eq!(no_type.status, 400);
    assert!(
        no_type.body["error"]
            .as_str()
            .unwrap()
            .contains("eventType")
    );
    let bad_time = api
        .post(
            "/run-events",
            json!({"runId": run, "eventType": "x", "timestamp": "noon"}),
        )
        .await;
    assert_eq!(bad_time.status, 400);
    assert!(
        bad_time.body["error"]
            .as_str()
            .unwrap()
            .contains("timestamp")
    );
    assert_eq!(
        api.post(
            "/run-events",
            json!({"runId": "run_nope", "eventType": "x"})
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn repeated_external_run_id_returns_the_existing_run() {
    let api = Api::start();
    let wf = api.workflow("flow").await;
    let body = json!({"customerId": "cus_1", "workflowId": wf, "externalRunId": "ext_1"});
    let first = api.post("/runs", body.clone()).await;
    let again = api.post("/runs", body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["isDuplicate"], true);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(api.emu.runs().len(), 1);
}

#[tokio::test]
async fn event_dedupe_single_and_batch() {
    let api = Api::start();
    let run = api.run("flow").await;
    let single = json!({"runId": run, "eventType": "llm.call", "idempotencyKey": "k0"});
    api.post("/run-events", single.clone()).await;
    let dup = api.post("/run-events", single).await;
    assert_eq!(dup.status, 200);
    assert_eq!(dup.body["isDuplicate"], true);

    let batch = json!({"events": [
        {"runId": run, "eventType": "llm.call", "idempotencyKey": "k0"},
        {"runId": run, "eventType": "tool.call", "idempotencyKey": "k1", "metadata": {"name": "search"}},
        {"runId": run, "eventType": "tool.call", "idempotencyKey": "k1"},
        {"runId": "run_nope", "eventType": "tool.call", "idempotencyKey": "k2"},
    ]});
    let a = api.post("/run-events/batch", batch.clone()).await;
    assert_eq!(a.status, 200);
    assert_eq!(
        (
            a.body["created"].as_u64(),
            a.body["duplicates"].as_u64(),
            a.body["skipped"].as_u64()
        ),
        (Some(1), Some(2), Some(1))
    );
    let items = a.body["events"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[1]["isDuplicate"], false);
    assert_eq!(items[2]["isDuplicate"], true);
    assert_eq!(items[1]["id"], items[2]["id"]);
    assert_eq!(items[3]["reason"], "RUN_NOT_FOUND");
    let again = api.post("/run-events/batch", batch).await;
    assert_eq!(again.body["created"], 0);
    assert_eq!(api.emu.event_count(), 2);
    assert_eq!(api.emu.runs()[0].event_count, 2);
}

#[tokio::test]
async fn batch_validation_names_the_event() {
    let api = Api::start();
    let run = api.run("flow").await;
    let a = api
        .post(
            "/run-events/batch",
            json!({"events": [
                {"runId": run, "eventType": "ok"},
                {"runId": run, "eventType": "x", "quantity": -1},
            ]}),
        )
        .await;
    assert_eq!(a.status, 400);
    assert!(
        a.body["error"]
            .as_str()
            .unwrap()
            .contains("events[1].quantity"),
        "{}",
        a.body["error"]
    );
    let a = api
        .post(
            "/run-events/batch",
            json!({"events": [{"runId": run, "eventType": "x", "quantity": true}]}),
        )
        .await;
    assert_eq!(a.status, 400);
    assert!(
        a.body["error"]
            .as_str()
            .unwrap()
            .contains("events[0].quantity"),
        "{}",
        a.body["error"]
    );
    let a = api.post("/run-events/batch", json!({"event": []})).await;
    assert_eq!(a.status, 400);
    assert!(a.body["error"].as_str().unwrap().contains("events"));
    assert_eq!(api.emu.event_count(), 0);
}

#[tokio::test]
async fn record_creates_workflow_run_and_events_once() {
    let api = Api::start();
    let body = json!({
        "customerId": "cus_1", "workflow": "my_new-flow", "status": "COMPLETED", "externalRunId": "ext_9",
        "correlationId": "c", "metadata": {"env": "test"},
        "events": [
            {"eventType": "llm.call", "quantity": 120, "units": "tokens", "costUnits": 0.25, "idempotencyKey": "ext_9:llm.call:0"},
            {"eventType": "tool.call", "metadata": {"name": "search", "duration_ms": 12}, "timestamp": "2026-01-31T12:00:00Z"},
        ]
    });
    let a = api.post("/runs/record", body.clone()).await;
    assert_eq!(a.status, 201);
    assert_eq!(a.body["run"]["workflowName"], "My New Flow");
    assert_eq!(a.body["run"]["status"], "COMPLETED");
    assert_eq!(a.body["events"], json!({"created": 2, "duplicates": 0}));
    assert_eq!(a.body["totalCostUnits"], "0.25");
    assert!(
        a.body["summary"]
            .as_str()
            .unwrap()
            .starts_with("✓ My New Flow: 2 events recorded")
    );
    let wf = api.emu.workflows();
    assert_eq!(wf.len(), 1);
    assert!(wf[0].auto_created);
    assert_eq!(wf[0].slug, "my_new-flow");

    let again = api.post("/runs/record", body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["isDuplicate"], true);
    assert_eq!(again.body["events"], json!({"created": 0, "duplicates": 2}));
    assert_eq!(again.body["run"]["id"], a.body["run"]["id"]);
    assert_eq!(api.emu.runs().len(), 1);
    assert_eq!(api.emu.event_count(), 2);

    // An existing workflow is found by slug or id, and per-event keys are honoured.
    let wf_id = wf[0].id.clone();
    let b = api.post("/runs/record", json!({"customerId": "cus_1", "workflow": wf_id, "status": "FAILED",
        "errorCode": "E", "events": [{"eventType": "llm.call", "idempotencyKey": "ext_9:llm.call:0"}]})).await;
    assert_eq!(b.status, 201);
    assert_eq!(b.body["events"], json!({"created": 0, "duplicates": 1}));
    assert!(b.body["summary"].as_str().unwrap().starts_with("✗"));
    assert_eq!(api.emu.workflows().len(), 1);
    let runs = api.emu.runs();
    assert_eq!(runs[1].error_code.as_deref(), Some("E"));
}

#[tokio::test]
async fn record_validation() {
    let api = Api::start();
    let cases = [
        (
            json!({"workflow": "w", "status": "COMPLETED"}),
            "customerId",
        ),
        (
            json!({"customerId": "c", "status": "COMPLETED"}),
            "workflow",
        ),
        (
            json!({"customerId": "c", "workflow": "w", "status": "RUNNING"}),
            "status",
        ),
        (
            json!({"customerId": "c", "workflow": "w", "status": "COMPLETED", "events": [{"quantity": 1}]}),
            "events[0].eventType",
        ),
    ];
    for (body, field) in cases {
        let a = api.post("/runs/record", body.clone()).await;
        assert_eq!(a.status, 400, "{body}");
        assert!(
            a.body["error"].as_str().unwrap().contains(field),
            "{body}: {}",
            a.body["error"]
        );
    }
    assert!(api.emu.runs().is_empty());
    assert!(api.emu.workflows().is_empty());
}

#[tokio::test]
async fn batch_events_are_stored_as_sent_escapes_and_metadata_included() {
    let api = Api::start();
    let run = api.run("flow").await;
    // Escapes force copies where plain strings are borrowed; both must store the same text.
    let body = format!(
        r#"{{"events":[
            {{"runId":"{run}","eventType":"tool\"call","units":"tok\u00e9ns","idempotencyKey":"k\u0031",
              "metadata":{{"name":"search","nested":{{"list":[1,2.5,-3,true,null,"a\\b"]}},"big":12345678901234567890}},
              "timestamp":"2026-01-31T12:00:00Z"}},
            {{"runId":"{run}","eventType":"plain","idempotencyKey":"k1","metadata":null}},
            {{"runId":"{run}","eventType":"plain","idempotencyKey":"k2","metadata" : {{ "spaced" : [ ] }} }}
        ]}}"#
    );
    let a = api.post_raw("/v1/run-events/batch", &body).await;
    assert_eq!(a.status, 200, "{}", a.body);
    // `k\u0031` is `k1`: the second event is its duplicate and answers with its own type.
    assert_eq!(
        (a.body["created"].as_u64(), a.body["duplicates"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(a.body["events"][1]["eventType"], "plain");
    assert_eq!(a.body["events"][1]["id"], a.body["events"][0]["id"]);
    let events = api.emu.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].id, a.body["events"][0]["id"].as_str().unwrap());
    assert_eq!(events[0].run_id, run);
    assert_eq!(events[0].event_type, "tool\"call");
    assert_eq!(events[0].units.as_deref(), Some("tokéns"));
    assert_eq!(events[0].idempotency_key.as_deref(), Some("k1"));
    assert_eq!(
        events[0].metadata,
        Some(
            json!({"name": "search", "nested": {"list": [1, 2.5, -3, true, null, "a\\b"]},
                    "big": 12345678901234567890u64})
        )
    );
    assert_eq!(events[1].metadata, Some(json!({"spaced": []})));
    let timeline = api.get(&format!("/runs/{run}/timeline")).await;
    assert_eq!(timeline.body["events"][0]["actionName"], "search");
}

#[tokio::test]
async fn metadata_a_value_cannot_hold_is_refused_and_deep_metadata_is_kept() {
    let api = Api::start();
    let run = api.run("flow").await;
    for metadata in [r#"{"a":1e400}"#, r#"{"a":"\ud800"}"#] {
        let body =
            format!(r#"{{"events":[{{"runId":"{run}","eventType":"x","metadata":{metadata}}}]}}"#);
        let a = api.post_raw("/v1/run-events/batch", &body).await;
        assert_eq!(a.status, 400, "{metadata}: {}", a.body);
        assert_eq!(a.body["code"], "VALIDATION_ERROR");
        assert!(
            a.body["error"].as_str().unwrap().contains("line 1"),
            "{}",
            a.body["error"]
        );
    }
    let a = api
        .post(
            "/run-events/batch",
            json!({"events": [{"runId": run, "eventType": "x", "metadata": [1]}]}),
        )
        .await;
    assert_eq!(a.status, 400);
    assert!(
        a.body["error"]
            .as_str()
            .unwrap()
            .contains("events[0].metadata"),
        "{}",
        a.body["error"]
    );
    assert_eq!(api.emu.event_count(), 0);

    // Deeper than the fast path checks, but well within what the server accepts.
    let deep = format!(r#"{{"d":{}1{}}}"#, "[".repeat(80), "]".repeat(80));
    let body = format!(r#"{{"runId":"{run}","eventType":"x","metadata":{deep}}}"#);
    let a = api.post_raw("/v1/run-events", &body).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let expected: serde_json::Value = serde_json::from_str(&deep).unwrap();
    assert_eq!(api.emu.events()[0].metadata, Some(expected));
}
