//! The SDK end to end through its public API (`drip::init`, `#[drip::run]`,
//! `#[drip::tool]`, `drip::flush`) against a minimal loopback sink that
//! answers like the Drip API and does nothing else, so the figures are the
//! SDK's own (the emulator's ingestion would hide them).
//!
//! `cargo bench --bench end_to_end -- --measurement-time 3 --warm-up-time 1`
//!
//! * `caller/stream` and `caller/record`: what a `#[drip::tool]` call costs
//!   the caller inside a run of 100 calls, run entry and exit included;
//!   `caller/record_runs_of_10`: the same in runs of ten, where entering and
//!   ending the run weigh more.
//! * `e2e/stream` and `e2e/record`: events per second from the first call
//!   until `drip::flush` reports every event delivered to the sink. Each also
//!   prints the transport thread's CPU time per event (Linux), which moves
//!   far less than throughput with the machine's other load.
//! * `e2e/stream_runs_of_1000`: the same with runs ten times as long; with
//!   `e2e/stream` it splits the stream transport's CPU into what a tool-call
//!   event costs and what a run's own start and end requests cost (printed).
//!
//! With `benches/node/node_modules` installed (`npm install` there), the
//! official Node SDK is run once against the same sink afterwards and its
//! figure printed beside these (see `benches/node/README.md`).

#[path = "support/sink.rs"]
mod sink;
#[path = "support/threads.rs"]
mod threads;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sink::Sink;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const CALLS_PER_RUN: u64 = 100;

#[drip::tool]
async fn tool(x: u64) -> u64 {
    black_box(x).wrapping_mul(31)
}

#[drip::run(customer = "cus_bench", workflow = "bench", stream)]
async fn stream_run(calls: u64) -> Duration {
    let start = Instant::now();
    for i in 0..calls {
        black_box(tool(i).await);
    }
    start.elapsed()
}

#[drip::run(customer = "cus_bench", workflow = "bench")]
async fn record_run(calls: u64) -> Duration {
    let start = Instant::now();
    for i in 0..calls {
        black_box(tool(i).await);
    }
    start.elapsed()
}

/// `runs` runs of `calls` calls; returns the time spent in the runs
/// (entry and exit included).
async fn runs_of(stream: bool, runs: u64, calls: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..runs {
        if stream {
            black_box(stream_run(calls).await);
        } else {
            black_box(record_run(calls).await);
        }
    }
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let sink = Arc::new(Sink::default());
    let url = sink::start(sink.clone());
    let spool = std::env::temp_dir().join(format!("drip-bench-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let guard = drip::init(
        drip::Config::new("sk_test_bench_end_to_end")
            .base_url(url.clone())
            .spool_dir(&spool)
            .shutdown_deadline(Duration::from_secs(30)),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let mut group = c.benchmark_group("caller");
    for (name, stream, calls) in [
        ("stream", true, CALLS_PER_RUN),
        ("record", false, CALLS_PER_RUN),
        ("record_runs_of_10", false, 10),
    ] {
        group.throughput(Throughput::Elements(calls));
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let spent = rt.block_on(runs_of(stream, iters, calls));
                // Delivered between samples, so the queue never fills.
                rt.block_on(drip::flush(Duration::from_secs(30)));
                spent
            })
        });
    }
    group.finish();

    // Summed over the threads so named when asked: the transport starts
    // with the first work handed over, which may be in the first case here.
    let transport_cpu = || threads::total_cpu("drip-transport");
    let mut group = c.benchmark_group("e2e");
    group.sample_size(10);
    // Transport CPU per event, by case: a stream run's own start and end
    // requests are spread over its events, so two run lengths tell the cost
    // of a tool-call event from the cost of a run.
    let mut cpu_per_event = std::collections::HashMap::new();
    for (name, stream, calls) in [
        ("stream", true, CALLS_PER_RUN),
        ("stream_runs_of_1000", true, 1_000),
        ("record", false, CALLS_PER_RUN),
    ] {
        let cpu_before = transport_cpu();
        let events_before = sink.events.load(Ordering::Relaxed);
        let per_sample = 20_000 / calls; // runs
        group.throughput(Throughput::Elements(per_sample * calls));
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                let before = sink.events.load(Ordering::Relaxed);
                rt.block_on(async {
                    for _ in 0..iters {
                        runs_of(stream, per_sample, calls).await;
                    }
                    drip::flush(Duration::from_secs(60)).await
                });
                let stored = sink.events.load(Ordering::Relaxed) - before;
                assert_eq!(stored, iters * per_sample * calls);
                start.elapsed()
            })
        });
        let cpu_after = transport_cpu();
        let events = sink.events.load(Ordering::Relaxed) - events_before;
        if let (Some(before), Some(after), true) = (cpu_before, cpu_after, events > 0) {
            let per_event = (after - before).as_nanos() as f64 / events as f64;
            println!(
                "e2e/{name}: transport thread CPU {per_event:.0} ns per event over {events} events"
            );
            cpu_per_event.insert(name, per_event);
        }
    }
    group.finish();
    // cpu(n) = event + run / n for runs of n events, from n = 100 and 1,000.
    if let (Some(short), Some(long)) = (
        cpu_per_event.get("stream"),
        cpu_per_event.get("stream_runs_of_1000"),
    ) {
        let run = (short - long) / (1.0 / CALLS_PER_RUN as f64 - 1.0 / 1_000.0);
        println!(
            "e2e/stream: transport thread CPU ≈ {:.0} ns per tool-call event + ≈ {:.1} µs per run (its start and end)",
            long - run / 1_000.0,
            run / 1_000.0
        );
    }
    let report = guard.shutdown();
    assert_eq!(report.rejected + report.dropped, 0, "{report:?}");
    let _ = std::fs::remove_dir_all(&spool);
    node_side_by_side(&url);
}

/// The official Node SDK against the same sink, if installed.
fn node_side_by_side(url: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/node");
    if !dir.join("node_modules/@drip-sdk/node").exists() {
        println!("node side by side: skipped (run `npm install` in benches/node)");
        return;
    }
    let out = std::process::Command::new("node")
        .arg(dir.join("bench.mjs"))
        .env("DRIP_BASE_URL", url)
        .env("DRIP_API_KEY", "sk_test_bench_end_to_end")
        .output();
    match out {
        Ok(out) => print!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => println!("node side by side: cannot run node: {e}"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
