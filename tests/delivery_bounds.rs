//! What a burst of large record-mode runs does to the spool while the server
//! does not answer: every event is spooled, none dropped, and segments stay
//! small enough to read back in bounded memory (the next start replaying
//! them is `reliability_restart`'s subject); against the emulator over loopback.

#[path = "support/spool.rs"]
mod spool;

use drip::config::Config;
use drip::runtime;
use drip_emulator::Emulator;
use spool::Spool;
use std::time::Duration;

/// A segment is sealed once it reaches 2 MiB; the envelope that crossed the
/// line is the most it can exceed that by (a run of 500 events is < 256 KiB).
const SEGMENT_LIMIT: u64 = 2 * 1024 * 1024 + 256 * 1024;

#[drip::tool(name = "web-search")]
fn search(page: u64) -> u64 {
    page + 1
}

#[drip::run(customer = "cus_bounds", workflow = "burst-agent")]
fn agent(calls: u64) {
    for i in 0..calls {
        search(i);
    }
}

#[test]
fn a_burst_against_a_stalled_server_spools_everything_in_bounded_segments() {
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.set_request_logging(false);
    emulator.faults().stall(true);
    let spool = Spool::new("bounds", "burst");
    let config = || {
        Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(spool.path())
            .request_timeout(Duration::from_millis(500))
            .shutdown_deadline(Duration::from_secs(5))
    };
    let segments_dir = config().effective_spool_dir();

    let (runs, calls) = (120u64, 500u64);
    let guard = runtime::init(config()).unwrap();
    for _ in 0..runs {
        agent(calls);
    }
    let report = guard.shutdown();
    assert_eq!(report.spooled, runs * calls, "{report:?}");
    assert_eq!(report.dropped, 0, "{report:?}");

    let sizes: Vec<u64> = std::fs::read_dir(&segments_dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("seg-"))
        .map(|e| e.metadata().unwrap().len())
        .collect();
    assert!(sizes.len() > 1, "{sizes:?}");
    assert!(sizes.iter().all(|&s| s <= SEGMENT_LIMIT), "{sizes:?}");
}
