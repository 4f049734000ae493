//! Cost of the privacy rules per short benign value (run with
//! `cargo bench -p drip-runtime --bench sanitizer`).
//!
//! * `check_literal_str`: the detectors alone, per value.
//! * `sanitize_metadata_one`: a one-entry map through the run-time sanitiser
//!   (key rules, normalisation, detectors), per value; building the map is
//!   not measured.
//! * `redact_text`: a short benign description.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use drip_runtime::Metadata;
use drip_runtime::fields::check_literal_str;
use drip_runtime::privacy::{redact_text, sanitize_metadata};
use std::hint::black_box;

const BENIGN: &[&str] = &[
    "gpt-4o-mini",
    "claude-3-5-sonnet-20241022",
    "web-search",
    "us-east-1",
    "550e8400-e29b-41d4-a716-446655440000",
    "v1.2.3",
    "2026-11-29T06:30:00Z",
    "/v1/customers/{id}",
];

fn detectors(c: &mut Criterion) {
    c.bench_function("check_literal_str", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % BENIGN.len();
            black_box(check_literal_str(black_box(BENIGN[i])))
        })
    });
    c.bench_function("sanitize_metadata_one", |b| {
        let mut i = 0;
        b.iter_batched(
            || {
                i = (i + 1) % BENIGN.len();
                let mut m = Metadata::new();
                m.insert("model", BENIGN[i]);
                m
            },
            |m| black_box(sanitize_metadata(m)),
            BatchSize::SmallInput,
        )
    });
    c.bench_function("redact_text", |b| {
        b.iter(|| {
            black_box(redact_text(black_box(
                "tool web-search timed out after 3 retries",
            )))
        })
    });
}

criterion_group!(benches, detectors);
criterion_main!(benches);
