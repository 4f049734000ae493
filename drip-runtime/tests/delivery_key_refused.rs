//! A revoked or rotated key: the API answers 401, and the work waits in the
//! spool (shown in `stats().held_by_auth`, never dead-lettered) until a
//! process with a valid key of the same environment (test or live) delivers it.

use drip_emulator::Emulator;
use drip_runtime::config::Config;
use drip_runtime::model::{Event, RunStatus, ToolStatus};
use drip_runtime::runtime::{self, __test_hooks as hooks};
use std::time::{Duration, Instant};

fn event(key: String) -> Event {
    let mut e = Event::tool_call("search", Duration::from_millis(1), ToolStatus::Ok);
    e.idempotency_key = key;
    e
}

#[test]
fn work_refused_for_its_key_is_held_and_delivered_after_a_restart_with_a_valid_key() {
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = std::env::temp_dir().join(format!("drip-key-refused-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let config = |key: &str, deadline: Duration| {
        Config::new(key)
            .base_url(emulator.base_url())
            .spool_dir(&spool)
            .linger(Duration::from_millis(5))
            .max_backoff(Duration::from_millis(50))
            .shutdown_deadline(deadline)
    };

    // A process with a revoked key.
    let guard = runtime::init(config("sk_test_revoked_key", Duration::from_millis(300))).unwrap();
    let events = (0..10).map(|i| event(format!("held-rec-{i}"))).collect();
    hooks::submit_run("cus_key", "key-agent", "held-rec", events);
    hooks::submit_usage("cus_key", "tokens", 2.0, "held-usage-1");
    hooks::submit_stream_start("cus_key", "key-streamer", "held-stream");
    for i in 0..5 {
        hooks::submit_stream_events("held-stream", vec![event(format!("held-stream-{i}"))]);
    }
    hooks::submit_stream_end("held-stream", RunStatus::Completed);
    let give_up = Instant::now() + Duration::from_secs(30);
    while runtime::stats().held_by_auth == 0 {
        assert!(
            Instant::now() < give_up,
            "nothing was held: {:?}",
            runtime::stats()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let stats = runtime::stats();
    assert_eq!(stats.rejected, 0, "{stats:?}");
    let report = guard.shutdown();
    assert_eq!(
        report.rejected, 0,
        "a refused key dead-letters nothing: {report:?}"
    );
    assert_eq!(report.sent, 0, "{report:?}");
    assert_eq!(
        report.spooled, 16,
        "everything waits in the spool: {report:?}"
    );
    assert!(emulator.events().is_empty());

    // A live key for the same API must not adopt work recorded with a test
    // key: it would bill a live account with test data.
    let guard = runtime::init(config(
        "sk_live_another_account_0123456789",
        Duration::from_millis(300),
    ))
    .unwrap();
    let report = guard.shutdown();
    assert_eq!(
        report.sent + report.spooled + report.rejected,
        0,
        "a key of another environment adopted nothing: {report:?}"
    );
    assert!(emulator.events().is_empty());

    // The same spool, restarted with a valid key of the same environment.
    let guard = runtime::init(config(emulator.secret_key(), Duration::from_secs(30))).unwrap();
    let report = guard.shutdown();
    assert_eq!(report.sent, 16, "{report:?}");
    assert_eq!(report.spooled + report.rejected, 0, "{report:?}");
    assert_eq!(emulator.events().len(), 15);
    assert_eq!(emulator.usage().len(), 1);
    let stream = emulator
        .runs()
        .into_iter()
        .find(|r| r.external_run_id.as_deref() == Some("held-stream"))
        .expect("the stream run was started");
    assert_eq!(
        (stream.status.as_str(), stream.event_count),
        ("COMPLETED", 5)
    );
    emulator.shutdown();
    let _ = std::fs::remove_dir_all(&spool);
}
