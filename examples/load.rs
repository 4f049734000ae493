//! Load test: 1,000,000 tool events produced against a server that accepts
//! connections and never answers. Memory must stay bounded (goal: peak RSS
//! under 64 MiB); everything the server does not take goes to the disk spool.
//!
//! ```text
//! cargo run --release --example load            # 1,000,000 events, 4 producer threads
//! cargo run --release --example load -- 200000  # another count
//! ```
//!
//! Prints the caller-side submit rate, the shutdown report (everything should
//! be `spooled`, nothing `dropped`), the spool's size on disk and the peak
//! resident set size (`VmHWM` from `/proc/self/status`, Linux only). The
//! emulator runs inside this process, so its memory is included. Then it
//! starts the pipeline again over that spool (the server still down) and
//! prints how long `init` took: the caller does not wait for the spool to be
//! read.

use drip::config::Config;
use drip::model::{Event, ToolStatus};
use drip::runtime::{self, __test_hooks as hooks};
use drip_emulator::Emulator;
use std::time::{Duration, Instant};

const PRODUCERS: u64 = 4;

fn main() {
    let total: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let emulator = Emulator::builder()
        .start_blocking()
        .expect("emulator starts");
    emulator.set_request_logging(false);
    emulator.faults().stall(true);

    let spool = std::env::temp_dir().join(format!("drip-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let config = config_for(&emulator, &spool);
    let spool_files = config.effective_spool_dir();
    let guard = runtime::init(config).expect("pipeline starts");

    let started = Instant::now();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            std::thread::spawn(move || {
                let run = format!("load-run-{p}");
                hooks::submit_stream_start("cus_load", "load-agent", &run);
                for i in 0..total / PRODUCERS {
                    let event = Event::tool_call(
                        "web-search",
                        Duration::from_millis(i % 1_000),
                        ToolStatus::Ok,
                    );
                    hooks::submit_stream_events(run.as_str(), vec![event]);
                }
            })
        })
        .collect();
    for p in producers {
        p.join().expect("producer finished");
    }
    let submitted = started.elapsed();
    let report = guard.shutdown();
    let total_time = started.elapsed();

    let produced = total / PRODUCERS * PRODUCERS;
    println!("events produced:        {produced}");
    println!(
        "submit rate (callers):  {:.0} events/s ({:.0} ns per event per producer thread)",
        produced as f64 / submitted.as_secs_f64(),
        submitted.as_nanos() as f64 * PRODUCERS as f64 / produced as f64
    );
    println!(
        "until shut down:        {:.2} s ({:.0} events/s into the spool)",
        total_time.as_secs_f64(),
        produced as f64 / total_time.as_secs_f64()
    );
    println!("report:                 {report:?}");
    println!(
        "spool on disk:          {:.1} MiB",
        dir_bytes(&spool_files) as f64 / 1048576.0
    );
    let rss_before_restart = peak_rss_kib();
    // A restart with that spool, the server still down: `init` only claims
    // the segments; the transport thread reads them.
    let started = Instant::now();
    let guard = runtime::init(config_for(&emulator, &spool)).expect("pipeline restarts");
    let init_time = started.elapsed();
    let restarted = guard.shutdown();
    println!(
        "restart with the spool: init {:.1} ms; report {restarted:?}",
        init_time.as_secs_f64() * 1e3
    );
    if let Some(kib) = rss_before_restart {
        println!("peak RSS before restart: {:.1} MiB", kib as f64 / 1024.0);
    }
    match peak_rss_kib() {
        Some(kib) => println!("peak RSS (VmHWM):       {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS (VmHWM):       unavailable on this platform"),
    }
    let _ = std::fs::remove_dir_all(&spool);
}

fn config_for(emulator: &drip_emulator::EmulatorHandle, spool: &std::path::Path) -> Config {
    Config::new(emulator.secret_key())
        .base_url(emulator.base_url())
        .spool_dir(spool)
        .spool_max_bytes(2 * 1024 * 1024 * 1024)
        .shutdown_deadline(Duration::from_secs(2))
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
