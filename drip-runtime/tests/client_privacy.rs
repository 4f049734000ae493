//! The privacy hook at request construction: metadata is sanitised and free
//! text redacted before anything reaches the wire, whatever the caller passed.

mod client_support;

use drip_runtime::Metadata;
use drip_runtime::model::{EndRun, Event, RecordRun, RunStatus, StartRun, TrackUsage};

#[tokio::test]
async fn metadata_and_free_text_are_cleaned_before_sending() {
    let env = client_support::start().await;
    let key = env.emulator.secret_key().to_owned();
    let mut meta = Metadata::new();
    meta.insert("model", "gpt-4o");
    meta.insert("prompt", "tell me a secret");
    meta.insert("user_email", "ann@example.com");
    meta.insert("region", key.as_str());
    env.sk
        .track_usage(
            TrackUsage::new("cus_1", "tokens", 5.0)
                .metadata(meta.clone())
                .description("asked by ann@example.com"),
        )
        .await
        .unwrap();
    let body = env.last_body("POST", "/v1/usage/internal");
    assert_eq!(body["metadata"], serde_json::json!({"model": "gpt-4o"}));
    let description = body["description"].as_str().unwrap();
    assert!(!description.contains("ann@example.com"), "{description}");

    let wf = env.sk.resolve_workflow_id("wf").await.unwrap();
    let run = env
        .sk
        .start_run(StartRun::new("cus_1", wf).metadata(meta.clone()))
        .await
        .unwrap();
    env.sk
        .emit_event(
            &run.id,
            Event::execute(format!("used key {key}"), meta.clone()),
        )
        .await
        .unwrap();
    env.sk
        .end_run(
            &run.id,
            EndRun::new(RunStatus::Failed).error_message("card 4111 1111 1111 1111 declined"),
        )
        .await
        .unwrap();
    env.sk
        .record_run(
            RecordRun::new("cus_1", "wf", RunStatus::Failed)
                .metadata(meta)
                .error_message("mail ann@example.com failed")
                .event(Event::plan("reply to ann@example.com")),
        )
        .await
        .unwrap();

    for r in env.emulator.requests() {
        let text = r.body_text();
        for leaked in [
            "ann@example.com",
            "tell me a secret",
            "4111 1111",
            key.as_str(),
        ] {
            assert!(
                !text.contains(leaked),
                "{} {} leaked {leaked:?}: {text}",
                r.method,
                r.path_and_query
            );
        }
    }
}
