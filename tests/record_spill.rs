//! Record-mode runs whose callers spill: a queue of one slot, a server that
//! does not answer, four threads of `#[drip::run]` runs (each for an
//! application's own customer id, with run-time metadata, some nested in a
//! stream-mode run), so callers find the queue full and write the runs as
//! compact spill records (`delivery/spill_record.rs`: the events as numbers,
//! the run's own part once). Once the server answers, every run is stored
//! exactly once with its events, metadata, customer and parent; against the
//! emulator over loopback. Its own test binary: `drip::init` installs the
//! one global runtime.

#[path = "support/spool.rs"]
mod spool;
#[path = "support/unix_ms.rs"]
mod unix_ms;

use drip_emulator::Emulator;
use spool::Spool;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use unix_ms::unix_ms;

const THREADS: usize = 4;
/// Per thread: this many top-level runs, every third with a run nested in it.
const RUNS_PER_THREAD: usize = 9;
const CALLS_PER_RUN: u64 = 400;
const USERS: usize = 3;

#[drip::tool(name = "lookup", metadata(region = "eu", attempt = 2))]
fn lookup(page: u64) -> u64 {
    page + 1
}

#[drip::tool(name = "download")]
fn download(page: u64) -> Result<u64, std::io::Error> {
    if page % 10 == 3 {
        Err(std::io::Error::other("unreachable"))
    } else {
        Ok(page)
    }
}

/// An address a run's metadata carries now and then: personal data, which
/// the sanitising boundary keeps out of the spool and off the wire.
const EMAIL: &str = "ops.lead@example.com";

/// Runs of odd shards carry [`EMAIL`] as their region.
#[drip::run(external_customer = user, workflow = "record-spill", metadata(attempt = shard, region = region_of(shard)))]
fn agent(user: String, shard: u64, calls: u64) {
    for i in 0..calls {
        if i % 2 == 0 {
            lookup(i);
        } else {
            let _ = download(i);
        }
    }
}

fn region_of(shard: u64) -> &'static str {
    if shard.is_multiple_of(2) {
        "eu-west"
    } else {
        EMAIL
    }
}

/// A stream-mode run (started on the server before its children are
/// recorded, so they can name it): one tool call of its own, then a whole
/// `agent` run nested in it.
#[drip::run(external_customer = user, workflow = "record-spill-outer", stream)]
fn outer(user: String, shard: u64) {
    lookup(0);
    agent(user, shard, CALLS_PER_RUN);
}

/// Runs and events in the spool's record-mode spill records
/// (lines `{"spilled_run":…}`); no line holds [`EMAIL`].
fn spilled_runs(dir: &std::path::Path) -> (u64, u64) {
    let (mut runs, mut events) = (0, 0);
    let files = std::fs::read_dir(dir).unwrap().flatten();
    for text in files.filter_map(|f| std::fs::read_to_string(f.path()).ok()) {
        assert!(!text.contains(EMAIL), "personal data in the spool");
        for line in text.lines().filter(|l| l.starts_with("{\"spilled_run\"")) {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            runs += 1;
            events += record["spilled_run"]["events"].as_array().unwrap().len() as u64;
        }
    }
    (runs, events)
}

#[test]
fn spilled_record_mode_runs_are_delivered_exactly_once_with_their_runs_parts() {
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.set_request_logging(false);
    emulator.faults().stall(true);
    let spool = Spool::new("record-spill", "burst");
    let config = spool.spilling_config(&emulator);
    let segments = config.effective_spool_dir();
    let guard = drip::init(config).unwrap();

    let wall_before = SystemTime::now();
    let producers: Vec<_> = (0..THREADS)
        .map(|t| {
            std::thread::spawn(move || {
                for r in 0..RUNS_PER_THREAD {
                    let (user, shard) = (format!("user_{}", r % USERS), (t * 100 + r) as u64);
                    if r % 3 == 2 {
                        outer(user, shard);
                    } else {
                        agent(user, shard, CALLS_PER_RUN);
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let wall_after = SystemTime::now();
    let outers = (THREADS * RUNS_PER_THREAD / 3) as u64;
    let agents = (THREADS * RUNS_PER_THREAD) as u64;
    let total = agents * CALLS_PER_RUN + outers;

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
    let (spilled, spilled_events) = spilled_runs(&segments);
    eprintln!("{spilled} runs ({spilled_events} of {total} events) spilled as spill records");
    assert!(spilled > 0, "no caller spilled a run: {stats:?}");

    emulator.faults().stall(false);
    let report = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(drip::flush(Duration::from_secs(60)));
    assert!(report.is_complete(), "{report:?}");
    let report = guard.shutdown();
    assert_eq!(report.dropped + report.rejected, 0, "{report:?}");

    // Every run once, billed to its user's customer.
    let customers: HashMap<String, String> = emulator
        .customers()
        .into_iter()
        .filter_map(|c| Some((c.id, c.external_customer_id?)))
        .collect();
    assert_eq!(
        customers.len(),
        USERS,
        "one customer per user: {customers:?}"
    );
    let runs = emulator.runs();
    assert_eq!(runs.len() as u64, agents + outers, "every run stored once");
    let by_id: HashMap<&str, _> = runs.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut shards = HashSet::new();
    for run in &runs {
        assert_eq!(run.status, "COMPLETED", "{run:?}");
        let user = &customers[&run.customer_id];
        match run.workflow_slug.as_str() {
            "record-spill" => {
                assert_eq!(run.event_count, CALLS_PER_RUN, "{run:?}");
                let shard = run.metadata.as_ref().and_then(|m| m["attempt"].as_u64());
                let shard = shard.unwrap_or_else(|| panic!("no shard: {run:?}"));
                assert!(shards.insert(shard), "shard {shard} twice");
                let region = run.metadata.as_ref().and_then(|m| m.get("region"));
                let region = region.and_then(|r| r.as_str());
                if shard.is_multiple_of(2) {
                    assert_eq!(region, Some("eu-west"), "{run:?}");
                } else {
                    assert_ne!(region, Some(EMAIL), "{run:?}");
                }
                assert_eq!(*user, format!("user_{}", shard % 100 % USERS as u64));
                if let Some(parent) = &run.parent_run_id {
                    let parent = by_id[parent.as_str()];
                    assert_eq!(parent.workflow_slug, "record-spill-outer");
                    assert_eq!(customers[&parent.customer_id], *user);
                    assert_eq!(shard % 100 % 3, 2, "nested only in an outer run");
                }
            }
            "record-spill-outer" => {
                assert_eq!(run.event_count, 1, "{run:?}");
                assert_eq!(run.parent_run_id, None);
            }
            other => panic!("unexpected workflow {other}: {run:?}"),
        }
    }
    let nested = runs.iter().filter(|r| r.parent_run_id.is_some()).count();
    assert_eq!(nested as u64, outers, "every nested run keeps its parent");

    // Every event once, as the transport's own path writes it.
    let events = emulator.events();
    assert_eq!(events.len() as u64, total, "every event stored once");
    let keys: HashSet<_> = events
        .iter()
        .filter_map(|e| e.idempotency_key.as_deref())
        .collect();
    assert_eq!(keys.len() as u64, total, "one key per event");
    let ms = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    let window = ms(wall_before) - 1..=ms(wall_after) + 1;
    let mut errors = 0u64;
    for event in &events {
        assert_eq!(
            (
                event.event_type.as_str(),
                event.quantity,
                event.units.as_deref()
            ),
            ("tool.call", Some(1.0), Some("calls"))
        );
        let timestamp = event.timestamp.as_deref().unwrap();
        assert!(
            window.contains(&unix_ms(timestamp)),
            "{timestamp} outside the burst"
        );
        let meta = event.metadata.as_ref().unwrap().as_object().unwrap();
        assert!(meta["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
        let fields = match (meta["tool_name"].as_str(), meta["status"].as_str()) {
            (Some("lookup"), Some("ok")) => {
                assert_eq!(
                    (&meta["region"], &meta["attempt"]),
                    (&"eu".into(), &2.into())
                );
                5
            }
            (Some("download"), Some("error")) => {
                errors += 1;
                assert_eq!(meta["error_type"], "io::Error");
                4
            }
            (Some("download"), Some("ok")) => 3,
            other => panic!("unexpected tool call {other:?}: {meta:?}"),
        };
        assert_eq!(meta.len(), fields, "{meta:?}");
    }
    assert_eq!(errors, agents * CALLS_PER_RUN / 10);
}
