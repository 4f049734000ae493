//! Record-mode runs against an API without `/runs/record` (the drip-api.md
//! §2.13 fallback: start, event batch, end), under injected 503s: a failed
//! step is retried alone, so nothing already stored is sent again and `sent`
//! counts every event once.

use drip_emulator::Emulator;
use drip_runtime::config::Config;
use drip_runtime::model::{Event, ToolStatus};
use drip_runtime::private::{Outcome, RunSite, ToolSite, run_enter, tool_enter};
use drip_runtime::runtime::{self, __test_hooks as hooks};
use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Tests here take turns: `runtime::init` installs the one global runtime.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Short pauses (linger, retry backoff), and time to deliver at shutdown.
fn config(emulator: &drip_emulator::EmulatorHandle, spool: &std::path::Path) -> Config {
    Config::new(emulator.secret_key())
        .base_url(emulator.base_url())
        .spool_dir(spool)
        .linger(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
        .shutdown_deadline(Duration::from_secs(60))
}

#[test]
fn a_failed_fallback_step_is_retried_alone() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.set_request_logging(false);
    emulator
        .faults()
        .record_endpoint(false)
        .seed(11)
        .error_rate(503, 0.3);
    let spool = std::env::temp_dir().join(format!("drip-fallback-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let guard = runtime::init(config(&emulator, &spool)).unwrap();
    for run in 0..20 {
        let events = (0..9)
            .map(|_| Event::tool_call("search", Duration::from_millis(1), ToolStatus::Ok))
            .collect();
        hooks::submit_run("cus_fb", "fallback-agent", &format!("fb-{run}"), events);
    }
    let report = guard.shutdown();

    assert_eq!(
        report.rejected + report.spooled + report.dropped,
        0,
        "{report:?}"
    );
    assert_eq!(
        report.sent, 180,
        "every event counted sent once: {report:?}"
    );
    assert_eq!(
        report.duplicates, 0,
        "no step resent after it was stored: {report:?}"
    );
    let events = emulator.events();
    let keys: HashSet<_> = events
        .iter()
        .filter_map(|e| e.idempotency_key.clone())
        .collect();
    assert_eq!((events.len(), keys.len()), (180, 180));
    let runs = emulator.runs();
    assert_eq!(runs.len(), 20, "each run started once");
    assert!(
        runs.iter()
            .all(|r| r.status == "COMPLETED" && r.event_count == 9)
    );
    emulator.shutdown();
    let _ = std::fs::remove_dir_all(&spool);
}

static AGENT: RunSite = RunSite {
    workflow: "fallback-agent",
    stream: false,
    metadata: &[],
    error_message: false,
};
static SEARCH: ToolSite = ToolSite {
    name: "search",
    metadata: &[],
    meter: None,
    error_message: false,
};

/// Runs of instrumented tool calls (whose events the transport writes
/// straight into JSON) through the fallback: each step's body is made from
/// those bytes, the events arrive intact and once.
#[test]
fn runs_of_tool_calls_kept_as_bytes_go_through_the_fallback_intact() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.set_request_logging(false);
    emulator.faults().record_endpoint(false);
    let spool = std::env::temp_dir().join(format!("drip-fallback-bytes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let guard = runtime::init(config(&emulator, &spool)).unwrap();
    for _ in 0..3 {
        let run = run_enter(&AGENT, "cus_fb", None);
        run.enter_sync(|| {
            for _ in 0..4 {
                tool_enter(&SEARCH).finish(Outcome::Ok);
            }
        });
        run.finish(Outcome::Ok);
    }
    let report = guard.shutdown();
    assert_eq!(
        (report.sent, report.rejected + report.dropped),
        (12, 0),
        "{report:?}"
    );
    let events = emulator.events();
    assert_eq!(events.len(), 12);
    assert!(events.iter().all(|e| e.event_type == "tool.call"));
    let runs = emulator.runs();
    assert_eq!(runs.len(), 3);
    assert!(
        runs.iter()
            .all(|r| r.status == "COMPLETED" && r.event_count == 4)
    );
    emulator.shutdown();
    let _ = std::fs::remove_dir_all(&spool);
}
