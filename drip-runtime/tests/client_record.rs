//! `record_run`: one `POST /runs/record`, and the §2.13 fallback on 404 only.

mod client_support;

use drip_runtime::model::{Event, RecordRun, RunStatus};
use serde_json::json;
use std::time::{Duration, SystemTime};

fn sample_run() -> RecordRun {
    let end = SystemTime::now();
    RecordRun::new("cus_1", "research-agent", RunStatus::Completed)
        .event(Event::plan("search then summarise"))
        .event(Event::llm_call("gpt-4o", 1_200))
        .event(Event::new("custom.step"))
        .external_run_id("ext_9")
        .correlation_id("trace-1")
        .timing(end - Duration::from_millis(1_500), end)
}

#[tokio::test]
async fn record_run_is_one_call_with_event_keys_and_timestamps() {
    let env = client_support::start().await;
    for (kind, client) in env.both() {
        let mut run = sample_run().external_run_id(format!("ext_{kind}"));
        run.events[0].description = Some("plan".into());
        let keys: Vec<String> = run
            .events
            .iter()
            .map(|e| e.idempotency_key.clone())
            .collect();
        let result = client.record_run(run).await.unwrap();
        assert!(!result.via_fallback);
        assert_eq!(result.events.created, 3);
        assert_eq!(result.run.status, RunStatus::Completed);
        assert_eq!(result.run.duration_ms, Some(1_500));
        assert!(
            result
                .summary
                .as_deref()
                .unwrap()
                .contains("3 events recorded")
        );

        let body = env.last_body("POST", "/v1/runs/record");
        assert_eq!(body["workflow"], "research-agent");
        assert_eq!(body["status"], "COMPLETED");
        assert_eq!(body["externalRunId"], json!(format!("ext_{kind}")));
        assert!(body["idempotencyKey"].as_str().unwrap().starts_with("rec_"));
        let events = body["events"].as_array().unwrap();
        for (e, key) in events.iter().zip(&keys) {
            assert_eq!(&e["idempotencyKey"], &json!(key));
            assert!(e["timestamp"].is_string());
        }
        assert!(
            events[2].get("quantity").is_none(),
            "no quantity invented on the main path"
        );
    }
    assert_eq!(env.emulator.runs().len(), 2);
    assert!(env.requests("POST", "/v1/runs").is_empty());
}

#[tokio::test]
async fn a_replayed_record_run_is_stored_once() {
    let env = client_support::start().await;
    let run = sample_run();
    env.pk.record_run(run.clone()).await.unwrap();
    let again = env.pk.record_run(run).await.unwrap();
    assert_eq!(again.events.created, 0);
    assert_eq!(env.emulator.runs().len(), 1);
    assert_eq!(env.emulator.events().len(), 3);
}

#[tokio::test]
async fn record_run_falls_back_exactly_on_404() {
    let env = client_support::start().await;
    env.emulator.faults().record_endpoint(false);
    let result = env.pk.record_run(sample_run()).await.unwrap();
    assert!(result.via_fallback);
    assert_eq!(result.events.created, 3);
    assert_eq!(result.run.status, RunStatus::Completed);
    assert_eq!(result.run.workflow_name.as_deref(), Some("Research Agent"));
    assert_eq!(
        result.summary.as_deref(),
        Some("✓ Research Agent: 3 events recorded (1500ms)")
    );

    let trail: Vec<String> = env
        .emulator
        .requests()
        .into_iter()
        .map(|r| format!("{} {} {:?}", r.method, r.path_and_query, r.status))
        .collect();
    let run_id = &result.run.id;
    assert_eq!(
        trail,
        vec![
            "POST /v1/runs/record Some(404)".to_owned(),
            "GET /v1/workflows Some(200)".to_owned(),
            "POST /v1/workflows Some(201)".to_owned(),
            "POST /v1/runs Some(201)".to_owned(),
            "POST /v1/run-events/batch Some(200)".to_owned(),
            format!("PATCH /v1/runs/{run_id} Some(200)"),
        ]
    );
    let wf = env.last_body("POST", "/v1/workflows");
    assert_eq!(wf["name"], "Research Agent");
    assert_eq!(wf["slug"], "research-agent");
    assert_eq!(wf["productSurface"], "CUSTOM");
    let start = env.last_body("POST", "/v1/runs");
    assert_eq!(start["externalRunId"], "ext_9");
    assert_eq!(start["correlationId"], "trace-1");
    let batch = env.last_body("POST", "/v1/run-events/batch");
    let keys: Vec<&str> = batch["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["idempotencyKey"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "ext_9:agent.plan:0",
            "ext_9:llm.call:1",
            "ext_9:custom.step:2"
        ]
    );
    assert_eq!(
        batch["events"][2]["quantity"],
        json!(1.0),
        "quantity defaults to 1"
    );
    assert_eq!(batch["events"][0]["runId"], json!(run_id));
    let end = env.last_body("PATCH", &format!("/v1/runs/{run_id}"));
    assert_eq!(end["status"], "COMPLETED");
    assert!(end.get("metadata").is_none());

    // The workflow is now cached: a second fallback neither lists nor creates.
    env.emulator.clear_requests();
    env.pk
        .record_run(sample_run().external_run_id("ext_10"))
        .await
        .unwrap();
    assert!(env.requests("GET", "/v1/workflows").is_empty());
    assert_eq!(env.emulator.workflows().len(), 1);
}

#[tokio::test]
async fn a_replayed_fallback_run_is_stored_once() {
    let env = client_support::start().await;
    env.emulator.faults().record_endpoint(false);
    let run = sample_run();
    let first = env.pk.record_run(run.clone()).await.unwrap();
    // A caller rebuilding the same run (fresh idempotency key, same external id).
    let mut replay = run;
    replay.idempotency_key = None;
    let second = env.sk.record_run(replay).await.unwrap();
    assert_eq!(second.run.id, first.run.id);
    assert_eq!(second.events.duplicates, 3);
    assert_eq!(env.emulator.runs().len(), 1);
    assert_eq!(env.emulator.events().len(), 3);
}

#[tokio::test]
async fn other_errors_do_not_trigger_the_fallback() {
    let env = client_support::start().await;
    env.emulator.faults().fail_next(&[400]);
    let err = env.pk.record_run(sample_run()).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(env.emulator.requests().len(), 1);
    assert!(env.requests("POST", "/v1/runs").is_empty());
}

#[tokio::test]
async fn a_failed_run_records_its_error() {
    let env = client_support::start().await;
    env.emulator.faults().record_endpoint(false);
    let run = RecordRun::new("cus_1", "wf", RunStatus::Failed)
        .error_code("SearchError")
        .error_message("upstream refused");
    let result = env.pk.record_run(run).await.unwrap();
    assert_eq!(result.run.status, RunStatus::Failed);
    assert!(result.summary.unwrap().starts_with('✗'));
    assert!(
        env.requests("POST", "/v1/run-events/batch").is_empty(),
        "no events, no batch"
    );
    let stored = &env.emulator.runs()[0];
    assert_eq!(stored.error_code.as_deref(), Some("SearchError"));
    assert_eq!(stored.error_message.as_deref(), Some("upstream refused"));
}
