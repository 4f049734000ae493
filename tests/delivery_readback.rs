//! Work read back from disk: past the 2 MiB of spool lines the transport
//! keeps in memory, segments are read back at their turn (event batches and
//! record-mode runs by their lines, not a parse into events); against the
//! emulator over loopback, stalled and then answering. Its own test binary:
//! `drip::init` installs the one global runtime.

#[path = "support/spool.rs"]
mod spool;

use drip::config::Config;
use drip::runtime;
use drip_emulator::Emulator;
use spool::Spool;
use std::time::Duration;

#[drip::tool(name = "web-search")]
fn search(page: u64) -> u64 {
    page + 1
}

#[drip::run(customer = "cus_readback", workflow = "readback-agent")]
fn agent(calls: u64) {
    for i in 0..calls {
        search(i);
    }
}

#[drip::run(customer = "cus_readback", workflow = "readback-streamer", stream)]
fn streamer(calls: u64) {
    for i in 0..calls {
        search(i);
    }
}

/// Past the 2 MiB of spool lines the transport keeps in memory, segments
/// are read back from disk at their turn (event batches and record-mode
/// runs by a scan of their lines): once the server answers again, every
/// event of both modes arrives exactly once.
#[test]
fn work_read_back_past_the_memory_budget_arrives_exactly_once() {
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.set_request_logging(false);
    emulator.faults().stall(true);
    let spool = Spool::new("readback", "both");
    let guard = runtime::init(
        Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(spool.path())
            .request_timeout(Duration::from_millis(300))
            .max_backoff(Duration::from_millis(50))
            .shutdown_deadline(Duration::from_secs(120)),
    )
    .unwrap();
    let (runs, calls) = (16u64, 500u64);
    for _ in 0..runs {
        agent(calls);
        streamer(calls);
    }
    // Everything taken and spooled while nothing is answered.
    let stalled = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(runtime::flush(Duration::from_millis(500)));
    assert_eq!(stalled.sent, 0, "{stalled:?}");
    emulator.faults().stall(false);
    let report = guard.shutdown();
    let total = 2 * runs * calls;
    assert_eq!(
        (
            report.sent,
            report.rejected + report.dropped + report.spooled
        ),
        (total, 0),
        "{report:?}"
    );
    let events = emulator.events();
    let keys: std::collections::HashSet<_> = events
        .iter()
        .filter_map(|e| e.idempotency_key.clone())
        .collect();
    assert_eq!((events.len() as u64, keys.len() as u64), (total, total));
    assert!(events.iter().all(|e| e.event_type == "tool.call"));
}
