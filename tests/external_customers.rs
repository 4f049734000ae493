//! `external_customer = …` and `track_usage_external` against the emulator
//! over loopback: the application's own ids are resolved to Drip customers on
//! the delivery thread — one customer per id, however many runs, faults or
//! restarts — and ids that are personal data never leave the process.

#[path = "support/log_buffer.rs"]
mod log_buffer;
#[path = "support/spool.rs"]
mod spool;

use drip_emulator::{Emulator, EmulatorHandle};
use spool::Spool;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

const USERS: usize = 5;
const RUNS: usize = 50;

#[drip::tool]
async fn step(i: usize) -> usize {
    i
}

/// `tools` tool calls, plus one in a task spawned with the run.
#[drip::run(external_customer = user, workflow = "agent", correlation_id = tag)]
async fn agent(user: String, tag: String, tools: usize) -> usize {
    let mut n = 0;
    for i in 0..tools {
        n += step(i).await;
    }
    n + drip::spawn(step(1)).await.unwrap_or(0)
}

#[drip::run(external_customer = user, workflow = "streamer", stream, correlation_id = tag)]
async fn streamer(user: String, tag: String, tools: usize) -> usize {
    let mut n = 0;
    for i in 0..tools {
        n += step(i).await;
    }
    n + drip::spawn(step(1)).await.unwrap_or(0)
}

/// A record-mode run with a stream-mode run nested in it, for the same user.
#[drip::run(external_customer = user, workflow = "outer", correlation_id = tag)]
async fn outer(user: String, tag: String) -> usize {
    let inner = streamer(user, format!("{tag}-inner"), 1).await;
    inner + step(0).await
}

/// Everything written under the spool directory.
fn spool_contents(spool: &Spool) -> Vec<u8> {
    fn walk(dir: &Path, out: &mut Vec<u8>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.extend(bytes);
            }
        }
    }
    let mut out = Vec::new();
    walk(spool.path(), &mut out);
    out
}

fn start(emulator: &EmulatorHandle, spool: &Spool) -> drip::Runtime {
    drip::Runtime::start(spool.config(emulator)).expect("runtime")
}

fn client(emulator: &EmulatorHandle) -> drip::Client {
    drip::Client::builder()
        .api_key(emulator.secret_key())
        .base_url(emulator.base_url())
        .build()
        .expect("client")
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio")
}

/// Every line drip logs, from every thread (the transport's included).
fn logs() -> &'static log_buffer::LogBuffer {
    log_buffer::global(tracing::Level::DEBUG)
}

fn user(i: usize) -> String {
    format!("user_{}", i % USERS)
}

/// 50 runs over 5 users, half record mode and half stream mode, all at once
/// (each with a spawned tool call), 5 nested runs and 10 usage records.
fn run_all(rt: &drip::Runtime) {
    tokio_rt().block_on(async {
        let _scope = rt.enter();
        let mut runs = Vec::new();
        for i in 0..RUNS {
            let (user, tag, tools) = (user(i), format!("run-{i}"), i % 3 + 1);
            runs.push(if i % 2 == 0 {
                drip::spawn(agent(user, tag, tools))
            } else {
                drip::spawn(streamer(user, tag, tools))
            });
        }
        for u in 0..USERS {
            runs.push(drip::spawn(outer(user(u), format!("outer-{u}"))));
        }
        for i in 0..10 {
            drip::track_usage_external(&user(i), "pages", 1.0).expect("valid usage");
        }
        for run in runs {
            run.await.expect("run");
        }
    });
}

fn flush(rt: &drip::Runtime) -> drip::FlushReport {
    tokio_rt().block_on(rt.flush(Duration::from_secs(120)))
}

/// External id → Drip id; exactly one customer per user.
fn customers(emulator: &EmulatorHandle) -> HashMap<String, String> {
    let all = emulator.customers();
    let by_external: HashMap<String, String> = all
        .iter()
        .filter_map(|c| Some((c.external_customer_id.clone()?, c.id.clone())))
        .collect();
    assert_eq!(all.len(), by_external.len(), "one customer per external id");
    by_external
}

/// Every run once, billed to its user's Drip customer, with its tool calls.
fn check_delivered(emulator: &EmulatorHandle) {
    let ids = customers(emulator);
    assert_eq!(ids.len(), USERS, "{ids:?}");
    let runs = emulator.runs();
    let events = emulator.events();
    let tool_calls = |run_id: &str| {
        events
            .iter()
            .filter(|e| e.run_id == run_id && e.event_type == "tool.call")
            .count()
    };
    let run_tagged = |tag: &str| {
        let found: Vec<_> = runs
            .iter()
            .filter(|r| r.correlation_id.as_deref() == Some(tag))
            .collect();
        assert_eq!(found.len(), 1, "run {tag} stored once");
        found[0].clone()
    };
    for i in 0..RUNS {
        let run = run_tagged(&format!("run-{i}"));
        assert_eq!(run.customer_id, ids[&user(i)], "run-{i}");
        assert_eq!(run.status, "COMPLETED");
        assert_eq!(tool_calls(&run.id), i % 3 + 2, "run-{i}'s tool calls");
    }
    for u in 0..USERS {
        let outer = run_tagged(&format!("outer-{u}"));
        let inner = run_tagged(&format!("outer-{u}-inner"));
        assert_eq!(outer.customer_id, ids[&user(u)]);
        assert_eq!(inner.customer_id, ids[&user(u)]);
        assert_eq!(tool_calls(&outer.id), 1);
        assert_eq!(tool_calls(&inner.id), 2);
    }
    let usage = emulator.usage();
    assert_eq!(usage.len(), 10);
    for u in 0..USERS {
        let billed = usage.iter().filter(|r| r.customer_id == ids[&user(u)]);
        assert_eq!(billed.count(), 2);
    }
}

fn posts_to_customers(emulator: &EmulatorHandle) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path_and_query.ends_with("/customers"))
        .count()
}

/// [`run_all`] through a runtime of its own, flushed completely: its stats.
fn deliver_all(emulator: &EmulatorHandle, name: &str) -> drip::Stats {
    let spool = Spool::new("external-customers", name);
    let rt = start(emulator, &spool);
    run_all(&rt);
    let report = flush(&rt);
    assert!(report.is_complete(), "{report:?}");
    let stats = rt.stats();
    rt.shutdown(Duration::from_secs(10));
    stats
}

#[test]
fn fifty_concurrent_runs_over_five_users_make_five_customers_with_one_request_each() {
    logs();
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    let stats = deliver_all(&emulator, "plain");
    check_delivered(&emulator);
    assert_eq!(
        posts_to_customers(&emulator),
        USERS,
        "one get-or-create per id"
    );
    assert_eq!(stats.customers_resolved, USERS as u64);
    assert_eq!(stats.customers_refused, 0);
}

#[test]
fn through_errors_and_dropped_answers_each_user_is_one_customer_and_each_run_is_stored_once() {
    logs();
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    emulator
        .faults()
        .seed(41)
        .error_rate(503, 0.2)
        .commit_then_drop(0.25);
    let stats = deliver_all(&emulator, "faults");
    emulator.faults().clear();
    assert!(stats.retries > 0, "the faults were exercised");
    let dropped_creates = emulator
        .requests()
        .iter()
        .any(|r| r.dropped && r.method == "POST" && r.path_and_query.ends_with("/customers"));
    assert!(
        dropped_creates || posts_to_customers(&emulator) > USERS,
        "customer creation met the faults"
    );
    check_delivered(&emulator);
}

#[test]
fn work_spooled_while_the_server_is_down_is_resolved_and_delivered_by_the_next_runtime() {
    logs();
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    emulator.faults().error_rate(503, 1.0);
    let spool = Spool::new("external-customers", "restart");
    let first = start(&emulator, &spool);
    run_all(&first);
    let report = first.shutdown(Duration::from_millis(300));
    assert!(report.spooled > 0, "{report:?}");
    assert_eq!(report.dropped + report.rejected, 0, "{report:?}");
    assert!(emulator.customers().is_empty());
    assert!(emulator.runs().is_empty());

    emulator.faults().clear();
    let second = start(&emulator, &spool);
    let report = flush(&second);
    second.shutdown(Duration::from_secs(10));
    assert!(report.is_complete(), "{report:?}");
    check_delivered(&emulator);
}

#[test]
fn a_customer_that_already_exists_is_found_by_its_409_or_by_paging_never_duplicated() {
    logs();
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    let client = client(&emulator);
    let tokio = tokio_rt();
    // 150 customers: the one looked up by paging is on the second page.
    let existing = tokio.block_on(async {
        let mut ids = Vec::new();
        for i in 0..150 {
            let created = client
                .create_customer(drip::model::CreateCustomer::external(format!("pre_{i}")))
                .await
                .expect("create");
            ids.push(created.id);
        }
        ids
    });

    // The client method: by the 409's `existingCustomerId`, then by paging.
    let found = tokio
        .block_on(client.get_or_create_customer("pre_3", None))
        .expect("found");
    assert_eq!(found.id, existing[3]);
    emulator.faults().conflict_without_existing_id(true);
    let found = tokio
        .block_on(client.get_or_create_customer("pre_140", None))
        .expect("found by paging");
    assert_eq!(found.id, existing[140]);
    let pages = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path_and_query.contains("/customers?"))
        .count();
    assert_eq!(pages, 2, "paged past the first 100");

    // Runs for existing ids (still without `existingCustomerId`) and a new one.
    let spool = Spool::new("external-customers", "existing");
    let rt = start(&emulator, &spool);
    tokio.block_on(async {
        let _scope = rt.enter();
        agent("pre_120".into(), "for-existing".into(), 1).await;
        streamer("pre_7".into(), "stream-for-existing".into(), 1).await;
        agent("brand_new".into(), "for-new".into(), 1).await;
    });
    let report = flush(&rt);
    rt.shutdown(Duration::from_secs(10));
    assert!(report.is_complete(), "{report:?}");
    let ids = customers(&emulator);
    assert_eq!(ids.len(), 151, "only `brand_new` was created");
    let runs = emulator.runs();
    let customer_of = |tag: &str| {
        runs.iter()
            .find(|r| r.correlation_id.as_deref() == Some(tag))
            .map(|r| r.customer_id.clone())
    };
    assert_eq!(customer_of("for-existing"), Some(existing[120].clone()));
    assert_eq!(
        customer_of("stream-for-existing"),
        Some(existing[7].clone())
    );
    assert_eq!(customer_of("for-new"), Some(ids["brand_new"].clone()));
}

#[test]
fn a_refused_get_or_create_dead_letters_that_users_work_once_and_the_rest_is_delivered() {
    logs();
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    // The first customer creation is refused for good: a key that may not
    // create customers (403). The second user's is fine.
    emulator
        .faults()
        .path_prefix(Some("/v1/customers"))
        .fail_next(&[403]);
    let spool = Spool::new("external-customers", "refused");
    let rt = start(&emulator, &spool);
    tokio_rt().block_on(async {
        let _scope = rt.enter();
        agent("user_refused".into(), "refused-1".into(), 2).await;
        streamer("user_refused".into(), "refused-2".into(), 2).await;
        drip::track_usage_external("user_refused", "pages", 1.0).expect("valid");
    });
    let refused = flush(&rt);
    tokio_rt().block_on(async {
        let _scope = rt.enter();
        agent("user_fine".into(), "fine-1".into(), 1).await;
    });
    let report = flush(&rt);
    let stats = rt.stats();
    rt.shutdown(Duration::from_secs(10));
    // The record-mode run's 3 tool calls, the usage record, and the stream's
    // 3 tool calls (refused with its start).
    assert_eq!(refused.rejected, 7, "{refused:?}");
    assert_eq!(refused.spooled, 0, "nothing held for a refused customer");
    assert_eq!(report.rejected, 7, "{report:?}");
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(stats.customers_refused, 1);
    assert_eq!(stats.customers_resolved, 1);
    assert_eq!(stats.held_by_auth, 0);
    assert_eq!(
        posts_to_customers(&emulator),
        2,
        "the refusal is remembered"
    );
    let runs = emulator.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].correlation_id.as_deref(), Some("fine-1"));
    let dead = String::from_utf8_lossy(&spool_contents(&spool)).into_owned();
    assert!(dead.contains("CUSTOMER_NOT_RESOLVED"), "{dead}");
    let warnings = String::from_utf8(logs().0.lock().unwrap().clone()).unwrap();
    assert_eq!(
        warnings
            .lines()
            .filter(|l| l.contains("refused to get or create the customer"))
            .count(),
        1,
        "one WARN line for the refused id"
    );
}

#[test]
fn an_email_or_a_key_as_external_id_is_refused_and_never_leaves_the_process() {
    let lines = logs();
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    let client = client(&emulator);
    let tokio = tokio_rt();
    const EMAIL: &str = "jane.doe@example.com";
    const KEY: &str = "sk_live_51HqLyjWDarjtT1zdp7dc";
    for hostile in [EMAIL, KEY] {
        let refused = tokio.block_on(client.get_or_create_customer(hostile, None));
        assert!(
            matches!(
                refused,
                Err(drip::Error::Validation {
                    field: "externalCustomerId",
                    ..
                })
            ),
            "{refused:?}"
        );
        assert!(matches!(
            drip::track_usage_external(hostile, "pages", 1.0),
            Err(drip::Error::Validation { .. })
        ));
    }
    assert!(emulator.requests().is_empty(), "nothing sent");

    let spool = Spool::new("external-customers", "hostile");
    let rt = start(&emulator, &spool);
    tokio.block_on(async {
        let _scope = rt.enter();
        agent(EMAIL.into(), "hostile-1".into(), 2).await;
        streamer(KEY.into(), "hostile-2".into(), 2).await;
        agent("user_ok".into(), "ok-1".into(), 1).await;
    });
    let report = flush(&rt);
    rt.shutdown(Duration::from_secs(10));
    // The two refused runs' tool calls (3 each) are dropped, not sent.
    assert_eq!(report.dropped, 6, "{report:?}");
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(customers(&emulator).len(), 1);
    let wire: Vec<u8> = emulator
        .requests()
        .iter()
        .flat_map(|r| r.path_and_query.bytes().chain(r.body.iter().copied()))
        .collect();
    let spooled = spool_contents(&spool);
    let logged = lines.0.lock().unwrap().clone();
    for hostile in [EMAIL, KEY] {
        for (place, bytes) in [("wire", &wire), ("spool", &spooled), ("logs", &logged)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(!text.contains(hostile), "{hostile} reached the {place}");
            assert!(
                !text.contains("jane.doe"),
                "part of the e-mail in the {place}"
            );
        }
    }
}
