//! Delivery benchmarks (run with `cargo bench --bench delivery`).
//!
//! * `submit`: what instrumented code pays to hand one event to the pipeline
//!   (caller side only; the transport drains to the spool meanwhile). Goal ≤ 200 ns.
//! * `end_to_end_stream_events`: events per second from `submit` until the emulator on the
//!   same machine has acknowledged them, batched through `/run-events/batch`.
//!   Goal ≥ 200,000 events/s. Also prints the transport thread's CPU time
//!   per event (Linux), which moves far less with the machine's other load.
//! * `end_to_end_record_runs`: the same for record-mode runs of ten events,
//!   each delivered by one `POST /runs/record`.

#[path = "support/threads.rs"]
mod threads;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use drip::config::Config;
use drip::model::{Event, RunStatus, ToolStatus};
use drip::runtime::{self, __test_hooks as hooks};
use drip_emulator::Emulator;
use std::time::{Duration, Instant};

fn spool(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("drip-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn event() -> Event {
    Event::tool_call("web-search", Duration::from_millis(12), ToolStatus::Ok)
}

fn submit_cost(c: &mut Criterion) {
    // Nothing listens on the server address: the transport spools and the
    // spool cap turns the excess into counted drops, so the disk does not fill.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", dead.local_addr().unwrap());
    drop(dead);
    let dir = spool("submit");
    let guard = runtime::init(
        Config::new("sk_test_bench_0123456789")
            .base_url(url)
            .spool_dir(&dir)
            .spool_max_bytes(32 * 1024 * 1024)
            .shutdown_deadline(Duration::from_millis(100)),
    )
    .unwrap();
    let chunk = 4_096u64; // half the default queue: the fast path, never the spill path
    let mut group = c.benchmark_group("delivery");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(2));
    group.warm_up_time(Duration::from_millis(500));
    group.throughput(Throughput::Elements(1));
    group.bench_function("submit", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(chunk);
                let prepared: Vec<(String, Vec<Event>)> = (0..n)
                    .map(|_| ("bench-run".to_owned(), vec![event()]))
                    .collect();
                let start = Instant::now();
                for (run, events) in prepared {
                    hooks::submit_stream_events(run, events);
                }
                timed += start.elapsed();
                left -= n;
                // Untimed: let the transport empty the queue.
                while runtime::stats().queue_depth > 0 {
                    std::thread::yield_now();
                }
            }
            timed
        })
    });
    group.finish();
    drop(guard);
    let _ = std::fs::remove_dir_all(&dir);
}

fn end_to_end(c: &mut Criterion) {
    let emulator = Emulator::builder().start_blocking().unwrap();
    emulator.set_request_logging(false);
    let dir = spool("e2e");
    // An earlier benchmark's pipeline thread may still be winding down under the same name.
    let earlier = threads::named("drip-transport");
    let guard = runtime::init(
        Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(&dir)
            .batch_size(1_000)
            .linger(Duration::from_millis(5)),
    )
    .unwrap();
    // A new thread names itself once it runs: look until it has.
    let transport = (0..100).find_map(|_| {
        let found = threads::named("drip-transport")
            .into_iter()
            .find(|t| !earlier.contains(t));
        if found.is_none() {
            std::thread::sleep(Duration::from_millis(10));
        }
        found
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut round = 0u64;
    let mut case = |name: &str, submit_round: &dyn Fn(u64)| {
        let cpu_before = transport.as_deref().and_then(threads::cpu);
        let rounds_before = round;
        let mut group = c.benchmark_group("delivery");
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(5));
        group.warm_up_time(Duration::from_millis(500));
        group.throughput(Throughput::Elements(EVENTS_PER_ROUND));
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    round += 1;
                    submit_round(round);
                    let report = runtime.block_on(runtime::flush(Duration::from_secs(60)));
                    assert_eq!(report.spooled, 0, "{report:?}");
                    assert_eq!(report.dropped + report.rejected, 0, "{report:?}");
                }
                start.elapsed()
            })
        });
        group.finish();
        // Throughput on a shared machine moves with everybody else's load; the
        // transport's own CPU time per event does not, so it is printed too.
        let cpu_after = transport.as_deref().and_then(threads::cpu);
        let events = (round - rounds_before) * EVENTS_PER_ROUND;
        // A case left out by a filter ran no rounds.
        if let (Some(before), Some(after), true) = (cpu_before, cpu_after, events > 0) {
            println!(
                "delivery/{name}: transport thread CPU {:.0} ns per event over {events} events",
                (after - before).as_nanos() as f64 / events.max(1) as f64
            );
        }
    };
    case("end_to_end_stream_events", &|round| {
        let run = format!("bench-e2e-{round}");
        hooks::submit_stream_start("cus_bench", "bench-agent", &run);
        for _ in 0..EVENTS_PER_ROUND {
            hooks::submit_stream_events(run.as_str(), vec![event()]);
        }
        hooks::submit_stream_end(&run, RunStatus::Completed);
    });
    // Record mode (the default for `#[drip::run]`): runs of ten tool calls,
    // each one `POST /runs/record`.
    case("end_to_end_record_runs", &|round| {
        for r in 0..EVENTS_PER_ROUND / EVENTS_PER_RUN {
            let events = (0..EVENTS_PER_RUN).map(|_| event()).collect();
            hooks::submit_run(
                "cus_bench",
                "bench-agent",
                &format!("bench-rec-{round}-{r}"),
                events,
            );
        }
    });
    drop(guard);
    let _ = std::fs::remove_dir_all(&dir);
}

const EVENTS_PER_ROUND: u64 = 10_000;
const EVENTS_PER_RUN: u64 = 10;

criterion_group!(benches, submit_cost, end_to_end);
criterion_main!(benches);
