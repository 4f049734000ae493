//! Load test through the public API: 1,000,000 `#[drip::tool]` calls inside
//! `#[drip::run]`s (runs of 500, from 4 threads) against a server that
//! accepts requests and never answers, then the same spool replayed once the
//! server answers.
//!
//! ```text
//! cargo run --release --example load                    # 1,000,000 events, record-mode runs
//! cargo run --release --example load -- 1000000 stream  # stream-mode runs
//! /usr/bin/time -v target/release/examples/load         # the kernel's view of the peak RSS
//! ```
//!
//! Prints the callers' rate, their own CPU time per call, the shutdown report (everything `spooled`,
//! nothing `dropped`), the spool's size on disk and the peak resident set
//! size while the server was stalled (`VmHWM` from `/proc/self/status`, Linux
//! only). Then it starts again over that spool with the server answering and
//! prints how long `drip::init` took (the caller does not wait for the spool
//! to be read) and the replay rate: spooled events per second from `init`
//! until the sink has received all of them. The server is a minimal sink
//! (`benches/support/sink.rs`) inside this process, so its memory is
//! included, but it stores nothing.

#[path = "../benches/support/sink.rs"]
mod sink;
// Only the CPU clock: the producers' own CPU time is the callers' cost.
#[allow(dead_code)]
#[path = "../benches/support/cpu_clock.rs"]
mod cpu_clock;

use drip::config::Config;
use sink::Sink;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const PRODUCERS: u64 = 4;
const CALLS_PER_RUN: u64 = 500;

#[drip::tool(name = "web-search")]
fn search(page: u64) -> u64 {
    std::hint::black_box(page).wrapping_mul(31)
}

#[drip::run(customer = "cus_load", workflow = "load-agent")]
fn recorded(calls: u64) {
    for i in 0..calls {
        search(i);
    }
}

#[drip::run(customer = "cus_load", workflow = "load-agent", stream)]
fn streamed(calls: u64) {
    for i in 0..calls {
        search(i);
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let total: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let stream = args.next().is_some_and(|m| m == "stream");
    let sink = Arc::new(Sink::default());
    let url = sink::start(sink.clone());
    sink.stall(true);

    let spool = std::env::temp_dir().join(format!("drip-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let config = config_for(&url, &spool);
    let spool_files = config.effective_spool_dir();
    let guard = drip::init(config).expect("drip starts");

    let runs = total / PRODUCERS / CALLS_PER_RUN;
    let started = Instant::now();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            std::thread::spawn(move || {
                cpu_clock::cpu(&mut || {
                    for _ in 0..runs {
                        if stream {
                            streamed(CALLS_PER_RUN);
                        } else {
                            recorded(CALLS_PER_RUN);
                        }
                    }
                })
            })
        })
        .collect();
    let producers_cpu: Duration = producers
        .into_iter()
        .map(|p| p.join().expect("producer finished"))
        .sum();
    let submitted = started.elapsed();
    let report = guard.shutdown();
    let total_time = started.elapsed();

    let produced = runs * PRODUCERS * CALLS_PER_RUN;
    let mode = if stream { "stream" } else { "record" };
    println!("events produced:        {produced} ({mode}-mode runs of {CALLS_PER_RUN})");
    println!(
        "calls (callers):        {:.0} events/s ({:.0} ns per call per producer thread)",
        produced as f64 / submitted.as_secs_f64(),
        submitted.as_nanos() as f64 * PRODUCERS as f64 / produced as f64
    );
    // Wall time per thread counts the time a thread waited for a core (4
    // producers and the transport on 2 cores); its CPU clock counts only
    // what the call itself cost the thread, spilling included.
    println!(
        "caller CPU per call:    {:.0} ns (producer threads' own CPU time / calls)",
        producers_cpu.as_nanos() as f64 / produced as f64
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
    match peak_rss_kib() {
        Some(kib) => println!("peak RSS, server stalled: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS, server stalled: unavailable on this platform"),
    }

    // Start again over that spool, the server answering: `init` only claims
    // the segments; the transport thread reads and sends them.
    sink.stall(false);
    let before = sink.events.load(Ordering::Relaxed);
    let started = Instant::now();
    let guard = drip::init(config_for(&url, &spool)).expect("drip restarts");
    let init_time = started.elapsed();
    // The transport adopts the old segments after `init` returns; wait until
    // the sink has them all (a flush now would not know of them yet).
    let give_up = Instant::now() + Duration::from_secs(600);
    while sink.events.load(Ordering::Relaxed) - before < report.spooled && Instant::now() < give_up
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    let replay_time = started.elapsed();
    let flushed = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime to wait in")
        .block_on(drip::flush(Duration::from_secs(60)));
    let replayed = sink.events.load(Ordering::Relaxed) - before;
    drop(guard);
    println!(
        "restart over the spool: init {:.1} ms",
        init_time.as_secs_f64() * 1e3
    );
    println!(
        "replay:                 {replayed} events in {:.2} s = {:.0} events/s; report {flushed:?}",
        replay_time.as_secs_f64(),
        replayed as f64 / replay_time.as_secs_f64()
    );
    match peak_rss_kib() {
        Some(kib) => println!("peak RSS, whole run:    {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS, whole run:    unavailable on this platform"),
    }
    let _ = std::fs::remove_dir_all(&spool);
}

fn config_for(url: &str, spool: &std::path::Path) -> Config {
    Config::new("sk_test_load_0123456789")
        .base_url(url)
        .spool_dir(spool)
        .spool_max_bytes(2 * 1024 * 1024 * 1024)
        .request_timeout(Duration::from_secs(2))
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
