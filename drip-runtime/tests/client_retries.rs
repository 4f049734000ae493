//! Retries under injected faults: the same idempotency key on every attempt,
//! one stored record, `Retry-After` respected, permanent errors not retried.

mod client_support;

use drip_runtime::model::{Event, RecordRun, RunStatus, StartRun, TrackUsage};
use drip_runtime::{Error, RetryPolicy};
use std::time::{Duration, Instant};

fn keys_of(requests: &[drip_emulator::RequestRecord]) -> Vec<Vec<String>> {
    requests
        .iter()
        .map(|r| r.idempotency_keys.clone())
        .collect()
}

#[tokio::test]
async fn a_503_is_retried_with_the_same_key_and_stored_once() {
    let env = client_support::start().await;
    env.emulator.faults().fail_next(&[503, 503]);
    let r = env
        .pk
        .track_usage(TrackUsage::new("cus_1", "tokens", 7.0))
        .await
        .unwrap();
    assert!(r.success);
    let attempts = env.requests("POST", "/v1/usage/internal");
    assert_eq!(
        attempts.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![Some(503), Some(503), Some(200)]
    );
    let keys = keys_of(&attempts);
    assert!(keys.windows(2).all(|w| w[0] == w[1]), "{keys:?}");
    assert_eq!(keys[0].len(), 1);
    assert_eq!(env.emulator.usage().len(), 1);
    assert!(
        attempts.windows(2).all(|w| w[0].body == w[1].body),
        "byte-identical bodies"
    );
}

#[tokio::test]
async fn every_retryable_status_is_retried() {
    let env = client_support::start().await;
    for status in [408u16, 429, 500, 502, 503, 504] {
        env.emulator.clear_requests();
        env.emulator.faults().fail_next(&[status]);
        env.pk
            .track_usage(TrackUsage::new("cus_1", "tokens", 1.0))
            .await
            .unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(env.emulator.requests().len(), 2, "{status}");
    }
    assert_eq!(env.emulator.usage().len(), 6);
}

#[tokio::test]
async fn retry_after_is_respected() {
    let env = client_support::start().await;
    env.emulator.faults().retry_after(1).fail_next(&[429]);
    let started = Instant::now();
    env.pk
        .track_usage(TrackUsage::new("cus_1", "tokens", 1.0))
        .await
        .unwrap();
    // The client's own backoff is ≤ 50 ms here, so only Retry-After explains a
    // wait of a second (a lower bound: never flaky on a slow machine).
    assert!(
        started.elapsed() >= Duration::from_millis(990),
        "{:?}",
        started.elapsed()
    );
    let attempts = env.requests("POST", "/v1/usage/internal");
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0].idempotency_keys, attempts[1].idempotency_keys);
    assert_eq!(env.emulator.usage().len(), 1);
}

#[tokio::test]
async fn exhausted_429s_report_rate_limited_with_the_delay() {
    let env = client_support::start().await;
    let client = client_support::client(
        &env.emulator,
        env.emulator.public_key(),
        RetryPolicy::default()
            .max_attempts(2)
            .initial_backoff(Duration::from_millis(1)),
    );
    env.emulator.faults().retry_after(0).error_rate(429, 1.0);
    let err = client
        .track_usage(TrackUsage::new("cus_1", "tokens", 1.0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert_eq!(err.status(), Some(429));
    assert!(err.is_retryable());
    assert_eq!(env.emulator.requests().len(), 2);
    assert!(env.emulator.usage().is_empty());
}

#[tokio::test]
async fn a_retry_after_beyond_the_total_budget_returns_at_once() {
    let env = client_support::start().await;
    let client = client_support::client(
        &env.emulator,
        env.emulator.public_key(),
        RetryPolicy::default().max_elapsed(Duration::from_secs(5)),
    );
    env.emulator.faults().retry_after(3600).fail_next(&[429]);
    let err = client
        .track_usage(TrackUsage::new("cus_1", "tokens", 1.0))
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(env.emulator.requests().len(), 1);
}

#[tokio::test]
async fn commit_then_drop_is_retried_and_stored_once() {
    let env = client_support::start().await;
    env.emulator.faults().drop_next(1);
    let r = env
        .pk
        .track_usage(TrackUsage::new("cus_1", "tokens", 3.0))
        .await
        .unwrap();
    assert!(
        r.is_duplicate,
        "the retry is recognised as the committed request"
    );
    let attempts = env.requests("POST", "/v1/usage/internal");
    assert_eq!(attempts.len(), 2);
    assert!(attempts[0].dropped);
    assert_eq!(attempts[0].idempotency_keys, attempts[1].idempotency_keys);
    assert_eq!(env.emulator.usage().len(), 1);

    // Same for events, runs and a whole recorded run.
    let wf = env.pk.resolve_workflow_id("wf").await.unwrap();
    env.emulator.faults().drop_next(1);
    let run = env.pk.start_run(StartRun::new("cus_1", wf)).await.unwrap();
    assert_eq!(env.emulator.runs().len(), 1);
    env.emulator.faults().drop_next(1);
    env.pk
        .emit_events_batch(
            &run.id,
            vec![Event::llm_call("gpt-4o", 10), Event::plan("p")],
        )
        .await
        .unwrap();
    assert_eq!(env.emulator.events().len(), 2);
    env.emulator.faults().drop_next(1);
    env.pk
        .record_run(
            RecordRun::new("cus_1", "wf", RunStatus::Completed).event(Event::llm_call("m", 5)),
        )
        .await
        .unwrap();
    assert_eq!(env.emulator.runs().len(), 2);
    assert_eq!(env.emulator.events().len(), 3);
}

#[tokio::test]
async fn a_permanent_400_is_not_retried() {
    let env = client_support::start().await;
    env.emulator.faults().fail_next(&[400]);
    let err = env
        .pk
        .track_usage(TrackUsage::new("cus_1", "tokens", 1.0))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(env.emulator.requests().len(), 1);
    assert!(env.emulator.usage().is_empty());
}

#[tokio::test]
async fn a_real_validation_400_carries_the_server_code_and_message() {
    let env = client_support::start().await;
    let err = env.pk.get_run("run_missing").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(err.code().is_some(), "{err:?}");
    // Many 4xx in a row block nothing.
    for _ in 0..10 {
        assert_eq!(
            env.pk.get_run("run_missing").await.unwrap_err().status(),
            Some(404)
        );
    }
    assert!(
        env.pk
            .track_usage(TrackUsage::new("cus_1", "tokens", 1.0))
            .await
            .is_ok()
    );
    assert_eq!(env.emulator.requests().len(), 12);
}

#[tokio::test]
async fn retry_policy_none_makes_a_single_attempt() {
    let env = client_support::start().await;
    let client = client_support::client(
        &env.emulator,
        env.emulator.secret_key(),
        RetryPolicy::none(),
    );
    env.emulator.faults().fail_next(&[503]);
    let err = client
        .track_usage(TrackUsage::new("cus_1", "tokens", 1.0))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable());
    assert_eq!(env.emulator.requests().len(), 1);
}

#[tokio::test]
async fn a_stalled_server_times_out_and_the_timeout_is_retryable() {
    let env = client_support::start().await;
    let client = drip_runtime::Client::builder()
        .api_key(env.emulator.public_key())
        .base_url(env.emulator.base_url())
        .timeout(Duration::from_millis(200))
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    env.emulator.faults().stall(true);
    let err = client
        .track_usage(TrackUsage::new("cus_1", "tokens", 1.0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(env.emulator.requests().len(), 2);
}
