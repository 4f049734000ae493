//! Many short stream-mode runs in one burst, larger than the 2 MiB of spool
//! lines the transport keeps in memory: every event arrives exactly once,
//! and the runs share `/run-events/batch` requests (each event names its own
//! run) instead of sending at least one per run; against the emulator over
//! loopback, through the public attributes.

use drip::config::Config;
use drip::runtime;
use drip_emulator::Emulator;
use std::collections::HashSet;
use std::time::Duration;

const RUNS: u64 = 300;
const CALLS: u64 = 40;

#[drip::tool(name = "web-search")]
fn search(page: u64) -> u64 {
    page + 1
}

#[drip::run(customer = "cus_batches", workflow = "short-streamer", stream)]
fn short_run() {
    for i in 0..CALLS {
        search(i);
    }
}

#[test]
fn short_runs_share_requests_and_every_event_arrives_once() {
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = std::env::temp_dir().join(format!("drip-batches-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let guard = runtime::init(
        Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool)
            .batch_size(500)
            .shutdown_deadline(Duration::from_secs(60)),
    )
    .unwrap();
    for _ in 0..RUNS {
        short_run();
    }
    let report = guard.shutdown();
    let _ = std::fs::remove_dir_all(&spool);

    let total = RUNS * CALLS;
    assert_eq!(report.rejected + report.dropped, 0, "{report:?}");
    assert_eq!(report.sent, total, "{report:?}");
    let events = emulator.events();
    assert_eq!(events.len() as u64, total, "stored once each");
    let keys: HashSet<_> = events
        .iter()
        .filter_map(|e| e.idempotency_key.clone())
        .collect();
    assert_eq!(keys.len() as u64, total);
    let runs: HashSet<_> = events.iter().map(|e| e.run_id.clone()).collect();
    assert_eq!(
        runs.len() as u64,
        RUNS,
        "each event attached to its own run"
    );

    let batches = emulator
        .requests()
        .into_iter()
        .filter(|r| r.path_and_query.ends_with("/run-events/batch"))
        .count() as u64;
    // One request per run at the least without sharing; shared requests
    // carry up to 500 events (a few more for segment boundaries).
    assert!(
        batches < RUNS / 4,
        "{batches} batch requests for {RUNS} runs of {CALLS} events"
    );
}
