//! The run context through the real attributes: runs carried into spawned
//! tasks, panics inside tokio tasks, hand-written events, metered tools, a run
//! that outgrows its buffer, and captures isolated across threads.

use drip::model::RunStatus;
use drip::testing::{Delivery, capture};
use drip::{InCurrentRun, Value};

#[derive(Debug)]
struct FetchError;

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fetch failed")
    }
}

#[drip::tool]
async fn fetch(page: u32) -> Result<u32, FetchError> {
    tokio::task::yield_now().await;
    if page == 0 { Err(FetchError) } else { Ok(page) }
}

#[drip::tool(name = "render", customer = account, meter = "pages_rendered")]
fn render(account: &str, page: u32) -> u32 {
    page * 2
}

#[drip::tool]
async fn crash() -> u32 {
    tokio::task::yield_now().await;
    panic!("tool crashed")
}

#[drip::run(customer = customer, workflow = "crawler")]
async fn crawler(customer: &str, pages: u32) -> u32 {
    let mut carried = Vec::new();
    for page in 1..=pages {
        carried.push(drip::spawn(fetch(page)));
    }
    // Plain tokio::spawn starts without the run: these record nothing.
    let plain = tokio::spawn(fetch(99));
    let mut total = 0;
    for task in carried {
        total += task.await.unwrap().unwrap_or(0);
    }
    plain.await.unwrap().unwrap();
    // .in_current_run() carries it too.
    total += tokio::spawn(fetch(1).in_current_run())
        .await
        .unwrap()
        .unwrap();
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drip_spawn_carries_a_run_into_tasks_and_tokio_spawn_does_not() {
    let cap = capture();
    assert_eq!(crawler("cus_1", 3).await, 1 + 2 + 3 + 1);
    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Completed);
    assert_eq!(
        runs[0].tool_names(),
        ["fetch"; 4],
        "three spawned, one wrapped"
    );
}

#[drip::run(customer = "cus_2", workflow = "doomed")]
async fn doomed_agent() -> u32 {
    let partial = fetch(1).await.unwrap_or(0);
    partial + crash().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_inside_a_spawned_async_run_fails_it_with_code_panic() {
    let cap = capture();
    // Outside any run, drip::spawn carries the test's capture to the worker.
    let joined = drip::spawn(doomed_agent()).await;
    assert!(joined.unwrap_err().is_panic());
    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.error_code.as_deref(), Some("panic"));
    let statuses: Vec<_> = run
        .tool_calls()
        .map(|e| e.metadata.as_ref().and_then(|m| m.get("status")).cloned())
        .collect();
    assert_eq!(
        statuses,
        [Some(Value::from("ok")), Some(Value::from("panicked"))]
    );
}

#[drip::run(customer = "cus_3", workflow = "writer")]
async fn writer() -> Result<(), FetchError> {
    drip::plan("outline, draft, review");
    drip::llm_call_with("gpt-4o", drip::LlmUsage::new(1_500, 400));
    let _ = fetch(0).await;
    drip::execute("publish draft", drip::metadata!(action_count = 1));
    drip::error_event("reviewer unavailable", drip::metadata!(retry_count = 2));
    drip::llm_call("gpt-4o-mini", 120);
    Ok(())
}

#[tokio::test]
async fn hand_written_events_and_tools_share_the_run_in_order() {
    let cap = capture();
    writer().await.unwrap();
    let run = &cap.runs()[0];
    assert_eq!(
        run.event_types(),
        [
            "agent.plan",
            "llm.call",
            "tool.call",
            "agent.execute",
            "error",
            "llm.call"
        ]
    );
    assert_eq!(run.events[1].quantity, Some(1_900.0));
    let tool = run.events[2].metadata.as_ref().unwrap();
    assert_eq!(tool.get("status"), Some(&Value::from("error")));
    assert_eq!(tool.get("error_type"), Some(&Value::from("FetchError")));
    assert_eq!(
        run.events[3].metadata.as_ref().unwrap().get("action_count"),
        Some(&Value::Int(1))
    );
}

#[drip::run(customer = "cus_4", workflow = "renderer")]
fn renderer(pages: u32) -> u32 {
    (1..=pages).map(|p| render("cus_elsewhere", p)).sum()
}

#[test]
fn a_metered_tool_is_a_tool_call_inside_a_run_and_usage_outside() {
    let cap = capture();
    assert_eq!(renderer(2), 6);
    assert_eq!(render("cus_5", 4), 8);

    let runs = cap.runs();
    assert_eq!(runs[0].customer_id, "cus_4");
    assert_eq!(runs[0].tool_names(), ["render", "render"]);
    let usage = cap.usage();
    assert_eq!(usage.len(), 1, "only the call outside the run is usage");
    assert_eq!(usage[0].customer_id, "cus_5");
    assert_eq!(usage[0].meter, "pages_rendered");
    assert_eq!(usage[0].quantity, 1.0);
}

#[drip::run(customer = "cus_6", workflow = "bulk")]
fn bulk(pages: u32) -> u32 {
    let mut rendered = 0;
    for page in 1..=pages {
        render("cus_6", page);
        rendered += 1;
    }
    rendered
}

#[test]
fn a_run_that_outgrows_its_buffer_streams_the_rest() {
    let cap = capture();
    assert_eq!(bulk(1_200), 1_200);
    let runs = cap.runs();
    assert!(runs[0].stream);
    assert_eq!(runs[0].events.len(), 1_200);
    let deliveries = cap.deliveries();
    assert!(matches!(deliveries[0], Delivery::StreamStart { .. }));
    assert!(matches!(
        deliveries.last(),
        Some(Delivery::StreamEnd {
            status: RunStatus::Completed,
            ..
        })
    ));
}

#[test]
fn captures_on_parallel_threads_see_only_their_own_runs() {
    let workers: Vec<_> = (0..4u32)
        .map(|i| {
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .build()
                    .unwrap();
                let cap = capture();
                let customer = format!("cus_t{i}");
                for _ in 0..5 {
                    rt.block_on(crawler(&customer, i + 1));
                }
                let runs = cap.runs();
                assert_eq!(runs.len(), 5);
                for run in runs {
                    assert_eq!(run.customer_id, customer);
                    assert_eq!(run.events.len(), i as usize + 2);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}
