//! Captures are isolated per test, even with tests running in parallel on
//! different threads and runs hopping between worker threads.

use drip_runtime::private::{Outcome, RunSite, ToolSite, run_enter, tool_enter};
use drip_runtime::testing::capture;
use std::sync::{Arc, Barrier};

static RUN: RunSite = RunSite {
    workflow: "parallel-agent",
    stream: false,
    metadata: &[],
    error_message: false,
};
static TOOL: ToolSite = ToolSite {
    name: "work",
    metadata: &[],
    meter: None,
    error_message: false,
};

async fn agent(customer: String, tools: usize) {
    let run = run_enter(&RUN, customer, None);
    run.instrument(async move {
        let mut tasks = Vec::new();
        for _ in 0..tools {
            tasks.push(drip_runtime::spawn(async {
                tokio::task::yield_now().await;
                tool_enter(&TOOL).finish(Outcome::Ok);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    })
    .await;
    run.finish(Outcome::Ok);
}

/// Each test thread captures its own runs while the others run at the same time.
#[test]
fn parallel_threads_each_see_only_their_own_runs() {
    const THREADS: usize = 6;
    let start = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|i| {
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .build()
                    .unwrap();
                let cap = capture();
                start.wait();
                rt.block_on(async {
                    for _ in 0..5 {
                        agent(format!("cus_{i}"), i + 1).await;
                    }
                });
                let runs = cap.runs();
                assert_eq!(runs.len(), 5, "thread {i}");
                for run in &runs {
                    assert_eq!(run.customer_id, format!("cus_{i}"));
                    assert_eq!(run.events.len(), i + 1);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tests_in_parallel_a() {
    let cap = capture();
    for _ in 0..20 {
        agent("cus_a".into(), 2).await;
    }
    let runs = cap.runs();
    assert_eq!(runs.len(), 20);
    assert!(runs.iter().all(|r| r.customer_id == "cus_a"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tests_in_parallel_b() {
    let cap = capture();
    for _ in 0..20 {
        agent("cus_b".into(), 3).await;
    }
    let runs = cap.runs();
    assert_eq!(runs.len(), 20);
    assert!(runs.iter().all(|r| r.customer_id == "cus_b"));
}

#[test]
fn nested_captures_the_innermost_wins_and_clear_forgets() {
    let outer = capture();
    let inner = capture();
    run_enter(&RUN, "cus_1", None).finish(Outcome::Ok);
    assert_eq!(inner.runs().len(), 1);
    assert!(outer.runs().is_empty());
    drop(inner);
    run_enter(&RUN, "cus_1", None).finish(Outcome::Ok);
    assert_eq!(outer.runs().len(), 1);
    outer.clear();
    assert!(outer.runs().is_empty());
    assert!(outer.deliveries().is_empty());
}

#[test]
fn after_the_capture_is_dropped_runs_are_no_longer_captured() {
    let cap = capture();
    let store_view = cap.runs();
    assert!(store_view.is_empty());
    drop(cap);
    // No capture, no configuration: the SDK is off again on this thread.
    assert!(!run_enter(&RUN, "cus_1", None).is_active());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drip_spawn_outside_a_run_carries_the_capture_but_tokio_spawn_does_not() {
    let cap = capture();
    drip_runtime::spawn(agent("cus_carried".into(), 1))
        .await
        .unwrap();
    tokio::spawn(async {
        // On a worker thread with nothing carried: not this test's run.
        let run = run_enter(&RUN, "cus_plain", None);
        assert!(!run.is_active(), "not captured and not configured: off");
        run.finish(Outcome::Ok);
    })
    .await
    .unwrap();
    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].customer_id, "cus_carried");
    assert_eq!(runs[0].events.len(), 1);
}
