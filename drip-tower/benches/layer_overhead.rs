//! Per-request overhead of `DripLayer` with a trivial handler, through the
//! public API: the same `tower::Service` called with and without the layer,
//! with a delivery pipeline running (against an in-process emulator).
//!
//! `cargo bench -p drip-tower --bench layer_overhead -- --warm-up-time 1 --measurement-time 3`
//!
//! - `request/with_drip_layer`: what a request's path pays while the pipeline
//!   keeps up. Requests are timed in chunks that fit in the delivery queue;
//!   between chunks (untimed) the pipeline delivers everything, so the timed
//!   requests share the machine with a busy transport thread and emulator,
//!   as a loaded server's do, but never find the queue full.
//! - `request/*_cpu`: the same, timed on the calling thread's CPU clock, so
//!   the figure stays what the request's thread spent when other work on
//!   the machine takes the cores away from it.
//! - `delivered/with_drip_layer`: requests timed together with delivering
//!   their records to the emulator — the rate a process sustains, bounded by
//!   the HTTP requests the Drip API needs per request (a run, a usage record).

#[path = "../../benches/support/cpu_clock.rs"]
mod cpu_clock;

use cpu_clock::{cpu, wall};
use criterion::{Criterion, criterion_group, criterion_main};
use drip_tower::{CustomerFrom, DripLayer};
use std::convert::Infallible;
use std::time::{Duration, Instant};
use tower::{Layer, Service, ServiceExt};

type Req = http::Request<String>;
type Res = http::Response<String>;

/// Requests per timed chunk: each leaves two submissions, well inside the
/// default queue (8 192).
const CHUNK: u64 = 1_000;

async fn trivial(_: Req) -> Result<Res, Infallible> {
    Ok(http::Response::new(String::new()))
}

fn request() -> Req {
    http::Request::builder()
        .uri("/v1/search")
        .header("x-customer-id", "cus_bench")
        .body(String::new())
        .unwrap_or_default()
}

/// Calls `svc` `n` times, awaiting each response and reading its body.
async fn calls<S>(svc: &mut S, n: u64) -> Duration
where
    S: Service<Req, Error = Infallible>,
    S::Response: Send,
{
    let start = Instant::now();
    for _ in 0..n {
        let Ok(ready) = svc.ready().await;
        let _ = std::hint::black_box(ready.call(request()).await);
    }
    start.elapsed()
}

fn overhead(c: &mut Criterion) {
    let emulator = drip_emulator::Emulator::builder()
        .start_blocking()
        .expect("emulator");
    emulator.set_request_logging(false);
    let spool = std::env::temp_dir().join(format!("drip-tower-bench-{}", std::process::id()));
    let guard = drip::init(
        drip::Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool),
    )
    .expect("init");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let bare = tower::service_fn(trivial);
    let layer = DripLayer::builder(CustomerFrom::header("x-customer-id"))
        .meter("api-calls")
        .route(|_| Some("/v1/search".to_owned()))
        .build()
        .expect("layer");
    let metered = layer.layer(tower::service_fn(trivial));
    let flush = || {
        let report = rt.block_on(drip::flush(Duration::from_secs(60)));
        assert!(report.is_complete(), "{report:?}");
    };

    let mut group = c.benchmark_group("request");
    group.bench_function("without_layer", |b| {
        b.iter_custom(|iters| {
            let mut svc = bare;
            rt.block_on(calls(&mut svc, iters))
        })
    });
    // Chunks of at most `CHUNK` requests, each timed by `timed`, with
    // everything delivered (untimed) after each.
    let chunked = |iters: u64, timed: &dyn Fn(&mut dyn FnMut()) -> Duration| {
        let mut svc = metered.clone();
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(CHUNK);
            total += timed(&mut || {
                rt.block_on(calls(&mut svc, n));
            });
            flush();
            left -= n;
        }
        total
    };
    group.bench_function("with_drip_layer", |b| {
        b.iter_custom(|iters| chunked(iters, &wall))
    });
    group.bench_function("with_drip_layer_cpu", |b| {
        b.iter_custom(|iters| chunked(iters, &cpu))
    });
    group.bench_function("without_layer_cpu", |b| {
        b.iter_custom(|iters| {
            let mut svc = bare;
            cpu(&mut || {
                rt.block_on(calls(&mut svc, iters));
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("delivered");
    group.sample_size(10);
    group.bench_function("with_drip_layer", |b| {
        b.iter_custom(|iters| {
            let mut svc = metered.clone();
            let start = Instant::now();
            rt.block_on(calls(&mut svc, iters));
            flush();
            start.elapsed()
        })
    });
    group.finish();

    assert_eq!(drip::stats().dropped, 0, "every record was delivered");
    drop(guard);
    let _ = std::fs::remove_dir_all(&spool);
}

criterion_group!(benches, overhead);
criterion_main!(benches);
