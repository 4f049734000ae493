//! Delivery under a misbehaving server (issue 4, reliability tests 1, 4 and 5),
//! against the emulator's fault injection over loopback.
//!
//! The pipeline is process-global, so the tests of this file take turns.

use drip::config::Config;
use drip::model::{Event, RunStatus, ToolStatus};
use drip::runtime::{self, __test_hooks as hooks};
use drip_emulator::{Emulator, EmulatorHandle};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

fn spool_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drip-reliability-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn config(emulator: &EmulatorHandle, spool: &PathBuf) -> Config {
    Config::new(emulator.secret_key())
        .base_url(emulator.base_url())
        .spool_dir(spool)
        .linger(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(300))
        .request_timeout(Duration::from_secs(5))
}

fn tool_event(i: usize) -> Event {
    Event::tool_call(
        "web-search",
        Duration::from_millis(i as u64 % 900),
        ToolStatus::Ok,
    )
}

/// A tool: one `tool.call` event per call inside a run.
#[drip::tool(name = "web-search")]
async fn search(page: usize) -> usize {
    page + 1
}

/// A record-mode agent: its events travel with the run in one `/runs/record`.
#[drip::run(customer = customer, workflow = "fault-agent")]
async fn agent(customer: &str, calls: usize) -> usize {
    let mut pages = 0;
    for i in 0..calls {
        pages += search(i).await;
    }
    pages
}

/// A stream-mode agent: `/runs`, event batches, then `PATCH /runs/{id}`.
#[drip::run(customer = customer, workflow = "fault-streamer", stream)]
async fn streaming_agent(customer: &str, calls: usize) -> usize {
    let mut pages = 0;
    for i in 0..calls {
        pages += search(i).await;
        if i.is_multiple_of(100) {
            tokio::task::yield_now().await;
        }
    }
    pages
}

/// Issue 4, test 1: 8 concurrent tasks make 10,000 tool events through the
/// macros while 30 % of requests fail (500, 503, 429 with Retry-After, and
/// commit-then-drop): the emulator ends with exactly 10,000 distinct events,
/// each stored once, and the report agrees.
#[test]
fn ten_thousand_events_from_eight_tasks_arrive_exactly_once_through_thirty_percent_faults() {
    let _turn = turn();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
        .block_on(ten_thousand_events_under_faults());
}

async fn ten_thousand_events_under_faults() {
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.set_request_logging(false);
    emulator
        .faults()
        .seed(7)
        .error_rate(500, 0.10)
        .error_rate(503, 0.08)
        .error_rate(429, 0.06)
        .retry_after(1)
        .commit_then_drop(0.06);
    let spool = spool_dir("faults");
    let guard = runtime::init(config(&emulator, &spool).batch_size(200)).unwrap();

    let mut tasks = Vec::new();
    for task in 0..8usize {
        tasks.push(tokio::spawn(async move {
            if task < 4 {
                // Record mode: 25 runs of 50 tool calls.
                for _ in 0..25 {
                    agent("cus_faults", 50).await;
                }
            } else {
                // Stream mode: one run of 1,250 tool calls.
                streaming_agent("cus_faults", 1_250).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }

    let report = runtime::flush(Duration::from_secs(120)).await;
    let stats = runtime::stats();
    drop(guard);

    let stored = emulator.events();
    let keys: HashSet<String> = stored
        .iter()
        .filter_map(|e| e.idempotency_key.clone())
        .collect();
    assert_eq!(stored.len(), 10_000, "each event stored exactly once");
    assert_eq!(keys.len(), 10_000, "10,000 distinct events");
    assert!(stored.iter().all(|e| e.event_type == "tool.call"));
    assert_eq!(report.delivered(), 10_000, "{report:?}");
    assert_eq!(
        (report.rejected, report.dropped, report.spooled),
        (0, 0, 0),
        "{report:?}"
    );
    assert!(stats.retries > 0, "the faults were exercised: {stats:?}");
    let runs = emulator.runs();
    let external: HashSet<_> = runs
        .iter()
        .filter_map(|r| r.external_run_id.clone())
        .collect();
    assert_eq!(runs.len(), 104, "100 recorded runs and 4 stream runs");
    assert_eq!(external.len(), 104, "none recorded twice");
    assert!(runs.iter().all(|r| r.status == "COMPLETED"));
    let _ = std::fs::remove_dir_all(&spool);
}

/// Issue 4, test 4: one event the server refuses (400: malformed timestamp)
/// among many: the rest arrive; it is in the dead-letter file with its reason.
#[test]
fn one_poisoned_event_is_dead_lettered_and_the_rest_arrive() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = spool_dir("poison");
    let config = config(&emulator, &spool);
    let dead_letters = config.dead_letter_path();
    let guard = runtime::init(config).unwrap();

    hooks::submit_stream_start("cus_poison", "poison-agent", "stream-poison");
    let mut poisoned_key = String::new();
    for i in 0..300 {
        let mut event = tool_event(i);
        if i == 137 {
            event.timestamp = "not a time".into();
            poisoned_key = event.idempotency_key.clone();
        }
        hooks::submit_stream_events("stream-poison", vec![event]);
    }
    hooks::submit_stream_end("stream-poison", RunStatus::Completed);
    hooks::submit_run(
        "cus_poison",
        "poison-agent",
        "rec-after-poison",
        (0..20).map(tool_event).collect(),
    );
    let report = guard.shutdown();

    assert_eq!(report.rejected, 1, "{report:?}");
    assert_eq!(report.sent, 299 + 20, "{report:?}");
    assert_eq!(emulator.events().len(), 319);
    assert!(
        emulator
            .events()
            .iter()
            .all(|e| e.idempotency_key.as_deref() != Some(poisoned_key.as_str()))
    );

    let text = std::fs::read_to_string(&dead_letters).expect("the dead-letter file exists");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("dead letters are JSON lines"))
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["status"], 400);
    assert!(
        lines[0]["reason"].as_str().unwrap().contains("timestamp"),
        "{text}"
    );
    assert_eq!(
        lines[0]["envelope"]["stream_events"]["events"][0]["idempotencyKey"],
        poisoned_key.as_str()
    );
    let _ = std::fs::remove_dir_all(&spool);
}

/// Issue 4, test 5: a server that accepts connections and never answers:
/// shutdown returns within its deadline and everything is in the spool; the
/// next start delivers it.
#[test]
fn a_server_that_never_answers_cannot_hold_shutdown_past_its_deadline() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.faults().stall(true);
    let spool = spool_dir("stall");
    let deadline = Duration::from_millis(500);
    let guard = runtime::init(config(&emulator, &spool).shutdown_deadline(deadline)).unwrap();
    for u in 0..50 {
        hooks::submit_usage("cus_stall", "tokens", 3.0, &format!("stall-usage-{u}"));
    }
    hooks::submit_run(
        "cus_stall",
        "stall-agent",
        "rec-stall",
        (0..50).map(tool_event).collect(),
    );

    // The guard's drain uses the configured deadline and then gives up: what
    // shows it is that everything ends up spooled, none of it sent. The wait
    // below is only a hang guard, far beyond the deadline.
    let (done, dropped) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(guard);
        let _ = done.send(());
    });
    dropped
        .recv_timeout(Duration::from_secs(60))
        .expect("dropping the guard hung against a stalled server");
    let report = runtime::shutdown(Duration::ZERO);
    assert_eq!(report.spooled, 100, "{report:?}");
    assert_eq!(report.sent, 0, "{report:?}");

    emulator.faults().clear();
    let guard = runtime::init(config(&emulator, &spool)).unwrap();
    let report = guard.shutdown();
    assert_eq!(report.delivered(), 100, "{report:?}");
    assert_eq!(report.spooled, 0, "{report:?}");
    assert_eq!(emulator.usage().len(), 50);
    assert_eq!(emulator.events().len(), 50);
    let _ = std::fs::remove_dir_all(&spool);
}
