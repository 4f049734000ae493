//! A spool written by the previous drip (one struct per envelope kind, before
//! the envelopes held the client's request types) replays after an upgrade:
//! every kind, exactly once, with the keys, ids, parents and timing it was
//! written with.
//!
//! The segments below are written by hand in that format, as the previous
//! `serde` derive serialised it. So is a spool of the format before event
//! batches and record-mode runs were spooled with `"checked":true` (lines a
//! drip of this version also reads back by a scan), beside lines that carry it,
//! and a spool holding a stream chunk's compact spill record (written by a
//! caller who found the queue full), whose keys and timestamps are made
//! from its numbers when it is read back, and one holding a record-mode
//! run's spill record (its events as numbers, then its own part).

use drip::config::Config;
use drip::runtime;
use drip_emulator::Emulator;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Tests here take turns: `runtime::init` installs the one global runtime.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// One segment of the previous format: a stream run nested in nothing, a
/// record-mode run nested in it (started 2023-11-14T22:13:20Z, 1.5 s long),
/// a usage record and a charge.
const PREVIOUS_FORMAT: &str = concat!(
    r#"{"stream_start":{"customer_id":"cus_up","workflow":"upgrade-streamer","external_run_id":"xrun_up_stream","correlation_id":"corr_up","metadata":{"region":"eu"}}}"#,
    "\n",
    r#"{"stream_events":{"external_run_id":"xrun_up_stream","events":[{"eventType":"tool.call","quantity":1.0,"units":"calls","metadata":{"tool_name":"search","duration_ms":1.5,"status":"ok"},"idempotencyKey":"evt_up_1","timestamp":"2026-12-04T15:14:30.694Z"},{"eventType":"llm.call","quantity":12.0,"units":"tokens","metadata":{"model":"gpt-4o"},"idempotencyKey":"evt_up_2","timestamp":"2026-12-04T15:14:30.695Z"}]}}"#,
    "\n",
    r#"{"run":{"customer_id":"cus_up","workflow":"upgrade-recorder","external_run_id":"xrun_up_record","parent_external_run_id":"xrun_up_stream","status":"FAILED","error_code":"Timeout","error_message":"upstream timed out","metadata":{"region":"eu"},"events":[{"eventType":"agent.plan","description":"plan","idempotencyKey":"evt_up_3","timestamp":"2026-12-04T15:14:30.696Z"}],"started_at":{"secs_since_epoch":1700000000,"nanos_since_epoch":0},"ended_at":{"secs_since_epoch":1700000001,"nanos_since_epoch":500000000}}}"#,
    "\n",
    r#"{"stream_end":{"external_run_id":"xrun_up_stream","status":"COMPLETED"}}"#,
    "\n",
    r#"{"usage":{"customer_id":"cus_up","meter":"api-calls","quantity":2.0,"metadata":{"region":"eu"},"idempotency_key":"usage_up_1"}}"#,
    "\n",
    r#"{"charge":{"customer_id":"cus_up","meter":"tokens","quantity":3.0,"idempotency_key":"stream_up_1"}}"#,
    "\n",
);

fn spool_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drip-upgrade-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The keys of the events the emulator stored, sorted.
fn stored_event_keys(emulator: &drip_emulator::EmulatorHandle) -> Vec<String> {
    let mut keys: Vec<_> = emulator
        .events()
        .into_iter()
        .filter_map(|e| e.idempotency_key)
        .collect();
    keys.sort();
    keys
}

fn config(emulator: &drip_emulator::EmulatorHandle, spool: &PathBuf) -> Config {
    Config::new(emulator.secret_key())
        .base_url(emulator.base_url())
        .spool_dir(spool)
        .linger(Duration::from_millis(5))
}

#[test]
fn a_spool_of_the_previous_format_replays_exactly_once() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.fund_balance("cus_up", 100.0);
    let spool = spool_dir();
    let dir = config(&emulator, &spool).effective_spool_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("seg-0000000000001-0000000000aaaa-00000000.jsonl"),
        PREVIOUS_FORMAT,
    )
    .unwrap();
    // The same work again, as a crash between sending and deleting leaves
    // it: recognised by its keys, stored once.
    std::fs::write(
        dir.join("seg-0000000000002-0000000000aaaa-00000000.jsonl"),
        PREVIOUS_FORMAT,
    )
    .unwrap();

    let report = runtime::init(config(&emulator, &spool)).unwrap().shutdown();
    assert_eq!(report.rejected + report.dropped, 0, "{report:?}");
    // Each segment: three events, one usage record, one charge.
    assert_eq!(report.sent + report.duplicates, 10, "{report:?}");
    assert_eq!(
        report.sent, 5,
        "the second copy is all duplicates: {report:?}"
    );

    let runs = emulator.runs();
    assert_eq!(runs.len(), 2, "{runs:?}");
    let run = |ext: &str| {
        runs.iter()
            .find(|r| r.external_run_id.as_deref() == Some(ext))
            .unwrap_or_else(|| panic!("run {ext} is missing: {runs:?}"))
    };
    let stream = run("xrun_up_stream");
    assert_eq!(stream.status, "COMPLETED");
    assert_eq!(stream.correlation_id.as_deref(), Some("corr_up"));
    assert_eq!(stream.workflow_slug, "upgrade-streamer");
    let record = run("xrun_up_record");
    assert_eq!(record.status, "FAILED");
    assert_eq!(record.error_code.as_deref(), Some("Timeout"));
    assert_eq!(record.parent_run_id.as_deref(), Some(stream.id.as_str()));
    assert_eq!(record.duration_ms, Some(1_500), "timing as written");
    assert_eq!(record.started_at, "2023-11-14T22:13:20.000Z");

    let keys = stored_event_keys(&emulator);
    assert_eq!(keys, ["evt_up_1", "evt_up_2", "evt_up_3"]);
    let usage: Vec<_> = emulator
        .usage()
        .into_iter()
        .filter_map(|u| u.idempotency_key)
        .collect();
    assert!(usage.contains(&"usage_up_1".to_owned()), "{usage:?}");
    let charges = emulator.charges();
    assert_eq!(charges.len(), 1, "{charges:?}");
    assert_eq!(charges[0].idempotency_key.as_deref(), Some("stream_up_1"));
    assert_eq!(charges[0].quantity, 3.0);

    // Nothing is left to replay.
    let again = runtime::init(config(&emulator, &spool)).unwrap().shutdown();
    assert_eq!(again.sent + again.duplicates, 0, "{again:?}");
    assert_eq!(emulator.events().len(), 3);
    let _ = std::fs::remove_dir_all(&spool);
}

/// The format before `"checked"`: event batches and record-mode runs whose
/// events are parsed in full and checked again at dispatch, then the same
/// kinds in this version's lines (`"checked":true`, events kept as bytes).
const CURRENT_FORMAT: &str = concat!(
    r#"{"start_run":{"run":{"customerId":"cus_cur","workflowId":"","externalRunId":"xrun_cur_stream","idempotencyKey":"start:xrun_cur_stream"},"workflow":"current-streamer"}}"#,
    "\n",
    r#"{"stream_events":{"external_run_id":"xrun_cur_stream","events":[{"eventType":"tool.call","quantity":1.0,"units":"calls","metadata":{"duration_ms":0.5,"status":"ok","tool_name":"search"},"idempotencyKey":"evt_cur_1","timestamp":"2026-12-04T15:14:30.694Z"}]}}"#,
    "\n",
    r#"{"stream_events":{"external_run_id":"xrun_cur_stream","checked":true,"events":[{"eventType":"tool.call","quantity":1.0,"units":"calls","metadata":{"duration_ms":0.5,"status":"ok","tool_name":"search"},"idempotencyKey":"evt_cur_2","timestamp":"2026-12-04T15:14:30.695Z"},{"eventType":"tool.call","quantity":1.0,"units":"calls","metadata":{"duration_ms":0.7,"status":"error","tool_name":"fetch"},"idempotencyKey":"evt_cur_3","timestamp":"2026-12-04T15:14:30.696Z"}]}}"#,
    "\n",
    r#"{"record_run":{"run":{"customerId":"cus_cur","workflow":"current-recorder","events":[{"eventType":"agent.plan","description":"plan","idempotencyKey":"evt_cur_4","timestamp":"2026-12-04T15:14:30.697Z"}],"status":"COMPLETED","externalRunId":"xrun_cur_record_1","idempotencyKey":"rec:xrun_cur_record_1"},"parent_external_run_id":"xrun_cur_stream"}}"#,
    "\n",
    r#"{"record_run":{"checked":true,"run":{"customerId":"cus_cur","workflow":"current-recorder","events":[{"eventType":"tool.call","quantity":1.0,"units":"calls","metadata":{"duration_ms":0.5,"status":"ok","tool_name":"search"},"idempotencyKey":"evt_cur_5","timestamp":"2026-12-04T15:14:30.698Z"},{"eventType":"tool.call","quantity":1.0,"units":"calls","metadata":{"duration_ms":0.5,"status":"ok","tool_name":"search"},"idempotencyKey":"evt_cur_6","timestamp":"2026-12-04T15:14:30.699Z"}],"status":"FAILED","errorCode":"Timeout","externalRunId":"xrun_cur_record_2","idempotencyKey":"rec:xrun_cur_record_2"}}}"#,
    "\n",
    r#"{"end_run":{"external_run_id":"xrun_cur_stream","end":{"status":"COMPLETED","idempotencyKey":"end:xrun_cur_stream"}}}"#,
    "\n",
);

/// Replays, into `emulator`, a spool holding `segment` twice, in two
/// segments an earlier process left (as a crash between sending and
/// deleting leaves its work): the report once everything is sent, nothing
/// refused or dropped. The spool (`drip-upgrade-<name>-<pid>`) is removed.
fn replay_holding_twice(
    emulator: &drip_emulator::EmulatorHandle,
    name: &str,
    segment: &str,
) -> drip::FlushReport {
    let spool = std::env::temp_dir().join(format!("drip-upgrade-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let dir = config(emulator, &spool).effective_spool_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for n in 1..=2 {
        std::fs::write(
            dir.join(format!("seg-000000000000{n}-0000000000bbbb-00000000.jsonl")),
            segment,
        )
        .unwrap();
    }
    let report = runtime::init(config(emulator, &spool)).unwrap().shutdown();
    let _ = std::fs::remove_dir_all(&spool);
    assert_eq!(report.rejected + report.dropped, 0, "{report:?}");
    report
}

#[test]
fn a_spool_from_before_checked_lines_and_one_with_them_replay_exactly_once() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let report = replay_holding_twice(&emulator, "current", CURRENT_FORMAT);
    assert_eq!((report.sent, report.duplicates), (6, 6), "{report:?}");

    let keys = stored_event_keys(&emulator);
    assert_eq!(
        keys,
        [
            "evt_cur_1",
            "evt_cur_2",
            "evt_cur_3",
            "evt_cur_4",
            "evt_cur_5",
            "evt_cur_6"
        ]
    );
    let runs = emulator.runs();
    assert_eq!(runs.len(), 3, "{runs:?}");
    let stream = runs
        .iter()
        .find(|r| r.external_run_id.as_deref() == Some("xrun_cur_stream"))
        .unwrap();
    assert_eq!(
        (stream.status.as_str(), stream.event_count),
        ("COMPLETED", 3)
    );
    let failed = runs
        .iter()
        .find(|r| r.external_run_id.as_deref() == Some("xrun_cur_record_2"))
        .unwrap();
    assert_eq!((failed.status.as_str(), failed.event_count), ("FAILED", 2));
    assert_eq!(failed.error_code.as_deref(), Some("Timeout"));
    let nested = runs
        .iter()
        .find(|r| r.external_run_id.as_deref() == Some("xrun_cur_record_1"))
        .unwrap();
    assert_eq!(nested.parent_run_id.as_deref(), Some(stream.id.as_str()));
}

/// A stream run whose events a spilling caller wrote as a compact spill
/// record (numbers per call, the tool sites once, one key block): the
/// key nonce `00000000000000c4`, keys `…c4` + 0x20 and 0x21, the run's
/// wall-clock start 2025-11-24T16:00:00Z and the calls' ends 1 ms and
/// 1.5 s after it.
const SPILL_RECORD_FORMAT: &str = concat!(
    r#"{"start_run":{"run":{"customerId":"cus_spill","workflowId":"","externalRunId":"xrun_spill","idempotencyKey":"start:xrun_spill"},"workflow":"spill-streamer"}}"#,
    "\n",
    r#"{"spilled_events":{"external_run_id":"xrun_spill","nonce":"00000000000000c4","key":32,"wall_ns":1764000000000000000,"events":[[0,1000000,2500000,0],[1,1500000000,750000,1,"io::Error"]],"sites":[["web-search",[["region",0,"eu"],["attempt",1,2]]],["fetch",[["retry_count",1,3],["latency_ms",2,4598175219545276416]]]]}}"#,
    "\n",
    r#"{"end_run":{"external_run_id":"xrun_spill","end":{"status":"COMPLETED","idempotencyKey":"end:xrun_spill"}}}"#,
    "\n",
);

#[test]
fn a_spool_with_a_spill_record_replays_exactly_once_with_its_keys_and_timestamps() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let report = replay_holding_twice(&emulator, "spilled", SPILL_RECORD_FORMAT);
    assert_eq!((report.sent, report.duplicates), (2, 2), "{report:?}");

    let mut events = emulator.events();
    events.sort_by(|a, b| a.idempotency_key.cmp(&b.idempotency_key));
    assert_eq!(events.len(), 2, "{events:?}");
    let keys: Vec<_> = events
        .iter()
        .map(|e| e.idempotency_key.as_deref())
        .collect();
    assert_eq!(
        keys,
        [
            Some("evt_00000000000000c420"),
            Some("evt_00000000000000c421")
        ]
    );
    let (search, fetch) = (&events[0], &events[1]);
    assert_eq!(search.event_type, "tool.call");
    assert_eq!(
        search.timestamp.as_deref(),
        Some("2025-11-24T16:00:00.001Z")
    );
    assert_eq!(fetch.timestamp.as_deref(), Some("2025-11-24T16:00:01.500Z"));
    assert_eq!(
        search.metadata,
        Some(serde_json::json!({
            "tool_name": "web-search", "duration_ms": 2.5, "status": "ok",
            "region": "eu", "attempt": 2
        }))
    );
    assert_eq!(
        fetch.metadata,
        Some(serde_json::json!({
            "tool_name": "fetch", "duration_ms": 0.75, "status": "error",
            "error_type": "io::Error", "retry_count": 3, "latency_ms": 0.25
        }))
    );
    let runs = emulator.runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        (runs[0].status.as_str(), runs[0].event_count),
        ("COMPLETED", 2)
    );
}

/// A record-mode run a spilling caller wrote as a compact spill record: its
/// events as numbers (key nonce `00000000000000d5`, keys `…d5` + 0x40 and
/// 0x41, ends 2 ms and 2.25 s after the run's wall-clock start
/// 2025-11-24T16:00:00Z), then the run's own part as its envelope writes it.
const RUN_SPILL_RECORD_FORMAT: &str = concat!(
    r#"{"spilled_run":{"nonce":"00000000000000d5","key":64,"wall_ns":1764000000000000000,"#,
    r#""events":[[0,2000000,1500000,0],[1,2250000000,250000,2,"Panic"]],"#,
    r#""sites":[["web-search",[["region",0,"eu"]]],["fetch",[["retry_count",1,3]]]],"#,
    r#""run":{"record_run":{"run":{"customerId":"cus_rspill","workflow":"spill-recorder","events":[],"#,
    r#""status":"FAILED","errorCode":"Timeout","externalRunId":"xrun_rspill","idempotencyKey":"rec:xrun_rspill","#,
    r#""startedAt":"2025-11-24T16:00:00.000Z","endedAt":"2025-11-24T16:00:03.000Z","durationMs":3000,"#,
    r#""metadata":{"region":"eu"}}}}}}"#,
    "\n",
);

#[test]
fn a_spool_with_a_run_spill_record_replays_exactly_once_with_its_keys() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.fund_balance("cus_rspill", 100.0);
    let report = replay_holding_twice(&emulator, "run-spilled", RUN_SPILL_RECORD_FORMAT);
    assert_eq!((report.sent, report.duplicates), (2, 2), "{report:?}");

    let mut events = emulator.events();
    events.sort_by(|a, b| a.idempotency_key.cmp(&b.idempotency_key));
    let keys: Vec<_> = events
        .iter()
        .map(|e| e.idempotency_key.as_deref())
        .collect();
    assert_eq!(
        keys,
        [
            Some("evt_00000000000000d540"),
            Some("evt_00000000000000d541")
        ]
    );
    let (search, fetch) = (&events[0], &events[1]);
    assert_eq!(
        search.timestamp.as_deref(),
        Some("2025-11-24T16:00:00.002Z")
    );
    assert_eq!(fetch.timestamp.as_deref(), Some("2025-11-24T16:00:02.250Z"));
    assert_eq!(
        search.metadata,
        Some(serde_json::json!({
            "tool_name": "web-search", "duration_ms": 1.5, "status": "ok", "region": "eu"
        }))
    );
    assert_eq!(
        fetch.metadata,
        Some(serde_json::json!({
            "tool_name": "fetch", "duration_ms": 0.25, "status": "panicked",
            "error_type": "Panic", "retry_count": 3
        }))
    );
    let runs = emulator.runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    assert_eq!(run.external_run_id.as_deref(), Some("xrun_rspill"));
    assert_eq!((run.status.as_str(), run.event_count), ("FAILED", 2));
    assert_eq!(run.error_code.as_deref(), Some("Timeout"));
    assert_eq!(run.workflow_slug, "spill-recorder");
    assert_eq!(run.idempotency_key.as_deref(), Some("rec:xrun_rspill"));
    assert_eq!(run.metadata, Some(serde_json::json!({ "region": "eu" })));
    assert_eq!(run.duration_ms, Some(3_000));
}
