//! Delivery across process lives (issue 4, reliability tests 2 and 3), with
//! real child processes sharing one spool directory.
//!
//! This binary has its own `main` (`harness = false`): run with no
//! `DRIP_RELIABILITY_ROLE` it is the test driver; the driver re-runs itself
//! with a role to play each child process.
//!
//! * **Outage for a whole process life**: a child whose server is down spools
//!   everything; two more children then replay the spool concurrently: every
//!   event arrives exactly once and no segment is replayed by both.
//! * **SIGKILL mid-stream**: a child is killed while it submits and sends;
//!   after a restart every event submitted at least one sync interval
//!   (`linger`) before the kill is stored, and none is stored twice. The bound
//!   guaranteed: at most what was submitted during the last `linger` before
//!   the kill (plus what still sat in the in-memory queue) is lost.

use drip::config::Config;
use drip::model::{Event, RunStatus, ToolStatus};
use drip::runtime::{self, __test_hooks as hooks};
use drip_emulator::Emulator;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROLE: &str = "DRIP_RELIABILITY_ROLE";
const KEY: &str = "sk_test_reliability_restart";
const PUBLIC_KEY: &str = "pk_test_reliability_restart";

fn main() {
    match std::env::var(ROLE).ok().as_deref() {
        Some("spool-during-outage") => child_spool_during_outage(),
        Some("replay") => child_replay(),
        Some("stream-until-killed") => child_stream_until_killed(),
        Some("burst-then-report") => child_burst_then_report(),
        Some(other) => panic!("unknown role {other}"),
        None => {
            let filter: Vec<String> = std::env::args()
                .skip(1)
                .filter(|a| !a.starts_with('-'))
                .collect();
            let tests: [(&str, fn()); 3] = [
                (
                    "an_outage_for_a_whole_process_life_is_replayed_exactly_once_by_the_next",
                    an_outage_for_a_whole_process_life_is_replayed_exactly_once_by_the_next,
                ),
                (
                    "a_process_killed_mid_stream_loses_at_most_its_last_sync_interval_and_duplicates_nothing",
                    a_process_killed_mid_stream_loses_at_most_its_last_sync_interval_and_duplicates_nothing,
                ),
                (
                    "a_process_killed_after_a_spilling_burst_loses_nothing_it_reported_spooled",
                    a_process_killed_after_a_spilling_burst_loses_nothing_it_reported_spooled,
                ),
            ];
            for (name, test) in tests {
                if filter.iter().all(|f| name.contains(f.as_str())) {
                    println!("test {name} ...");
                    test();
                    println!("test {name} ... ok");
                }
            }
        }
    }
}

// ---------- helpers ----------

fn spool_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drip-restart-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A loopback port with nothing listening (yet).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn base_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/v1")
}

fn child_config() -> Config {
    let url = std::env::var("DRIP_TEST_URL").unwrap();
    let spool = std::env::var("DRIP_TEST_SPOOL").unwrap();
    Config::new(KEY)
        .base_url(url)
        .spool_dir(spool)
        .linger(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(200))
        .request_timeout(Duration::from_secs(5))
}

fn child(role: &str, port: u16, spool: &Path) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.env(ROLE, role)
        .env("DRIP_TEST_URL", base_url(port))
        .env("DRIP_TEST_SPOOL", spool)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

/// Parses the `REPORT sent=… duplicates=… …` line a child prints.
fn parse_report(stdout: &str) -> std::collections::HashMap<String, u64> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("REPORT "))
        .unwrap_or_else(|| panic!("child printed no report:\n{stdout}"));
    line["REPORT ".len()..]
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.parse().unwrap()))
        .collect()
}

fn print_report(report: &drip::FlushReport) {
    println!(
        "REPORT sent={} duplicates={} rejected={} spooled={} dropped={}",
        report.sent, report.duplicates, report.rejected, report.spooled, report.dropped
    );
}

fn event(key: String) -> Event {
    let mut e = Event::tool_call("search", Duration::from_millis(3), ToolStatus::Ok);
    e.idempotency_key = key;
    e
}

// ---------- children ----------

/// Submits 2,000 events (record runs, a stream run, usage) while the server is
/// down, then shuts down: everything must end up spooled.
fn child_spool_during_outage() {
    let guard =
        runtime::init(child_config().shutdown_deadline(Duration::from_millis(500))).unwrap();
    for run in 0..10 {
        let events = (0..100)
            .map(|i| event(format!("outage-rec-{run}-{i}")))
            .collect();
        hooks::submit_run(
            "cus_outage",
            "outage-agent",
            &format!("outage-rec-{run}"),
            events,
        );
    }
    hooks::submit_stream_start("cus_outage", "outage-streamer", "outage-stream");
    for i in 0..500 {
        hooks::submit_stream_events("outage-stream", vec![event(format!("outage-stream-{i}"))]);
    }
    hooks::submit_stream_end("outage-stream", RunStatus::Completed);
    for u in 0..500 {
        hooks::submit_usage("cus_outage", "tokens", 1.0, &format!("outage-usage-{u}"));
    }
    print_report(&guard.shutdown());
}

/// Starts a pipeline (which replays the spool), waits for it, reports.
fn child_replay() {
    let guard = runtime::init(child_config().shutdown_deadline(Duration::from_secs(60))).unwrap();
    print_report(&guard.shutdown());
}

/// Submits record-mode runs forever; prints `SYNCED <n>` once the first `n`
/// runs have been taken by the transport and a generous number of sync
/// intervals have passed, then keeps submitting until killed.
fn child_stream_until_killed() {
    let _guard = runtime::init(child_config()).unwrap();
    let submit = |run: u64| {
        let events = (0..10).map(|i| event(format!("kill-{run}-{i}"))).collect();
        hooks::submit_run("cus_kill", "kill-agent", &format!("kill-{run}"), events);
    };
    let synced = 300u64;
    for run in 0..synced {
        submit(run);
    }
    // Wait until the transport has taken all of them (hang guard only) …
    let give_up = Instant::now() + Duration::from_secs(60);
    loop {
        let s = runtime::stats();
        if s.spooled + s.sent + s.duplicates >= synced * 10 {
            break;
        }
        // Say why instead of letting the parent fail later on a count.
        assert!(
            Instant::now() < give_up,
            "the transport took only part of the submitted runs in 60 s: {s:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // … plus many sync intervals (linger = 10 ms).
    std::thread::sleep(Duration::from_millis(500));
    println!("SYNCED {synced}");
    let mut run = synced;
    loop {
        submit(run);
        run += 1;
        if run.is_multiple_of(50) {
            println!("SUBMITTED {run}");
        }
    }
}

#[drip::tool(name = "burst-search")]
fn burst_search(page: u64) -> u64 {
    page + 1
}

#[drip::run(customer = "cus_burst", workflow = "burst-streamer", stream)]
fn burst_stream(calls: u64) {
    for i in 0..calls {
        burst_search(i);
    }
}

#[drip::run(customer = "cus_burst", workflow = "burst-recorder")]
fn burst_record(calls: u64) {
    for i in 0..calls {
        burst_search(i);
    }
}

/// With the server down and a queue of one, a burst makes callers spill
/// (record-mode runs, then stream-mode runs whose chunks spill as compact
/// spill records, then `#[drip::run]` record-mode runs, spilled as compact
/// run records); then prints `SPOOLED <n>` (what `stats()` calls spooled)
/// over and over until killed.
fn child_burst_then_report() {
    let _guard = runtime::init(child_config().queue_capacity(1)).unwrap();
    for run in 0..2_000u64 {
        let events = (0..10).map(|i| event(format!("burst-{run}-{i}"))).collect();
        hooks::submit_run("cus_burst", "burst-agent", &format!("burst-{run}"), events);
    }
    for _ in 0..8 {
        burst_stream(1_000);
    }
    for _ in 0..8 {
        burst_record(500);
    }
    loop {
        let s = runtime::stats();
        if s.spooled > 0 {
            println!("SPOOLED {}", s.spooled);
        }
    }
}

// ---------- tests ----------

fn an_outage_for_a_whole_process_life_is_replayed_exactly_once_by_the_next() {
    let spool = spool_dir("outage");
    let port = free_port();

    let out = child("spool-during-outage", port, &spool).output().unwrap();
    assert!(out.status.success(), "outage child failed");
    let first = parse_report(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(first["sent"], 0, "{first:?}");
    assert_eq!(first["spooled"], 2_000, "everything is spooled: {first:?}");
    assert_eq!(first["dropped"], 0, "{first:?}");

    // The server comes back on the same address; two processes start on the
    // same spool at once.
    let emulator = Emulator::builder()
        .port(port)
        .secret_key(KEY)
        .public_key(PUBLIC_KEY)
        .start_blocking()
        .unwrap();
    let a = child("replay", port, &spool).spawn().unwrap();
    let b = child("replay", port, &spool).spawn().unwrap();
    let a = a.wait_with_output().unwrap();
    let b = b.wait_with_output().unwrap();
    assert!(
        a.status.success() && b.status.success(),
        "replay children failed"
    );
    let ra = parse_report(&String::from_utf8_lossy(&a.stdout));
    let rb = parse_report(&String::from_utf8_lossy(&b.stdout));

    assert_eq!(ra["sent"] + rb["sent"], 2_000, "{ra:?} {rb:?}");
    assert_eq!(
        ra["duplicates"] + rb["duplicates"],
        0,
        "no segment replayed twice: {ra:?} {rb:?}"
    );
    assert_eq!(ra["spooled"] + rb["spooled"], 0, "{ra:?} {rb:?}");
    let events = emulator.events();
    let keys: HashSet<_> = events
        .iter()
        .filter_map(|e| e.idempotency_key.clone())
        .collect();
    assert_eq!(events.len(), 1_500);
    assert_eq!(keys.len(), 1_500);
    assert_eq!(emulator.usage().len(), 500);
    let stream = emulator
        .runs()
        .into_iter()
        .find(|r| r.external_run_id.as_deref() == Some("outage-stream"))
        .expect("the stream run was started on replay");
    assert_eq!(stream.status, "COMPLETED");
    assert_eq!(stream.event_count, 500);
    emulator.shutdown();
    let _ = std::fs::remove_dir_all(&spool);
}

fn a_process_killed_mid_stream_loses_at_most_its_last_sync_interval_and_duplicates_nothing() {
    let spool = spool_dir("kill");
    let emulator = Emulator::builder()
        .secret_key(KEY)
        .public_key(PUBLIC_KEY)
        .start_blocking()
        .unwrap();
    emulator.set_request_logging(false);
    // Slow answers keep requests in flight when the kill lands.
    emulator.faults().latency(Duration::from_millis(20));
    let mut victim = child("stream-until-killed", emulator.port(), &spool)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(victim.stdout.take().unwrap()).lines();
    let mut synced = None;
    let mut submitted = 0u64;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("SYNCED ") {
            synced = Some(n.parse::<u64>().unwrap());
        }
        if let Some(n) = line.strip_prefix("SUBMITTED ") {
            submitted = n.parse().unwrap();
            if submitted >= synced.unwrap_or(0) + 200 {
                break;
            }
        }
    }
    victim.kill().unwrap(); // SIGKILL on Unix
    let _ = victim.wait();
    let synced = synced.expect("the child reached its sync point");

    emulator.faults().clear();
    let out = child("replay", emulator.port(), &spool).output().unwrap();
    assert!(out.status.success(), "replay child failed");

    let events = emulator.events();
    let keys: HashSet<String> = events
        .iter()
        .filter_map(|e| e.idempotency_key.clone())
        .collect();
    assert_eq!(keys.len(), events.len(), "no event is stored twice");
    for run in 0..synced {
        for i in 0..10 {
            let key = format!("kill-{run}-{i}");
            assert!(
                keys.contains(&key),
                "{key} was submitted before the last sync and is missing"
            );
        }
    }
    // The rest (submitted after the sync point) may be partly lost, but only
    // from the end: what exists is what was submitted.
    assert!(keys.iter().all(|k| k.starts_with("kill-")));
    let runs = emulator.runs();
    let distinct: HashSet<_> = runs
        .iter()
        .filter_map(|r| r.external_run_id.clone())
        .collect();
    assert_eq!(distinct.len(), runs.len(), "no run is recorded twice");
    eprintln!(
        "killed after {submitted} runs submitted ({synced} before the sync point); {} of their {} events stored",
        events.len(),
        submitted * 10
    );
    let _ = std::fs::remove_dir_all(&spool);
}

fn a_process_killed_after_a_spilling_burst_loses_nothing_it_reported_spooled() {
    let spool = spool_dir("burst");
    let port = free_port();
    let mut victim = child("burst-then-report", port, &spool).spawn().unwrap();
    let mut lines = BufReader::new(victim.stdout.take().unwrap()).lines();
    // Killed as soon as it reports anything spooled: right after the burst.
    let reported: u64 = lines
        .by_ref()
        .find_map(|l| l.ok()?.strip_prefix("SPOOLED ")?.parse().ok())
        .expect("the child reported what it spooled");
    victim.kill().unwrap(); // SIGKILL on Unix
    let _ = victim.wait();

    let emulator = Emulator::builder()
        .port(port)
        .secret_key(KEY)
        .public_key(PUBLIC_KEY)
        .start_blocking()
        .unwrap();
    emulator.set_request_logging(false);
    let out = child("replay", port, &spool).output().unwrap();
    assert!(out.status.success(), "replay child failed");
    let events = emulator.events();
    let keys: HashSet<String> = events
        .iter()
        .filter_map(|e| e.idempotency_key.clone())
        .collect();
    assert_eq!(keys.len(), events.len(), "no event is stored twice");
    assert!(
        keys.len() as u64 >= reported,
        "the child reported {reported} events spooled; only {} survived its SIGKILL",
        keys.len()
    );
    eprintln!(
        "{reported} events reported spooled at the kill; {} stored after the restart",
        keys.len()
    );
    emulator.shutdown();
    let _ = std::fs::remove_dir_all(&spool);
}
