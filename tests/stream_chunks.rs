//! Stream-mode runs hand their events to the pipeline in chunks of 256, and a
//! run that records slowly still has its events handed over within `linger`,
//! without waiting for its end; against the emulator over loopback.
//!
//! The installed runtime is process-global, so the tests of this file take turns.

#[path = "support/spool.rs"]
mod spool;

use drip::config::Config;
use drip::runtime;
use drip_emulator::{Emulator, EmulatorHandle};
use spool::Spool;
use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

/// The chunk a busy stream-mode run hands over (README, "Performance").
const CHUNK: u64 = 256;

fn config(emulator: &EmulatorHandle, spool: &Spool, linger: Duration) -> Config {
    Config::new(emulator.secret_key())
        .base_url(emulator.base_url())
        .spool_dir(spool.path())
        .linger(linger)
        .max_backoff(Duration::from_millis(200))
}

/// Waits (as a hang guard, not a timing assertion) until `cond` holds.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < give_up, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[drip::tool(name = "step")]
fn step(i: u64) -> u64 {
    i
}

/// `calls` tool calls, then `inside` while the run is still open.
#[drip::run(customer = "cus_chunks", workflow = "chunked", stream)]
fn streamer(calls: u64, inside: &dyn Fn()) {
    for i in 0..calls {
        step(i);
    }
    inside();
}

/// The idempotency keys of the stored events, in the order stored.
fn stored_in_order(emulator: &EmulatorHandle) -> Vec<String> {
    emulator
        .events()
        .into_iter()
        .filter_map(|e| e.idempotency_key)
        .collect()
}

#[test]
fn a_busy_stream_run_hands_whole_chunks_over_and_keeps_only_the_rest() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = Spool::new("chunks", "busy");
    // A linger longer than the test: only full chunks leave the run before
    // it ends, and the pipeline writes none of them out before the flush.
    let guard = runtime::init(config(&emulator, &spool, Duration::from_secs(600))).unwrap();

    let calls = 2 * CHUNK + 88;
    streamer(calls, &|| {
        // Items the pipeline took from the queue and holds unwritten.
        eventually("two chunks in the pipeline", || {
            runtime::stats().queue_depth == 2 * CHUNK
        });
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(
            runtime::stats().queue_depth,
            2 * CHUNK,
            "the run keeps the 88 that do not fill a chunk"
        );
        assert_eq!(emulator.event_count(), 0);
    });
    let report = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(runtime::flush(Duration::from_secs(30)));
    drop(guard);

    assert_eq!(report.sent, calls, "{report:?}");
    assert!(report.is_complete(), "{report:?}");
    let keys = stored_in_order(&emulator);
    assert_eq!(keys.len() as u64, calls);
    assert_eq!(
        keys.iter().collect::<HashSet<_>>().len() as u64,
        calls,
        "each once"
    );
    let requests = emulator.requests();
    let start = requests
        .iter()
        .position(|r| r.method == "POST" && r.path_and_query == "/v1/runs")
        .expect("the run was started");
    let batches: Vec<_> = requests
        .iter()
        .enumerate()
        .filter(|(_, r)| r.path_and_query == "/v1/run-events/batch")
        .collect();
    assert!(
        batches.iter().all(|(i, _)| *i > start),
        "start precedes events"
    );
    assert!(batches.len() <= 3, "{} batch requests", batches.len());
    let mut sent: Vec<String> = batches
        .iter()
        .flat_map(|(_, r)| r.idempotency_keys.clone())
        .collect();
    // A segment's batches of one run are sent concurrently; inside each,
    // the events keep the order they were recorded in.
    for (_, r) in &batches {
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        let stamps: Vec<&str> = body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["timestamp"].as_str().unwrap())
            .collect();
        assert!(stamps.is_sorted(), "{stamps:?}");
    }
    let mut stored = keys;
    sent.sort();
    stored.sort();
    assert_eq!(sent, stored, "every event sent and stored once");
    let runs = emulator.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, "COMPLETED");
    assert_eq!(runs[0].event_count, calls);
}

#[test]
fn a_slow_stream_run_has_its_events_delivered_before_it_ends() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = Spool::new("chunks", "slow");
    let guard = runtime::init(config(&emulator, &spool, Duration::from_millis(20))).unwrap();

    streamer(3, &|| {
        eventually("the first three events stored mid-run", || {
            emulator.event_count() == 3
        });
        step(3);
        step(4);
        eventually("two more stored mid-run", || emulator.event_count() == 5);
        assert_eq!(emulator.runs()[0].status, "RUNNING");
    });
    let report = guard.shutdown();
    assert_eq!(report.sent, 5, "{report:?}");
    let runs = emulator.runs();
    assert_eq!(runs[0].status, "COMPLETED");
    assert_eq!(runs[0].event_count, 5);
}

#[drip::run(customer = "cus_chunks", workflow = "panicking", stream)]
fn panicking_streamer(calls: u64) {
    for i in 0..calls {
        step(i);
    }
    panic!("the agent broke");
}

#[drip::tool(name = "step")]
async fn step_async(i: u64) -> u64 {
    i
}

#[drip::run(customer = "cus_chunks", workflow = "cancelled", stream)]
async fn stuck_streamer(calls: u64) {
    for i in 0..calls {
        step_async(i).await;
    }
    std::future::pending::<()>().await;
}

#[test]
fn a_stream_run_that_panics_or_is_cancelled_loses_no_buffered_event() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = Spool::new("chunks", "ends");
    let guard = runtime::init(config(&emulator, &spool, Duration::from_secs(600))).unwrap();

    let calls = CHUNK + 10;
    let panicked = std::panic::catch_unwind(|| panicking_streamer(calls));
    assert!(panicked.is_err());
    // Polled until it waits for ever, then dropped: cancelled mid-run.
    {
        let mut stuck = std::pin::pin!(stuck_streamer(calls));
        let polled = stuck.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert!(matches!(polled, Poll::Pending));
    }
    let report = guard.shutdown();
    assert_eq!(report.sent, 2 * calls, "{report:?}");
    assert_eq!(emulator.event_count() as u64, 2 * calls);
    let keys: HashSet<_> = stored_in_order(&emulator).into_iter().collect();
    assert_eq!(keys.len() as u64, 2 * calls, "each once");
    let mut ends: Vec<_> = emulator
        .runs()
        .into_iter()
        .map(|r| (r.workflow_slug, r.status, r.error_code, r.event_count))
        .collect();
    ends.sort();
    assert_eq!(
        ends,
        [
            ("cancelled".into(), "CANCELLED".into(), None, calls),
            (
                "panicking".into(),
                "FAILED".into(),
                Some("panic".into()),
                calls
            ),
        ]
    );
}
