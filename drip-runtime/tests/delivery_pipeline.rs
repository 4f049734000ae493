//! The delivery pipeline against the emulator over loopback: what arrives, what
//! the reports say, and how the pipeline behaves at its edges.
//!
//! The pipeline is process-global, so the tests of this file take turns.

use drip_emulator::{Emulator, EmulatorHandle};
use drip_runtime::config::{Config, OverflowPolicy};
use drip_runtime::model::{Event, RunStatus, ToolStatus};
use drip_runtime::runtime::{self, __test_hooks as hooks};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

fn spool_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drip-delivery-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn config(emulator: &EmulatorHandle, spool: &PathBuf) -> Config {
    Config::new(emulator.secret_key())
        .base_url(emulator.base_url())
        .spool_dir(spool)
        .linger(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(200))
}

fn tool_events(n: usize) -> Vec<Event> {
    (0..n)
        .map(|i| {
            Event::tool_call(
                "web-search",
                Duration::from_millis(i as u64),
                ToolStatus::Ok,
            )
        })
        .collect()
}

/// Waits (as a hang guard, not a timing assertion) until `cond` holds.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < give_up, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn multi_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn runs_usage_and_stream_runs_arrive_once_and_the_report_agrees() {
    let _turn = turn();
    multi_thread_runtime().block_on(mixed_work_arrives_once());
}

async fn mixed_work_arrives_once() {
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = spool_dir("mixed");
    let guard = runtime::init(config(&emulator, &spool)).unwrap();

    let mut keys = HashSet::new();
    for r in 0..10 {
        let events = tool_events(20);
        keys.extend(events.iter().map(|e| e.idempotency_key.clone()));
        hooks::submit_run("cus_1", "research-agent", &format!("run-rec-{r}"), events);
    }
    hooks::submit_stream_start("cus_2", "streamer", "run-stream-1");
    for _ in 0..30 {
        let events = tool_events(1);
        keys.extend(events.iter().map(|e| e.idempotency_key.clone()));
        hooks::submit_stream_events("run-stream-1", events);
    }
    hooks::submit_stream_end("run-stream-1", RunStatus::Completed);
    for u in 0..15 {
        hooks::submit_usage("cus_3", "api_calls", 2.0, &format!("usage-{u}"));
    }

    let report = runtime::flush(Duration::from_secs(30)).await;
    assert_eq!(report.sent, 200 + 30 + 15, "{report:?}");
    assert_eq!(report.duplicates, 0, "{report:?}");
    assert!(report.is_complete(), "{report:?}");

    let stored: HashSet<String> = emulator
        .events()
        .into_iter()
        .filter_map(|e| e.idempotency_key)
        .collect();
    assert_eq!(emulator.events().len(), 230);
    assert_eq!(
        stored, keys,
        "every event arrives once with the key it was made with"
    );
    assert_eq!(emulator.usage().len(), 15);
    let stream_run = emulator
        .runs()
        .into_iter()
        .find(|r| r.external_run_id.as_deref() == Some("run-stream-1"))
        .expect("the stream run exists");
    assert_eq!(stream_run.status, "COMPLETED");
    assert_eq!(stream_run.event_count, 30);

    let after = guard.shutdown();
    assert_eq!(after.sent, 245);
    assert_eq!(after.spooled, 0);
    let stats = runtime::stats();
    assert!(!stats.running);
    assert_eq!(stats.sent, 245);
    let _ = std::fs::remove_dir_all(&spool);
}

#[test]
fn timestamps_and_keys_made_at_creation_are_the_ones_stored() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = spool_dir("keys");
    let guard = runtime::init(config(&emulator, &spool)).unwrap();
    let mut event = Event::llm_call("gpt-4o", 42);
    event.timestamp = "2020-01-02T03:04:05.006Z".into();
    let key = event.idempotency_key.clone();
    hooks::submit_run("cus_1", "agent", "run-ts", vec![event]);
    let report = guard.shutdown();
    assert_eq!(report.sent, 1, "{report:?}");
    let stored = emulator.events();
    assert_eq!(stored[0].idempotency_key.as_deref(), Some(key.as_str()));
    assert_eq!(
        stored[0].timestamp.as_deref(),
        Some("2020-01-02T03:04:05.006Z")
    );
    let _ = std::fs::remove_dir_all(&spool);
}

/// A record-mode run whose text and metadata carry an e-mail address, as
/// handed to the pipeline (the run context sanitises too; this is the
/// pipeline's own pass, which the spool and the request body rely on).
fn submit_hostile_run(external_run_id: &str) {
    const EMAIL: &str = "jane.roe@example.com";
    let mut event = Event::plan(format!("answer {EMAIL}"));
    let mut event_metadata = drip_runtime::Metadata::new();
    event_metadata.insert("user_email", EMAIL);
    event_metadata.insert("retry_count", 2);
    event.metadata = Some(event_metadata);
    let mut run_metadata = drip_runtime::Metadata::new();
    run_metadata.insert("contact_email", EMAIL);
    run_metadata.insert("region", "eu-west-1");
    hooks::submit_failed_run(
        "cus_1",
        "agent",
        external_run_id,
        vec![event],
        &format!("mail to {EMAIL} bounced"),
        run_metadata,
    );
}

#[test]
fn a_record_mode_run_is_sanitised_before_it_is_sent() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = spool_dir("sanitised-wire");
    let guard = runtime::init(config(&emulator, &spool)).unwrap();
    submit_hostile_run("run-hostile");
    let report = guard.shutdown();
    assert_eq!(report.sent, 1, "{report:?}");
    let record = emulator
        .requests()
        .into_iter()
        .find(|r| r.path_and_query.ends_with("/runs/record"))
        .expect("the run was recorded");
    let body = record.body_text();
    assert!(!body.contains("jane.roe"), "{body}");
    // What is allowed still arrives.
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["metadata"]["region"], "eu-west-1", "{body}");
    assert_eq!(json["events"][0]["metadata"]["retry_count"], 2, "{body}");
    assert!(json["errorMessage"].is_string(), "{body}");
    assert_eq!(json["externalRunId"], "run-hostile");
    let _ = std::fs::remove_dir_all(&spool);
}

#[test]
fn a_record_mode_run_is_sanitised_before_it_is_spooled() {
    let _turn = turn();
    // Nothing listens there: the run stays in the spool.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", dead.local_addr().unwrap());
    drop(dead);
    let spool = spool_dir("sanitised-spool");
    let guard = runtime::init(
        Config::new("sk_test_spool_0123456789")
            .base_url(url)
            .spool_dir(&spool)
            .linger(Duration::from_millis(5))
            // A one-slot queue: most runs are spilled to disk by this thread.
            .queue_capacity(1)
            .shutdown_deadline(Duration::from_millis(200)),
    )
    .unwrap();
    let n = 200;
    for i in 0..n {
        submit_hostile_run(&format!("run-spooled-{i}"));
    }
    let report = guard.shutdown();
    assert_eq!(report.spooled, n, "{report:?}");
    let spooled = read_all(&spool);
    for i in 0..n {
        let id = format!("\"run-spooled-{i}\"");
        assert!(spooled.contains(&id), "{id} is in the spool: {spooled}");
    }
    assert!(!spooled.contains("jane.roe"), "{spooled}");
    let _ = std::fs::remove_dir_all(&spool);
}

/// Every file under `dir`, as text.
fn read_all(dir: &std::path::Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            text.push_str(&read_all(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    text
}

#[test]
fn a_record_mode_run_arrives_with_the_duration_it_ran_for() {
    use drip_runtime::private::{Outcome, RunSite, run_enter};
    static SITE: RunSite = RunSite {
        workflow: "timed-agent",
        stream: false,
        metadata: &[],
        error_message: false,
    };
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = spool_dir("timing");
    let guard = runtime::init(config(&emulator, &spool)).unwrap();
    let run = run_enter(&SITE, "cus_1", None);
    run.enter_sync(|| {
        drip_runtime::llm_call("gpt-4o", 10);
        std::thread::sleep(Duration::from_millis(50));
    });
    run.finish(Outcome::Ok);
    let report = guard.shutdown();
    assert_eq!(report.sent, 1, "{report:?}");
    let runs = emulator.runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].workflow_slug, "timed-agent");
    let duration = runs[0].duration_ms.expect("an ended run has a duration");
    assert!(duration >= 40, "the run slept 50 ms, stored {duration} ms");
    assert!(runs[0].ended_at.is_some());
    let _ = std::fs::remove_dir_all(&spool);
}

/// A `child` run started inside a stream-mode parent arrives linked to it.
fn nested_run_arrives_linked(child: &'static drip_runtime::private::RunSite, spool_name: &str) {
    use drip_runtime::private::{Outcome, RunSite, run_enter};
    static PARENT: RunSite = RunSite {
        workflow: "planner",
        stream: true,
        metadata: &[],
        error_message: false,
    };
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = spool_dir(spool_name);
    let guard = runtime::init(config(&emulator, &spool)).unwrap();

    // Submitted within one linger: a stream child's start shares its parent's segment.
    let parent = run_enter(&PARENT, "cus_nested", None);
    parent.enter_sync(|| {
        drip_runtime::llm_call("gpt-4o", 10);
        let run = run_enter(child, "cus_nested", None);
        run.enter_sync(|| drip_runtime::llm_call("gpt-4o", 5));
        run.finish(Outcome::Ok);
    });
    parent.finish(Outcome::Ok);
    let report = runtime::shutdown(Duration::from_secs(10));
    drop(guard);
    assert_eq!((report.rejected, report.dropped), (0, 0), "{report:?}");

    let runs = emulator.runs();
    let find = |slug: &str| {
        runs.iter()
            .find(|r| r.workflow_slug == slug)
            .unwrap_or_else(|| panic!("no {slug} run in {runs:?}"))
    };
    let (parent, child) = (find("planner"), find(child.workflow));
    assert_eq!(parent.status, "COMPLETED");
    assert_eq!(child.status, "COMPLETED");
    assert_eq!(child.parent_run_id.as_deref(), Some(parent.id.as_str()));
    let _ = std::fs::remove_dir_all(&spool);
}

#[test]
fn a_record_mode_run_inside_a_stream_run_arrives_linked_to_it() {
    static CHILD: drip_runtime::private::RunSite = drip_runtime::private::RunSite {
        workflow: "researcher",
        stream: false,
        metadata: &[],
        error_message: false,
    };
    nested_run_arrives_linked(&CHILD, "nested");
}

#[test]
fn a_stream_run_inside_a_stream_run_arrives_linked_to_it() {
    static CHILD: drip_runtime::private::RunSite = drip_runtime::private::RunSite {
        workflow: "summariser",
        stream: true,
        metadata: &[],
        error_message: false,
    };
    nested_run_arrives_linked(&CHILD, "nested-stream");
}

#[test]
fn init_refuses_bad_keys_untrusted_urls_and_a_second_pipeline() {
    let _turn = turn();
    let spool = spool_dir("init");
    let short = runtime::init(Config::new("sk_x").spool_dir(&spool));
    assert!(matches!(short, Err(drip_runtime::Error::Config { .. })));
    let plain_http = runtime::init(
        Config::new("sk_test_0123456789")
            .base_url("http://example.com/v1")
            .spool_dir(&spool),
    );
    let message = plain_http.unwrap_err().to_string();
    assert!(message.contains("must use https"), "{message}");
    assert!(
        !message.contains("0123456789"),
        "the key never appears: {message}"
    );

    let emulator = Emulator::builder().start_blocking().unwrap();
    let first = runtime::init(config(&emulator, &spool)).unwrap();
    let second = runtime::init(config(&emulator, &spool));
    assert!(matches!(second, Err(drip_runtime::Error::Config { .. })));
    drop(first);
    // After the first guard is gone a new pipeline may start.
    let third = runtime::init(config(&emulator, &spool)).unwrap();
    drop(third);
    let _ = std::fs::remove_dir_all(&spool);
}

#[test]
fn a_disabled_configuration_starts_nothing() {
    let _turn = turn();
    let guard = runtime::init(Config::new("sk_test_0123456789").disabled(true)).unwrap();
    assert!(!runtime::stats().running);
    assert_eq!(guard.shutdown(), drip_runtime::FlushReport::default());
}

#[test]
fn every_overflowing_item_is_either_delivered_or_counted_as_dropped() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.set_request_logging(false);
    for policy in [
        OverflowPolicy::DropNewest,
        OverflowPolicy::Spill,
        OverflowPolicy::Block,
    ] {
        let spool = spool_dir(&format!("overflow-{policy:?}"));
        let guard =
            runtime::init(config(&emulator, &spool).queue_capacity(1).overflow(policy)).unwrap();
        let before = emulator.events().len() as u64;
        let run = format!("run-overflow-{policy:?}");
        hooks::submit_stream_start("cus_1", "overflow", &run);
        let n = 3_000u64;
        for _ in 0..n {
            hooks::submit_stream_events(&run, tool_events(1));
        }
        hooks::submit_stream_end(&run, RunStatus::Completed);
        let report = guard.shutdown();
        let stored = emulator.events().len() as u64 - before;
        assert_eq!(
            report.sent + report.duplicates,
            stored,
            "{policy:?}: {report:?}"
        );
        assert_eq!(report.sent + report.dropped, n, "{policy:?}: {report:?}");
        assert_eq!(report.spooled, 0, "{policy:?}: {report:?}");
        if policy != OverflowPolicy::DropNewest {
            assert_eq!(report.dropped, 0, "{policy:?} never drops: {report:?}");
        }
        let _ = std::fs::remove_dir_all(&spool);
    }
}

#[test]
fn callers_spill_into_bounded_segments_that_the_next_start_replays() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.faults().stall(true);
    let spool = spool_dir("bounded-segments");
    let config = || {
        config(&emulator, &spool)
            .queue_capacity(1)
            .overflow(OverflowPolicy::Spill)
            .shutdown_deadline(Duration::from_millis(300))
    };
    // About 10 MiB of spool lines, nearly all written by the callers.
    let n = 40_000u64;
    let guard = runtime::init(config()).unwrap();
    let run = "run-bounded";
    hooks::submit_stream_start("cus_1", "bounded", run);
    for _ in 0..n {
        hooks::submit_stream_events(run, tool_events(1));
    }
    hooks::submit_stream_end(run, RunStatus::Completed);
    let report = guard.shutdown();
    assert_eq!((report.spooled, report.dropped), (n, 0), "{report:?}");

    // Every segment is at most the segment size (plus the line that crossed
    // it): reading one back for delivery takes bounded memory.
    let mut sizes = Vec::new();
    for dir in std::fs::read_dir(&spool).unwrap().flatten() {
        for file in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = file.file_name().to_string_lossy().into_owned();
            if name.starts_with("seg-") {
                sizes.push(file.metadata().unwrap().len());
            }
        }
    }
    assert!(sizes.len() >= 3, "{sizes:?}");
    let largest = sizes.iter().copied().max().unwrap_or(0);
    assert!(largest <= 4 * 1024 * 1024 + 4_096, "{sizes:?}");

    // The next start replays them all once the server answers.
    emulator.faults().clear();
    let before = emulator.events().len() as u64;
    let requests_before = emulator.requests().len();
    let guard = runtime::init(config().shutdown_deadline(Duration::from_secs(20))).unwrap();
    let report = guard.shutdown();
    assert_eq!(report.sent, n, "{report:?}");
    assert_eq!(emulator.events().len() as u64 - before, n);
    // The start was sent once (ahead of its events), not again when its own
    // segment came round; the end arrived after the events.
    let replayed = &emulator.requests()[requests_before..];
    let starts = replayed
        .iter()
        .filter(|r| r.method == "POST" && r.path_and_query == "/v1/runs")
        .count();
    assert_eq!(starts, 1, "start requests on replay");
    let runs = emulator.runs();
    let stored = runs.iter().find(|r| r.workflow_slug == "bounded").unwrap();
    assert_eq!(stored.status, "COMPLETED");
    let _ = std::fs::remove_dir_all(&spool);
}

#[test]
fn stats_show_pending_work_while_the_server_stalls() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.faults().stall(true);
    let spool = spool_dir("stall-stats");
    let guard = runtime::init(config(&emulator, &spool)).unwrap();
    for u in 0..5 {
        hooks::submit_usage("cus_1", "tokens", 1.0, &format!("stall-{u}"));
    }
    eventually("requests in flight", || runtime::stats().in_flight > 0);
    let stats = runtime::stats();
    assert!(stats.running);
    assert_eq!(stats.spooled, 5);
    assert!(stats.oldest_pending_age.is_some());
    let report = guard.shutdown();
    assert_eq!(report.spooled, 5, "{report:?}");
    assert_eq!(report.sent, 0);
    emulator.faults().clear();
    let _ = std::fs::remove_dir_all(&spool);
}

#[test]
fn shutdown_without_a_pipeline_returns_at_once_and_late_items_are_counted() {
    let _turn = turn();
    let before = runtime::shutdown(Duration::from_secs(1));
    hooks::submit_usage("cus_1", "tokens", 1.0, "after-shutdown");
    let after = runtime::shutdown(Duration::from_secs(1));
    assert_eq!(after.dropped, before.dropped + 1);
}

#[test]
fn shutdown_from_inside_a_current_thread_runtime_does_not_deadlock() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = spool_dir("current-thread");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(async {
        let guard = runtime::init(config(&emulator, &spool)).unwrap();
        hooks::submit_run("cus_1", "agent", "run-ct", tool_events(3));
        let flushed = runtime::flush(Duration::from_secs(30)).await;
        assert_eq!(flushed.sent, 3);
        guard.shutdown()
    });
    assert_eq!(report.sent, 3);
    assert!(report.is_complete());
    let _ = std::fs::remove_dir_all(&spool);
}
