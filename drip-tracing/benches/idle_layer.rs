//! What `GenAiLayer` adds to spans that are not GenAI spans, with no GenAI
//! span open: a span with four fields created, entered, recorded and closed,
//! under a registry alone and under a registry with the layer.
//!
//! `cargo bench -p drip-tracing --bench idle_layer -- --warm-up-time 1 --measurement-time 3`

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tracing::field::Empty;
use tracing_subscriber::prelude::*;

fn span_lifecycle(i: u64) {
    let span = tracing::info_span!(
        "http.request",
        http.method = "GET",
        http.route = "/v1/items",
        http.status_code = Empty,
        latency_ms = Empty
    );
    span.in_scope(|| black_box(i));
    span.record("http.status_code", 200_u64);
    span.record("latency_ms", i);
}

fn idle(c: &mut Criterion) {
    let mut group = c.benchmark_group("non_genai_span");
    let plain = tracing_subscriber::registry();
    tracing::subscriber::with_default(plain, || {
        let mut i = 0;
        group.bench_function("registry", |b| {
            b.iter(|| {
                i += 1;
                span_lifecycle(i);
            })
        });
    });
    let layered = tracing_subscriber::registry().with(drip_tracing::GenAiLayer::new());
    tracing::subscriber::with_default(layered, || {
        let mut i = 0;
        group.bench_function("registry+GenAiLayer", |b| {
            b.iter(|| {
                i += 1;
                span_lifecycle(i);
            })
        });
    });
    group.finish();
}

criterion_group!(benches, idle);
criterion_main!(benches);
