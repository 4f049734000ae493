//! Per-request overhead of `DripLayer` with a trivial handler, through the
//! public API: the same `tower::Service` called with and without the layer,
//! with a delivery pipeline running (against an in-process emulator).
//!
//! `cargo bench -p drip-tower --bench layer_overhead -- --warm-up-time 1 --measurement-time 3`

use criterion::{Criterion, criterion_group, criterion_main};
use drip_tower::{CustomerFrom, DripLayer};
use std::convert::Infallible;
use tower::{Layer, Service, ServiceExt};

type Req = http::Request<String>;
type Res = http::Response<String>;

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

    let mut group = c.benchmark_group("request");
    group.bench_function("without_layer", |b| {
        b.to_async(&rt).iter(|| {
            let mut svc = bare;
            async move { svc.ready().await.ok()?.call(request()).await.ok() }
        })
    });
    group.bench_function("with_drip_layer", |b| {
        b.to_async(&rt).iter(|| {
            let mut svc = metered.clone();
            async move { svc.ready().await.ok()?.call(request()).await.ok() }
        })
    });
    group.finish();
    drop(guard);
    let _ = std::fs::remove_dir_all(&spool);
}

criterion_group!(benches, overhead);
criterion_main!(benches);
