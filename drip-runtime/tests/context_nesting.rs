//! Which run code belongs to: nested runs, sync runs, and carrying a run into
//! spawned tasks and other threads.

use drip_runtime::InCurrentRun;
use drip_runtime::model::RunStatus;
use drip_runtime::private::{Outcome, RunSite, ToolSite, run_enter, tool_enter};
use drip_runtime::testing::{CapturedRun, capture};

static OUTER: RunSite = RunSite {
    workflow: "planner",
    stream: false,
    metadata: &[],
    error_message: false,
};
static INNER: RunSite = RunSite {
    workflow: "researcher",
    stream: false,
    metadata: &[],
    error_message: false,
};
static TOOL: ToolSite = ToolSite {
    name: "fetch",
    metadata: &[],
    meter: None,
    error_message: false,
};

fn tool_call() {
    tool_enter(&TOOL).finish(Outcome::Ok);
}

fn by_workflow<'a>(runs: &'a [CapturedRun], workflow: &str) -> &'a CapturedRun {
    runs.iter()
        .find(|r| r.workflow == workflow)
        .unwrap_or_else(|| panic!("no {workflow} run in {runs:?}"))
}

#[tokio::test]
async fn a_run_inside_a_run_is_its_own_run_linked_to_its_parent() {
    let cap = capture();
    let outer = run_enter(&OUTER, "cus_1", Some("req-1".into()));
    outer
        .instrument(async {
            tool_call();
            let inner = run_enter(&INNER, "cus_1", None);
            inner
                .instrument(async {
                    tool_call();
                    tool_call();
                })
                .await;
            inner.finish(Outcome::Ok);
            // Back in the outer run.
            tool_call();
        })
        .await;
    outer.finish(Outcome::Ok);

    let runs = cap.runs();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].workflow, "researcher", "inner finishes first");
    let (outer, inner) = (
        by_workflow(&runs, "planner"),
        by_workflow(&runs, "researcher"),
    );
    assert_eq!(outer.events.len(), 2);
    assert_eq!(inner.events.len(), 2);
    assert_eq!(outer.parent_external_run_id, None);
    assert_eq!(
        inner.parent_external_run_id.as_deref(),
        Some(outer.external_run_id.as_str())
    );
    assert_ne!(inner.external_run_id, outer.external_run_id);
    assert_eq!(outer.correlation_id.as_deref(), Some("req-1"));
}

#[test]
fn sync_runs_nest_and_attach_their_tools() {
    let cap = capture();
    let outer = run_enter(&OUTER, "cus_1", None);
    outer.enter_sync(|| {
        tool_call();
        let inner = run_enter(&INNER, "cus_2", None);
        inner.enter_sync(tool_call);
        inner.finish(Outcome::Ok);
    });
    outer.finish(Outcome::Ok);
    let runs = cap.runs();
    let (outer, inner) = (
        by_workflow(&runs, "planner"),
        by_workflow(&runs, "researcher"),
    );
    assert_eq!((outer.events.len(), inner.events.len()), (1, 1));
    assert_eq!(inner.customer_id, "cus_2");
    assert_eq!(
        inner.parent_external_run_id.as_deref(),
        Some(outer.external_run_id.as_str())
    );
    assert!(
        drip_runtime::current_run().is_none(),
        "nothing left entered"
    );
}

#[tokio::test]
async fn a_sync_run_called_from_an_async_run_takes_its_own_tools() {
    let cap = capture();
    let outer = run_enter(&OUTER, "cus_1", None);
    outer
        .instrument(async {
            let inner = run_enter(&INNER, "cus_1", None);
            inner.enter_sync(tool_call);
            inner.finish(Outcome::Ok);
        })
        .await;
    outer.finish(Outcome::Ok);
    let runs = cap.runs();
    assert_eq!(by_workflow(&runs, "researcher").events.len(), 1);
    assert_eq!(by_workflow(&runs, "planner").events.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drip_spawn_and_in_current_run_carry_the_run_but_tokio_spawn_does_not() {
    let cap = capture();
    let run = run_enter(&OUTER, "cus_1", None);
    run.instrument(async {
        let carried = drip_runtime::spawn(async {
            tokio::task::yield_now().await;
            tool_call();
        });
        let wrapped = tokio::spawn(
            async {
                tool_call();
                drip_runtime::llm_call("gpt-4o", 5);
            }
            .in_current_run(),
        );
        let plain = tokio::spawn(async {
            assert!(drip_runtime::current_run().is_none());
            tool_call();
        });
        carried.await.unwrap();
        wrapped.await.unwrap();
        plain.await.unwrap();
    })
    .await;
    run.finish(Outcome::Ok);
    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    let mut types = runs[0].event_types();
    types.sort_unstable();
    assert_eq!(types, ["llm.call", "tool.call", "tool.call"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_started_inside_a_spawned_task_of_a_captured_run_is_captured_and_linked() {
    let cap = capture();
    let outer = run_enter(&OUTER, "cus_1", None);
    outer
        .instrument(async {
            drip_runtime::spawn(async {
                let inner = run_enter(&INNER, "cus_1", None);
                assert!(
                    inner.is_active(),
                    "captured runs count as enabled on workers"
                );
                inner.instrument(async { tool_call() }).await;
                inner.finish(Outcome::Ok);
            })
            .await
            .unwrap();
        })
        .await;
    outer.finish(Outcome::Ok);
    let runs = cap.runs();
    assert_eq!(runs.len(), 2);
    let (outer, inner) = (
        by_workflow(&runs, "planner"),
        by_workflow(&runs, "researcher"),
    );
    assert_eq!(inner.events.len(), 1);
    assert_eq!(
        inner.parent_external_run_id.as_deref(),
        Some(outer.external_run_id.as_str())
    );
}

#[test]
fn run_info_carries_a_run_to_another_thread() {
    let cap = capture();
    let run = run_enter(&OUTER, "cus_1", None);
    let info = run
        .enter_sync(drip_runtime::current_run)
        .expect("inside the run");
    assert_eq!(info.workflow(), "planner");
    assert_eq!(info.customer_id(), "cus_1");
    let worker = std::thread::spawn(move || {
        assert!(drip_runtime::current_run().is_none());
        info.in_scope(tool_call);
    });
    worker.join().unwrap();
    run.finish(Outcome::Ok);
    assert_eq!(cap.runs()[0].events.len(), 1);
}

#[tokio::test]
async fn events_from_a_task_that_outlives_its_run_are_dropped() {
    let cap = capture();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let run = run_enter(&OUTER, "cus_1", None);
    #[allow(clippy::async_yields_async)] // The handle is awaited after the run ends, on purpose.
    let late = run
        .instrument(async {
            drip_runtime::spawn(async move {
                let _ = go_rx.await;
                tool_call();
            })
        })
        .await;
    run.finish(Outcome::Ok);
    go_tx.send(()).unwrap();
    late.await.unwrap();
    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Completed);
    assert!(runs[0].events.is_empty());
}

#[tokio::test]
async fn current_run_reports_the_innermost_run() {
    let _cap = capture();
    assert!(drip_runtime::current_run().is_none());
    let outer = run_enter(&OUTER, "cus_1", None);
    outer
        .instrument(async {
            let seen_outer = drip_runtime::current_run().unwrap();
            let inner = run_enter(&INNER, "cus_1", None);
            let seen_inner = inner
                .instrument(async { drip_runtime::current_run().unwrap() })
                .await;
            inner.finish(Outcome::Ok);
            assert_eq!(seen_outer.workflow(), "planner");
            assert_eq!(seen_inner.workflow(), "researcher");
            assert_eq!(
                seen_inner.parent_external_run_id(),
                Some(seen_outer.external_run_id())
            );
        })
        .await;
    outer.finish(Outcome::Ok);
}
