//! What naming a run's customer by the application's own id costs the
//! caller: `#[drip::run(external_customer = …)]` against `customer = …`, and
//! a metered `#[drip::tool]` called outside any run with each, all into a test capture (the caller's path only: the id is resolved on
//! the delivery thread, never here).
//!
//! `cargo bench --bench external_customer -- --warm-up-time 1 --measurement-time 3`

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

#[drip::run(customer = id, workflow = "bench")]
fn with_drip_id(id: &str) -> usize {
    id.len()
}

#[drip::run(external_customer = id, workflow = "bench")]
fn with_external_id(id: &str) -> usize {
    id.len()
}

#[drip::tool(customer = id, meter = "bench_calls")]
fn metered_drip_id(id: &str) -> usize {
    id.len()
}

#[drip::tool(external_customer = id, meter = "bench_calls")]
fn metered_external_id(id: &str) -> usize {
    id.len()
}

fn caller_path(c: &mut Criterion) {
    let capture = drip::testing::capture();
    let mut group = c.benchmark_group("run_customer");
    let mut n = 0u32;
    // A cleared capture every 4,096 runs keeps its memory bounded.
    let mut every = move |capture: &drip::testing::Capture| {
        n = n.wrapping_add(1);
        if n.is_multiple_of(4096) {
            capture.clear();
        }
    };
    group.bench_function("customer_drip_id", |b| {
        b.iter(|| {
            every(&capture);
            with_drip_id(black_box("cus_8841"))
        })
    });
    group.bench_function("external_customer", |b| {
        b.iter(|| {
            every(&capture);
            with_external_id(black_box("user_8841"))
        })
    });
    group.finish();
    let mut group = c.benchmark_group("metered_tool_outside_run");
    group.bench_function("customer_drip_id", |b| {
        b.iter(|| {
            every(&capture);
            metered_drip_id(black_box("cus_8841"))
        })
    });
    group.bench_function("external_customer", |b| {
        b.iter(|| {
            every(&capture);
            metered_external_id(black_box("user_8841"))
        })
    });
    group.finish();
}

criterion_group!(benches, caller_path);
criterion_main!(benches);
