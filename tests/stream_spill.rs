//! Stream-mode runs whose callers spill: a queue of one slot, a server that
//! does not answer, four threads of `#[drip::run(stream)]` runs, so callers
//! find the queue full and write their chunks as compact spill records
//! (`delivery/spill_record.rs`). Once the server answers, every event is
//! stored exactly once, with the tool name, status, metadata, key and
//! timestamp the transport's own path gives; against the emulator over
//! loopback. Its own test binary: `drip::init` installs the one global runtime.

#[path = "support/spool.rs"]
mod spool;
#[path = "support/unix_ms.rs"]
mod unix_ms;

use drip_emulator::Emulator;
use spool::Spool;
use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use unix_ms::unix_ms;

const THREADS: u64 = 4;
const RUNS_PER_THREAD: u64 = 6;
const CALLS_PER_RUN: u64 = 1_000;

#[drip::tool(name = "web-search", metadata(region = "eu", attempt = 2))]
fn search(page: u64) -> u64 {
    page + 1
}

#[drip::tool(name = "fetch")]
fn fetch(page: u64) -> Result<u64, std::io::Error> {
    if page % 10 == 3 {
        Err(std::io::Error::other("unreachable"))
    } else {
        Ok(page)
    }
}

#[drip::run(customer = "cus_spill", workflow = "spill-agent", stream)]
fn agent(calls: u64) {
    for i in 0..calls {
        if i % 2 == 0 {
            search(i);
        } else {
            let _ = fetch(i);
        }
    }
}

/// Events in the spool's spill records (lines `{"spilled_events":…}`).
fn spilled_events(dir: &std::path::Path) -> u64 {
    let mut events = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        for line in text
            .lines()
            .filter(|l| l.starts_with("{\"spilled_events\""))
        {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            events += record["spilled_events"]["events"].as_array().unwrap().len() as u64;
        }
    }
    events
}

fn flush(deadline: Duration) -> drip::FlushReport {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(drip::flush(deadline))
}

#[test]
fn spilled_stream_chunks_are_delivered_exactly_once_as_the_transport_would_send_them() {
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.set_request_logging(false);
    emulator.faults().stall(true);
    let spool = Spool::new("stream-spill", "burst");
    let config = spool.spilling_config(&emulator);
    let segments = config.effective_spool_dir();
    let guard = drip::init(config).unwrap();

    let wall_before = SystemTime::now();
    let producers: Vec<_> = (0..THREADS)
        .map(|_| {
            std::thread::spawn(|| {
                for _ in 0..RUNS_PER_THREAD {
                    agent(CALLS_PER_RUN);
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let wall_after = SystemTime::now();
    let total = THREADS * RUNS_PER_THREAD * CALLS_PER_RUN;

    // Spooled means on disk: wait for the transport to hand every event to the OS.
    let give_up = Instant::now() + Duration::from_secs(60);
    while drip::stats().spooled < total && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(10));
    }
    let stats = drip::stats();
    assert_eq!(
        (stats.spooled, stats.dropped, stats.sent),
        (total, 0, 0),
        "{stats:?}"
    );
    let spilled = spilled_events(&segments);
    eprintln!("{spilled} of {total} events spilled as spill records");
    assert!(spilled > 0, "no caller spilled: {stats:?}");

    emulator.faults().stall(false);
    let report = flush(Duration::from_secs(60));
    assert!(report.is_complete(), "{report:?}");
    let report = guard.shutdown();
    assert_eq!(report.dropped + report.rejected, 0, "{report:?}");

    let events = emulator.events();
    assert_eq!(events.len() as u64, total, "every event stored once");
    let keys: HashSet<_> = events
        .iter()
        .filter_map(|e| e.idempotency_key.clone())
        .collect();
    assert_eq!(keys.len() as u64, total, "one key per event");
    let ms = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    let (earliest, latest) = (ms(wall_before) - 1, ms(wall_after) + 1);
    let (mut searches, mut errors) = (0u64, 0u64);
    for event in &events {
        assert_eq!(event.event_type, "tool.call");
        assert_eq!(
            (event.quantity, event.units.as_deref()),
            (Some(1.0), Some("calls"))
        );
        let timestamp = event.timestamp.as_deref().unwrap();
        assert!(
            (earliest..=latest).contains(&unix_ms(timestamp)),
            "{timestamp} outside the burst"
        );
        let meta = event.metadata.as_ref().unwrap();
        assert!(
            meta["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
            "{meta}"
        );
        match meta["tool_name"].as_str() {
            Some("web-search") => {
                searches += 1;
                assert_eq!(meta["status"], "ok", "{meta}");
                assert_eq!(
                    (&meta["region"], &meta["attempt"]),
                    (&"eu".into(), &2.into())
                );
                assert_eq!(meta.as_object().unwrap().len(), 5, "{meta}");
            }
            Some("fetch") if meta["status"] == "error" => {
                errors += 1;
                assert_eq!(meta["error_type"], "io::Error", "{meta}");
                assert_eq!(meta.as_object().unwrap().len(), 4, "{meta}");
            }
            Some("fetch") => {
                assert_eq!(meta["status"], "ok", "{meta}");
                assert_eq!(meta.as_object().unwrap().len(), 3, "{meta}");
            }
            other => panic!("unexpected tool {other:?}: {meta}"),
        }
    }
    assert_eq!(searches, total / 2);
    assert_eq!(errors, total / 10);
    let runs = emulator.runs();
    assert_eq!(runs.len() as u64, THREADS * RUNS_PER_THREAD);
    assert!(
        runs.iter()
            .all(|r| r.status == "COMPLETED" && r.event_count == CALLS_PER_RUN),
        "{runs:?}"
    );
}
