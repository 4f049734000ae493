//! What `#[drip::run]` records, seen through `drip::testing::capture()`:
//! workflow and customer, metadata, completion, failure, panic and
//! cancellation, nesting, sync runs, `#[async_trait]` tools inside a run, the
//! disabled SDK, and `drip::metadata!`.

use async_trait::async_trait;
use drip::Value;
use drip::model::RunStatus;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Request {
    customer_id: String,
    trace_id: u64,
}

#[derive(Debug)]
struct AgentError;

impl std::fmt::Display for AgentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("planner gave up")
    }
}

#[drip::run(
    customer = req.customer_id,
    correlation_id = req.trace_id,
    metadata(environment = "test", attempt = 2, document_count = docs.len()),
)]
async fn research_agent(req: Request, docs: Vec<&str>) -> Result<usize, AgentError> {
    if docs.is_empty() {
        return Err(AgentError);
    }
    // The request is still usable: the customer expression only borrowed it.
    Ok(docs.len() + req.customer_id.len())
}

#[tokio::test]
async fn a_completed_run_carries_workflow_customer_metadata_and_correlation() {
    let cap = drip::testing::capture();
    let req = Request {
        customer_id: "cus_7".into(),
        trace_id: 99,
    };
    assert_eq!(research_agent(req, vec!["a", "b"]).await.unwrap(), 7);

    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.workflow, "research-agent");
    assert_eq!(run.customer_id, "cus_7");
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(run.correlation_id.as_deref(), Some("99"));
    assert_eq!(run.metadata.get("environment"), Some(&Value::from("test")));
    assert_eq!(run.metadata.get("attempt"), Some(&Value::Int(2)));
    assert_eq!(run.metadata.get("document_count"), Some(&Value::Int(2)));
    assert!(!run.stream);
}

#[tokio::test]
async fn an_err_fails_the_run_with_the_error_type_and_no_message() {
    let cap = drip::testing::capture();
    let req = Request {
        customer_id: "cus_8".into(),
        trace_id: 1,
    };
    assert!(research_agent(req, vec![]).await.is_err());

    let run = &cap.runs()[0];
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.error_code.as_deref(), Some("AgentError"));
    assert_eq!(run.error_message, None);
}

#[drip::run(customer = "cus_9", workflow = "support-bot", error_message, stream)]
fn support(fail: bool) -> Result<(), AgentError> {
    if fail { Err(AgentError) } else { Ok(()) }
}

#[test]
fn sync_runs_with_error_message_and_stream() {
    let cap = drip::testing::capture();
    assert!(support(true).is_err());
    assert!(support(false).is_ok());

    let runs = cap.runs();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].workflow, "support-bot");
    assert!(runs[0].stream);
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert_eq!(runs[0].error_message.as_deref(), Some("planner gave up"));
    assert_eq!(runs[1].status, RunStatus::Completed);
}

#[drip::run(customer = "cus_10")]
fn crashing_agent() {
    panic!("agent crashed")
}

#[test]
fn a_panic_fails_the_run_with_error_code_panic() {
    let cap = drip::testing::capture();
    assert!(std::panic::catch_unwind(crashing_agent).is_err());

    let run = &cap.runs()[0];
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.error_code.as_deref(), Some("panic"));
}

#[drip::run(customer = "cus_11")]
async fn endless_agent() {
    std::future::pending::<()>().await
}

#[tokio::test]
async fn a_run_future_dropped_before_finishing_is_cancelled() {
    let cap = drip::testing::capture();
    let outcome = tokio::select! {
        biased;
        _ = endless_agent() => "finished",
        _ = std::future::ready(()) => "stopped",
    };
    assert_eq!(outcome, "stopped");

    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Cancelled);
}

#[drip::run(customer = "cus_12", workflow = "child")]
async fn child_run() -> u8 {
    1
}

#[drip::run(customer = "cus_12", workflow = "parent")]
async fn parent_run() -> u8 {
    child_run().await + 1
}

#[tokio::test]
async fn a_run_inside_a_run_is_its_own_run_linked_to_its_parent() {
    let cap = drip::testing::capture();
    assert_eq!(parent_run().await, 2);

    let runs = cap.runs();
    assert_eq!(runs.len(), 2);
    let parent = runs
        .iter()
        .find(|r| r.workflow == "parent")
        .expect("parent");
    let child = runs.iter().find(|r| r.workflow == "child").expect("child");
    assert_eq!(
        child.parent_external_run_id.as_deref(),
        Some(parent.external_run_id.as_str())
    );
    assert_eq!(parent.parent_external_run_id, None);
}

#[async_trait]
trait Tool {
    async fn call(&self, input: &str) -> Result<usize, AgentError>;
}

struct Counter;

#[async_trait]
impl Tool for Counter {
    #[drip::tool(name = "counter")]
    async fn call(&self, input: &str) -> Result<usize, AgentError> {
        if input.is_empty() {
            return Err(AgentError);
        }
        Ok(input.len())
    }
}

#[drip::run(customer = "cus_13")]
async fn trait_agent(tool: &(dyn Tool + Sync), inputs: &[&str]) -> usize {
    let mut total = 0;
    for input in inputs {
        total += tool.call(input).await.unwrap_or(0);
    }
    total
}

#[tokio::test]
async fn async_trait_tools_are_timed_inside_the_boxed_future() {
    let cap = drip::testing::capture();
    assert_eq!(trait_agent(&Counter, &["ab", ""]).await, 2);

    let run = &cap.runs()[0];
    assert_eq!(run.tool_names(), ["counter", "counter"]);
    let statuses: Vec<_> = run
        .tool_calls()
        .map(|e| e.metadata.as_ref().and_then(|m| m.get("status")).cloned())
        .collect();
    assert_eq!(
        statuses,
        [Some(Value::from("ok")), Some(Value::from("error"))]
    );
}

static CUSTOMER_LOOKUPS: AtomicUsize = AtomicUsize::new(0);

fn lookup_customer() -> String {
    CUSTOMER_LOOKUPS.fetch_add(1, Ordering::SeqCst);
    "cus_14".to_owned()
}

#[drip::run(customer = lookup_customer())]
fn looked_up() -> u8 {
    3
}

#[test]
fn with_the_sdk_disabled_nothing_is_recorded_and_the_customer_is_not_evaluated() {
    let cap = drip::testing::capture();
    {
        let _off = drip::testing::disabled();
        let before = CUSTOMER_LOOKUPS.load(Ordering::SeqCst);
        assert_eq!(looked_up(), 3);
        assert_eq!(CUSTOMER_LOOKUPS.load(Ordering::SeqCst), before);
    }
    assert!(cap.runs().is_empty());

    assert_eq!(looked_up(), 3);
    assert_eq!(cap.runs()[0].customer_id, "cus_14");
}

#[test]
fn metadata_macro_normalises_keys_and_keeps_values() {
    let docs = ["a", "b", "c"];
    let m = drip::metadata!(
        model = "gpt-4o",
        documentCount = docs.len(),
        "latency-ms" = 12.5
    );
    assert_eq!(m.get("model"), Some(&Value::from("gpt-4o")));
    assert_eq!(m.get("document_count"), Some(&Value::Int(3)));
    assert_eq!(m.get("latency_ms"), Some(&Value::Float(12.5)));
    assert_eq!(m.len(), 3);
}
