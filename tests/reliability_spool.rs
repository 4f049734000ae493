//! The disk spool at its limits (issue 4, reliability test 6): full, unwritable,
//! corrupted. Clear errors, counted losses, no panic.
//!
//! The pipeline is process-global, so the tests of this file take turns.

use drip::config::Config;
use drip::model::{Event, ToolStatus};
use drip::runtime::{self, __test_hooks as hooks};
use drip_emulator::Emulator;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

fn spool_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drip-spool-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A loopback address with nothing listening: the server is down.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/v1", listener.local_addr().unwrap())
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with("seg-"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn a_full_spool_keeps_what_fits_and_counts_the_rest_as_dropped() {
    let _turn = turn();
    let spool = spool_dir("full");
    let cap = 32 * 1024;
    let config = Config::new("sk_test_0123456789")
        .base_url(dead_url())
        .spool_dir(&spool)
        .spool_max_bytes(cap)
        .shutdown_deadline(Duration::from_millis(200));
    let dir = config.effective_spool_dir();
    let guard = runtime::init(config).unwrap();
    for u in 0..1_000 {
        hooks::submit_usage("cus_full", "tokens", 1.0, &format!("full-{u}"));
    }
    let report = guard.shutdown();
    assert!(report.dropped > 0, "the cap was hit: {report:?}");
    assert!(report.spooled > 0, "what fits is kept: {report:?}");
    assert_eq!(
        report.spooled + report.dropped,
        1_000,
        "every item accounted for: {report:?}"
    );
    assert!(dir_size(&dir) <= cap, "the spool stays under its cap");
    let _ = std::fs::remove_dir_all(&spool);
}

#[test]
fn an_unwritable_spool_directory_is_a_clear_error() {
    let _turn = turn();
    let base = spool_dir("unwritable");
    std::fs::create_dir_all(&base).unwrap();
    let not_a_dir = base.join("a-file");
    std::fs::write(&not_a_dir, b"x").unwrap();
    let result = runtime::init(
        Config::new("sk_test_0123456789")
            .base_url(dead_url())
            .spool_dir(not_a_dir.join("spool")),
    );
    let error = result.expect_err("a spool under a regular file cannot work");
    assert!(matches!(error, drip::Error::Io { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("spool directory"), "{message}");
    assert!(
        message.contains("DRIP_SPOOL_DIR"),
        "says how to fix it: {message}"
    );
    assert!(!runtime::stats().running);
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn a_corrupted_segment_is_replayed_line_by_line_and_its_losses_counted() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = spool_dir("corrupt");
    let config = Config::new(emulator.secret_key())
        .base_url(emulator.base_url())
        .spool_dir(&spool)
        .linger(Duration::from_millis(5));
    let dir = config.effective_spool_dir();
    std::fs::create_dir_all(&dir).unwrap();
    // A segment left by an earlier process: good lines, garbage, a torn tail.
    let good = |key: &str| {
        format!(
            r#"{{"usage":{{"customer_id":"cus_c","meter":"tokens","quantity":2.0,"idempotency_key":"{key}"}}}}"#
        )
    };
    let segment = format!(
        "{}\n{{\"kind\":\"usage\",\"customer_id\n\u{0}\u{1}garbage\n{}\n{{\"kind\":\"run\",\"custo",
        good("corrupt-1"),
        good("corrupt-2")
    );
    std::fs::write(
        dir.join("seg-0000000000001-0000000000aaaa-00000000.jsonl"),
        segment,
    )
    .unwrap();

    let guard = runtime::init(config).unwrap();
    let mut run_events: Vec<Event> = Vec::new();
    for i in 0..5 {
        run_events.push(Event::tool_call(
            "t",
            Duration::from_millis(i),
            ToolStatus::Ok,
        ));
    }
    hooks::submit_run("cus_c", "agent", "after-corruption", run_events);
    let report = guard.shutdown();

    let usage: Vec<_> = emulator
        .usage()
        .into_iter()
        .filter_map(|u| u.idempotency_key)
        .collect();
    assert_eq!(usage.len(), 2, "both intact lines were replayed: {usage:?}");
    assert!(usage.contains(&"corrupt-1".to_owned()) && usage.contains(&"corrupt-2".to_owned()));
    assert_eq!(emulator.events().len(), 5, "new work is unaffected");
    assert_eq!(report.sent, 7, "{report:?}");
    assert_eq!(
        report.dropped, 3,
        "two corrupted lines and a torn tail: {report:?}"
    );
    assert_eq!(dir_size(&dir), 0, "the replayed segment is gone");
    let _ = std::fs::remove_dir_all(&spool);
}

#[test]
fn a_segment_left_unsanitised_by_an_earlier_process_is_sanitised_before_it_is_sent() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = spool_dir("inherited");
    let config = Config::new(emulator.secret_key())
        .base_url(emulator.base_url())
        .spool_dir(&spool)
        .linger(Duration::from_millis(5));
    let dir = config.effective_spool_dir();
    std::fs::create_dir_all(&dir).unwrap();
    // Lines as a drip that spooled text before sanitising it would have left them.
    let segment = concat!(
        r#"{"run":{"customer_id":"cus_i","workflow":"w","external_run_id":"inherited-run","status":"FAILED","error_code":"E","error_message":"card 4242 4242 4242 4242 declined","metadata":{"region":"sk_live_51HostileKeyValue0123456789"},"events":[{"eventType":"agent.plan","description":"mail jane.roe@example.com","metadata":{"model":"gpt-4o","region":"jane.roe@example.com"},"idempotencyKey":"evt_inherited_1","timestamp":"2026-12-04T15:14:30.694Z"}]}}"#,
        "\n",
    );
    std::fs::write(
        dir.join("seg-0000000000001-0000000000bbbb-00000000.jsonl"),
        segment,
    )
    .unwrap();

    let guard = runtime::init(config).unwrap();
    let report = guard.shutdown();
    assert_eq!(report.dropped + report.rejected, 0, "{report:?}");
    assert!(
        emulator
            .runs()
            .iter()
            .any(|r| r.external_run_id.as_deref() == Some("inherited-run")),
        "the inherited run is delivered"
    );
    assert_eq!(emulator.events().len(), 1, "with its event");
    let wire: String = emulator.requests().iter().map(|r| r.body_text()).collect();
    for hostile in [
        "jane.roe@example.com",
        "sk_live_51HostileKeyValue0123456789",
        "4242 4242 4242 4242",
    ] {
        assert!(!wire.contains(hostile), "{hostile} reached the wire");
    }
    assert!(wire.contains("gpt-4o"), "benign fields still arrive");
    let _ = std::fs::remove_dir_all(&spool);
}
