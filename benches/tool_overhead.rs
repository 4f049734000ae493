//! What `#[drip::tool]` adds to a call: a bare async fn against the same fn
//! under the attribute with the SDK disabled, outside any run, and inside a
//! run (sync and async).
//!
//! `cargo bench --bench tool_overhead -- --measurement-time 3 --warm-up-time 1`.
//! The disabled case runs first, before `drip::init`, and needs
//! `DRIP_API_KEY` unset (as in CI). The enabled cases deliver to a minimal
//! loopback sink that answers like the Drip API (`support/sink.rs`; the
//! emulator's ingestion would hide the SDK's cost and hold every event in
//! memory). Goals: ≤ 60 ns added per call inside a record-mode run; ≤ 300 ns
//! per run for its start, end and hand-over to delivery (`empty_run`: a run
//! of no calls), so a run of 10 calls costs ≤ 10 × 60 + 300 = 900 ns
//! (`run_of_10_tool_calls`); ≤ 100 ns per call inside a stream-mode run
//! (`tool_async_inside_stream_run`), also when the queue is full and the
//! caller spills its chunks to the spool itself
//! (`tool_async_inside_stream_run_spilling_cpu`); ≤ 20 ns outside a run or disabled.
//! The per-run figures and the async record-mode call are given on the wall
//! clock and on the calling thread's CPU clock (`_cpu`): on a machine with few cores the transport
//! thread and the sink take the caller's core now and then, which the wall
//! clock counts and the CPU clock does not. (That these paths do not allocate is a test,
//! `tests/overhead_alloc.rs`, not a benchmark.)

#[path = "support/cpu_clock.rs"]
mod cpu_clock;
#[path = "support/sink.rs"]
mod sink;

use cpu_clock::{cpu, wall};
use criterion::{Criterion, criterion_group, criterion_main};
use drip::{Config, OverflowPolicy};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

async fn bare(x: u64) -> u64 {
    black_box(x).wrapping_mul(31)
}

#[drip::tool]
async fn tool(x: u64) -> u64 {
    black_box(x).wrapping_mul(31)
}

fn bare_sync(x: u64) -> u64 {
    black_box(x).wrapping_mul(31)
}

#[drip::tool]
fn tool_sync(x: u64) -> u64 {
    black_box(x).wrapping_mul(31)
}

/// Calls per run, below the default run buffer (1 000 events) so a run is
/// recorded in one piece; keeps memory and what is delivered bounded
/// however many iterations criterion asks for.
const CALLS_PER_RUN: u64 = 500;

#[drip::run(customer = "cus_bench", workflow = "bench")]
async fn run_of_calls(calls: u64) -> Duration {
    let start = Instant::now();
    for i in 0..calls {
        black_box(tool(i).await);
    }
    start.elapsed()
}

#[drip::run(customer = "cus_bench", workflow = "bench-stream", stream)]
async fn stream_run_of_calls(calls: u64) -> Duration {
    let start = Instant::now();
    for i in 0..calls {
        black_box(tool(i).await);
    }
    start.elapsed()
}

#[drip::run(customer = "cus_bench", workflow = "bench-sync")]
fn run_of_sync_calls(calls: u64) -> Duration {
    let start = Instant::now();
    for i in 0..calls {
        black_box(tool_sync(i));
    }
    start.elapsed()
}

/// Runs of 10 calls timed together, then delivered (untimed): the queue
/// holds a chunk, so what is timed is the callers' side only.
const RUNS_PER_CHUNK: u64 = 1_000;

/// A short run, as an agent answering one request makes: the figure per run
/// includes starting it and handing it to delivery at its end.
#[drip::run(customer = "cus_bench", workflow = "bench-short")]
async fn run_of_ten() {
    for i in 0..10 {
        black_box(tool(i).await);
    }
}

/// A run that calls nothing: what a run itself costs (start, end, hand-over).
#[drip::run(customer = "cus_bench", workflow = "bench-empty")]
async fn empty_run() {}

/// Runs between two deliveries of everything recorded (untimed): callers
/// that record millions of events a second would otherwise fill the spool
/// (256 MiB) faster than the sink is sent to, and have their events dropped.
const RUNS_PER_DELIVERY: u64 = 64;

/// Runs recorded since the benchmarks started, counted across criterion's
/// samples: a sample of fewer than `RUNS_PER_DELIVERY` runs still counts
/// towards the next delivery, so what is queued never outgrows it (a full
/// queue would make a run's end wait for a slot, inside the timed part).
static RUNS: AtomicU64 = AtomicU64::new(0);

/// Times only the calls, in chunks of at most `CALLS_PER_RUN`.
fn chunked(
    rt: &tokio::runtime::Runtime,
    iters: u64,
    mut chunk: impl FnMut(u64) -> Duration,
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CALLS_PER_RUN);
        total += chunk(n);
        left -= n;
        if RUNS.fetch_add(1, Ordering::Relaxed) % RUNS_PER_DELIVERY == RUNS_PER_DELIVERY - 1 {
            let report = rt.block_on(drip::flush(Duration::from_secs(60)));
            assert!(report.is_complete(), "{report:?}");
        }
    }
    total
}

fn overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut group = c.benchmark_group("tool_overhead");
    group
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30);

    group.bench_function("bare_async", |b| {
        b.to_async(&rt).iter(|| bare(black_box(7)))
    });
    group.bench_function("bare_sync", |b| b.iter(|| bare_sync(black_box(7))));

    if drip::__private::enabled() {
        eprintln!("skipping the disabled cases: DRIP_API_KEY is set");
    } else {
        group.bench_function("tool_async_disabled", |b| {
            b.to_async(&rt).iter(|| tool(black_box(7)))
        });
        group.bench_function("tool_sync_disabled", |b| b.iter(|| tool_sync(black_box(7))));
    }

    let sink = Arc::new(sink::Sink::default());
    let base_url = sink::start(sink.clone());
    let spool = std::env::temp_dir().join(format!("drip-bench-{}", std::process::id()));
    // A loop of tool calls records millions of events a second, far more
    // than one transport thread sends: with the default policy the queue
    // would fill and callers spill to disk. Delivering everything every
    // `RUNS_PER_DELIVERY` runs (untimed) keeps the queue below its capacity,
    // so no timed run's end waits for a slot, while the transport works on
    // the other core all the time — the contention a loaded process sees.
    // `Block` is a backstop: nothing is spilled or dropped, and every
    // recorded event is delivered. The queue holds a chunk of short runs,
    // which are delivered between chunks.
    let _drip = drip::init(
        Config::new("sk_test_bench_0123456789")
            .base_url(base_url)
            .spool_dir(&spool)
            .queue_capacity(RUNS_PER_CHUNK as usize + 16)
            .overflow(OverflowPolicy::Block),
    )
    .expect("drip::init");
    assert!(
        drip::__private::enabled(),
        "drip::init should enable the SDK"
    );

    group.bench_function("tool_async_outside_run", |b| {
        b.to_async(&rt).iter(|| tool(black_box(7)))
    });
    group.bench_function("tool_sync_outside_run", |b| {
        b.iter(|| tool_sync(black_box(7)))
    });
    // Each timed call here costs ~50x its time in delivery: fewer, shorter
    // samples keep the run to seconds.
    group
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_millis(300))
        .sample_size(10);
    group.bench_function("tool_async_inside_run", |b| {
        b.iter_custom(|iters| chunked(&rt, iters, |n| rt.block_on(run_of_calls(n))))
    });
    group.bench_function("tool_sync_inside_run", |b| {
        b.iter_custom(|iters| chunked(&rt, iters, run_of_sync_calls))
    });
    // The same calls on the calling thread's CPU clock (the run's start and
    // end included, under 1 ns a call in runs of 500): what the caller
    // itself spends while the transport delivers on the other core.
    group.bench_function("tool_async_inside_run_cpu", |b| {
        b.iter_custom(|iters| {
            chunked(&rt, iters, |n| {
                cpu(&mut || {
                    black_box(rt.block_on(run_of_calls(n)));
                })
            })
        })
    });
    // A stream-mode run hands its calls over in chunks while it runs, so a
    // full queue would time the wait for a slot (`Block`): each run's
    // calls are delivered (untimed) before the next run starts.
    group.bench_function("tool_async_inside_stream_run", |b| {
        b.iter_custom(|iters| {
            chunked(&rt, iters, |n| {
                let spent = rt.block_on(stream_run_of_calls(n));
                let report = rt.block_on(drip::flush(Duration::from_secs(60)));
                assert!(report.is_complete(), "{report:?}");
                spent
            })
        })
    });
    // Per run of no calls and of 10, start and end included: on the wall clock, and
    // on the calling thread's CPU clock (what the caller itself spent,
    // however busy the machine's other threads keep its cores).
    // Everything is delivered (untimed) before each chunk, so no timed run
    // finds the queue full of what earlier benchmarks left there.
    let short_runs = |iters: u64, calls: u64, timed: &dyn Fn(&mut dyn FnMut()) -> Duration| {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(RUNS_PER_CHUNK);
            let report = rt.block_on(drip::flush(Duration::from_secs(60)));
            assert!(report.is_complete(), "{report:?}");
            total += timed(&mut || {
                rt.block_on(async {
                    for _ in 0..n {
                        if calls == 0 {
                            empty_run().await;
                        } else {
                            run_of_ten().await;
                        }
                    }
                })
            });
            left -= n;
        }
        total
    };
    group.bench_function("empty_run", |b| {
        b.iter_custom(|iters| short_runs(iters, 0, &wall))
    });
    group.bench_function("empty_run_cpu", |b| {
        b.iter_custom(|iters| short_runs(iters, 0, &cpu))
    });
    group.bench_function("run_of_10_tool_calls", |b| {
        b.iter_custom(|iters| short_runs(iters, 10, &wall))
    });
    group.bench_function("run_of_10_tool_calls_cpu", |b| {
        b.iter_custom(|iters| short_runs(iters, 10, &cpu))
    });

    // The same runs into a test capture instead of delivery: only the hot
    // path, without the transport thread and the sink competing for CPU.
    // (A live capture makes the on/off check take its slower thread-local
    // path, so these figures are, if anything, pessimistic.)
    group
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30);
    let capture = drip::testing::capture();
    group.bench_function("tool_async_inside_run_captured", |b| {
        b.iter_custom(|iters| {
            chunked(&rt, iters, |n| {
                let elapsed = rt.block_on(run_of_calls(n));
                capture.clear();
                elapsed
            })
        })
    });
    group.bench_function("tool_sync_inside_run_captured", |b| {
        b.iter_custom(|iters| {
            chunked(&rt, iters, |n| {
                let elapsed = run_of_sync_calls(n);
                capture.clear();
                elapsed
            })
        })
    });
    drop(capture);

    // A stream-mode run whose chunks spill: a queue of one slot and a server
    // that never answers, so callers find the queue full and write each
    // chunk to the spool themselves (a compact spill record). On the
    // calling thread's CPU clock: what the caller spends, spilling included.
    // Its own runtime, entered on this thread (a scoped runtime makes the
    // on/off check take its thread-local path, a few ns slower).
    let stalled = Arc::new(sink::Sink::default());
    stalled.stall(true);
    let stalled_url = sink::start(stalled.clone());
    let spill_dir = std::env::temp_dir().join(format!("drip-bench-spill-{}", std::process::id()));
    let spilling = drip::Runtime::start(
        Config::new("sk_test_bench_0123456789")
            .base_url(stalled_url)
            .spool_dir(&spill_dir)
            .spool_max_bytes(4 * 1024 * 1024 * 1024)
            .queue_capacity(1)
            .overflow(OverflowPolicy::Spill)
            .shutdown_deadline(Duration::from_millis(200)),
    )
    .expect("a spilling runtime");
    {
        let _entered = spilling.enter();
        group
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
            .sample_size(10);
        group.bench_function("tool_async_inside_stream_run_spilling_cpu", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let n = left.min(CALLS_PER_RUN);
                    total += cpu(&mut || {
                        black_box(rt.block_on(stream_run_of_calls(n)));
                    });
                    left -= n;
                }
                total
            })
        });
    }
    let spilled = spilling.shutdown(Duration::from_millis(200));
    eprintln!("the spilling runtime at its end: {spilled:?}");
    assert_eq!(spilled.dropped, 0, "{spilled:?}");
    let _ = std::fs::remove_dir_all(&spill_dir);

    group.finish();
    // The runs above really were recorded and delivered, not skipped.
    let report = rt.block_on(drip::flush(Duration::from_secs(60)));
    eprintln!("delivered after the benchmarks: {report:?}");
    assert_eq!(
        (report.spooled, report.dropped, report.rejected),
        (0, 0, 0),
        "every event recorded by the benchmarks should be delivered"
    );
    let _ = std::fs::remove_dir_all(&spool);
}

criterion_group!(benches, overhead);
criterion_main!(benches);
