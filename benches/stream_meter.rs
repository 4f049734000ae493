//! `StreamMeter::add`: uncontended, and from 8 threads at once.
//!
//! `cargo bench --bench stream_meter`. Goal: ≤ 50 ns per add uncontended. In the
//! 8-thread case one iteration is one add on each of 8 threads (8 adds), so
//! scaling shows as the time per iteration staying near the uncontended time
//! times 8 / cores. Nothing is flushed (no threshold, no pipeline).

use criterion::{Criterion, criterion_group, criterion_main};
use drip::StreamMeter;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn add(c: &mut Criterion) {
    let meter = StreamMeter::builder("cus_bench", "tokens").start().unwrap();
    c.bench_function("stream_meter_add_uncontended", |b| {
        b.iter(|| meter.add(black_box(1.0)))
    });
    c.bench_function("stream_meter_add_8_threads", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..8 {
                    let meter = meter.clone();
                    s.spawn(move || {
                        for _ in 0..iters {
                            let _ = meter.add(black_box(1.0));
                        }
                    });
                }
            });
            start.elapsed()
        })
    });
    meter.reset();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = add
}
criterion_main!(benches);
