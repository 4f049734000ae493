//! Runs opened through the public `RunTemplate` / `ScopedRun` API, through
//! the real pipeline to the emulator: per-template metadata screened once,
//! per-run values screened where the run's record is made, a correlation
//! id, stream mode, and a usage record riding on the run's end — keyed
//! when the run started, delivered once, even when shutdown is what takes
//! the runs from the queue.

use drip_emulator::Emulator;
use drip_runtime::config::Config;
use drip_runtime::{Metadata, RunEnd, RunTemplate, UsageTemplate};
use std::collections::HashSet;
use std::time::Duration;

const RUNS: usize = 300;

/// What follows a key's prefix: the process nonce and the number.
fn number_of(key: &str) -> &str {
    key.split_once('_').map_or(key, |(_, n)| n)
}

/// The numbers of `keys`, each of which must be there and carry `prefix`.
fn numbers<'a>(prefix: &str, keys: impl Iterator<Item = Option<&'a str>>) -> HashSet<String> {
    keys.map(|key| {
        let key = key.expect("a key");
        assert!(key.starts_with(prefix), "{key}");
        number_of(key).to_owned()
    })
    .collect()
}

#[test]
fn runs_and_the_usage_riding_on_them_arrive_once_each_through_shutdown() {
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    let spool = std::env::temp_dir().join(format!("drip-scoped-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let guard = drip_runtime::init(
        Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool),
    )
    .expect("pipeline");

    let mut described = Metadata::new();
    described.insert("route", "/v1/search");
    described.insert("method", "GET");
    described.insert("user_email", "alice@example.com");
    let search = RunTemplate::new("http-api")
        .expect("template")
        .with_metadata(described);
    let calls = UsageTemplate::new("api-calls", 1.0).expect("usage template");
    for i in 0..RUNS {
        let mut run = search.start_correlated(format!("cus_{}", i % 3), format!("req-{i}"));
        run.metadata("status_code", 200);
        run.metadata("prompt", "summarise my medical history");
        run.metadata("error_code", "token=sk_live_0123456789abcdef");
        run.end_and_track(RunEnd::Completed, &calls, move || {
            let mut m = Metadata::new();
            m.insert("attempt", i as i64);
            m
        });
    }
    // No flush first: shutdown takes what is still queued, and with it the
    // usage records the runs hand over as they are made.
    let report = drip_runtime::shutdown(Duration::from_secs(60));
    drop(guard);
    let _ = std::fs::remove_dir_all(&spool);
    assert_eq!((report.spooled, report.dropped), (0, 0), "{report:?}");

    let runs = emulator.runs();
    assert_eq!(runs.len(), RUNS);
    let usage = emulator.usage();
    assert_eq!(usage.len(), RUNS, "one usage record per run, stored once");

    let run_numbers = numbers("xrun_", runs.iter().map(|r| r.external_run_id.as_deref()));
    let usage_numbers = numbers("usage_", usage.iter().map(|u| u.idempotency_key.as_deref()));
    assert_eq!(run_numbers.len(), RUNS);
    assert_eq!(
        run_numbers, usage_numbers,
        "each record is keyed by its run's number, fixed when the run started"
    );

    let first = runs
        .iter()
        .find(|r| r.correlation_id.as_deref() == Some("req-7"))
        .expect("the run correlated req-7");
    assert_eq!(first.customer_id, "cus_1");
    let meta = first.metadata.as_ref().expect("metadata");
    assert_eq!(meta["route"], "/v1/search");
    assert_eq!(meta["method"], "GET");
    assert_eq!(meta["status_code"], 200);
    assert!(meta.get("user_email").is_none() && meta.get("prompt").is_none());
    let seventh = usage
        .iter()
        .find(|u| u.metadata.as_ref().is_some_and(|m| m["attempt"] == 7))
        .expect("the seventh record");
    assert_eq!(seventh.customer_id, "cus_1");

    let wire: String = emulator.requests().iter().map(|r| r.body_text()).collect();
    for hostile in [
        "alice@example.com",
        "medical history",
        "sk_live_0123456789abcdef",
    ] {
        assert!(!wire.contains(hostile), "{hostile} reached the wire");
    }
}

#[test]
fn a_streaming_template_starts_sends_and_ends_its_runs_on_the_server() {
    let capture = drip_runtime::testing::capture();
    let jobs = RunTemplate::new("nightly-import")
        .expect("template")
        .streaming();
    let mut run = jobs.start("cus_1");
    run.metadata("document_count", 3);
    run.in_scope(|| drip_runtime::plan("import the documents"));
    let usage = UsageTemplate::new("imports", 1.0).expect("usage template");
    run.end_and_track(
        RunEnd::Failed {
            code: "upstream_down",
        },
        &usage,
        Metadata::new,
    );

    let runs = capture.runs();
    assert!(runs[0].stream);
    assert_eq!(runs[0].error_code.as_deref(), Some("upstream_down"));
    assert_eq!(runs[0].metadata.get("document_count"), Some(&3.into()));
    assert_eq!(runs[0].event_types(), ["agent.plan"]);
    let tracked = capture.usage();
    assert_eq!(tracked.len(), 1);
    assert_eq!(
        number_of(&tracked[0].idempotency_key),
        number_of(&runs[0].external_run_id)
    );
}

#[test]
fn an_inactive_run_tracks_nothing() {
    let capture = drip_runtime::testing::capture();
    let usage = UsageTemplate::new("api-calls", 1.0).expect("usage template");
    let template = RunTemplate::new("http-api").expect("template");
    template
        .start("  ")
        .end_and_track(RunEnd::Completed, &usage, Metadata::new);
    {
        let _off = drip_runtime::testing::disabled();
        assert!(!template.is_enabled());
        template
            .start("cus_1")
            .end_and_track(RunEnd::Completed, &usage, Metadata::new);
    }
    assert!(capture.runs().is_empty());
    assert!(capture.usage().is_empty());
}
