//! How runs and tool calls end: Ok / Err / panic / cancel, error kinds and
//! messages, and timing from the first poll. Driven through the macro contract
//! (`drip_runtime::private`) exactly as generated code calls it.
// `(&Probe(&out))` is autoref specialisation: the borrow picks the impl.
#![allow(clippy::needless_borrow)]

use drip_runtime::Value;
use drip_runtime::model::RunStatus;
use drip_runtime::private::{
    LiteralValue, Outcome, Probe, RunSite, ToolSite, outcome_with_message, run_enter, tool_enter,
};
use drip_runtime::testing::{CapturedRun, capture};
use std::fmt;
use std::time::{Duration, Instant};

static RUN: RunSite = RunSite {
    workflow: "research-agent",
    stream: false,
    metadata: &[("environment", LiteralValue::Str("test"))],
    error_message: false,
};
static RUN_WITH_MESSAGE: RunSite = RunSite {
    workflow: "research-agent",
    stream: false,
    metadata: &[],
    error_message: true,
};
static SEARCH: ToolSite = ToolSite {
    name: "web-search",
    metadata: &[("provider", LiteralValue::Str("bing"))],
    meter: None,
    error_message: false,
};
static SEARCH_WITH_MESSAGE: ToolSite = ToolSite {
    name: "web-search",
    metadata: &[],
    meter: None,
    error_message: true,
};

#[derive(Debug)]
struct SearchError(&'static str);
impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// What `#[drip::tool] async fn search(..) -> Result<u32, SearchError>` expands to.
async fn search(
    site: &'static ToolSite,
    result: Result<u32, SearchError>,
) -> Result<u32, SearchError> {
    let call = tool_enter(site);
    let out = async move {
        tokio::task::yield_now().await;
        result
    }
    .await;
    {
        #[allow(unused_imports)]
        use drip_runtime::private::{ProbePlain as _, ProbeResult as _};
        let outcome = if site.error_message {
            outcome_with_message(&out)
        } else {
            (&Probe(&out)).drip_outcome()
        };
        call.finish(outcome);
    }
    out
}

/// What `#[drip::run] async fn agent(..)` expands to, with `$body` as the fn
/// body. A macro, not a generic fn: status detection needs the concrete type,
/// as in generated code.
macro_rules! agent {
    ($site:expr, $customer:expr, $body:expr) => {
        agent!(@outcome $site, $customer, $body, out => {
            #[allow(unused_imports)]
            use drip_runtime::private::{ProbePlain as _, ProbeResult as _};
            (&Probe(&out)).drip_outcome()
        })
    };
    // `#[drip::run(error_message)]`: the return type must be a `Result` with a `Display` error.
    (message: $site:expr, $customer:expr, $body:expr) => {
        agent!(@outcome $site, $customer, $body, out => outcome_with_message(&out))
    };
    (@outcome $site:expr, $customer:expr, $body:expr, $out:ident => $outcome:expr) => {
        async {
            let run = run_enter($site, $customer, None);
            let $out = run.instrument($body).await;
            run.finish($outcome);
            $out
        }
    };
}

fn meta(run: &CapturedRun, event: usize, key: &str) -> Option<Value> {
    run.events[event].metadata.as_ref()?.get(key).cloned()
}

#[tokio::test]
async fn ok_run_with_ok_tool_completes_with_a_tool_call_event() {
    let cap = capture();
    let out = agent!(&RUN, "cus_1", async { search(&SEARCH, Ok(3)).await }).await;
    assert_eq!(out.unwrap(), 3);

    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.workflow, "research-agent");
    assert_eq!(run.customer_id, "cus_1");
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(run.error_code, None);
    assert_eq!(run.metadata.get("environment"), Some(&"test".into()));
    assert_eq!(run.tool_names(), ["web-search"]);
    assert_eq!(meta(run, 0, "status"), Some("ok".into()));
    assert_eq!(meta(run, 0, "provider"), Some("bing".into()));
    assert_eq!(meta(run, 0, "error_type"), None);
    assert!(run.events[0].idempotency_key.starts_with("evt_"));
}

#[tokio::test]
async fn err_tool_records_its_kind_but_not_its_message() {
    let cap = capture();
    let out = agent!(&RUN, "cus_1", async {
        let _ = search(&SEARCH, Err(SearchError("user@example.com not found"))).await;
        Ok::<_, SearchError>(())
    })
    .await;
    assert!(out.is_ok());

    let run = &cap.runs()[0];
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(meta(run, 0, "status"), Some("error".into()));
    assert_eq!(meta(run, 0, "error_type"), Some("SearchError".into()));
    assert_eq!(run.events[0].description, None);
}

#[tokio::test]
async fn err_tool_with_error_message_sends_the_redacted_display_text() {
    let cap = capture();
    agent!(&RUN, "cus_1", async {
        let _ = search(&SEARCH_WITH_MESSAGE, Err(SearchError("index offline"))).await;
    })
    .await;
    let run = &cap.runs()[0];
    assert_eq!(run.events[0].description.as_deref(), Some("index offline"));
}

#[tokio::test]
async fn err_run_fails_with_the_error_kind_as_code() {
    let cap = capture();
    let out = agent!(&RUN, "cus_1", async {
        search(&SEARCH, Err(SearchError("down"))).await
    })
    .await;
    assert!(out.is_err());
    let run = &cap.runs()[0];
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.error_code.as_deref(), Some("SearchError"));
    assert_eq!(run.error_message, None, "message only with error_message");
}

#[tokio::test]
async fn err_run_with_error_message_carries_the_message() {
    let cap = capture();
    let _ = agent!(message: &RUN_WITH_MESSAGE, "cus_1", async {
        Err::<(), _>(SearchError("quota exhausted"))
    })
    .await;
    let run = &cap.runs()[0];
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.error_message.as_deref(), Some("quota exhausted"));
}

#[tokio::test]
async fn panicking_run_fails_with_code_panic_and_its_tool_records_panicked() {
    let cap = capture();
    let fut = agent!(&RUN, "cus_1", async {
        let call = tool_enter(&SEARCH);
        tokio::task::yield_now().await;
        if call.is_active() {
            panic!("tool blew up");
        }
        call.finish(Outcome::Ok);
    });
    // Like tokio's task harness: the panic is caught around poll, and the
    // future is dropped afterwards, when no panic is in flight any more.
    let mut fut = Box::pin(fut);
    let caught = loop {
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let waker = std::task::Waker::noop();
            fut.as_mut()
                .poll(&mut std::task::Context::from_waker(waker))
        }));
        match polled {
            Ok(std::task::Poll::Pending) => continue,
            Ok(std::task::Poll::Ready(_)) => break false,
            Err(_) => break true,
        }
    };
    assert!(caught);
    drop(fut);

    let run = &cap.runs()[0];
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.error_code.as_deref(), Some("panic"));
    assert_eq!(meta(run, 0, "status"), Some("panicked".into()));
}

#[tokio::test]
async fn panicking_run_in_a_tokio_task_fails_with_code_panic() {
    let cap = capture();
    let run = run_enter(&RUN, "cus_1", None);
    let fut = run.instrument(async { panic!("boom") });
    // Ownership of the guard moves into the task, as in generated code.
    let task = tokio::spawn(async move {
        let out: () = fut.await;
        run.finish(Outcome::Ok);
        out
    });
    assert!(task.await.unwrap_err().is_panic());
    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert_eq!(runs[0].error_code.as_deref(), Some("panic"));
}

#[test]
fn panicking_sync_run_fails_with_code_panic() {
    let cap = capture();
    let result = std::panic::catch_unwind(|| {
        let run = run_enter(&RUN, "cus_1", None);
        run.enter_sync(|| {
            let _call = tool_enter(&SEARCH);
            panic!("sync boom");
        });
        #[allow(unreachable_code)]
        run.finish(Outcome::Ok);
    });
    assert!(result.is_err());
    let run = &cap.runs()[0];
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.error_code.as_deref(), Some("panic"));
    assert_eq!(meta(run, 0, "status"), Some("panicked".into()));
}

#[tokio::test]
async fn dropped_run_is_cancelled_and_its_pending_tool_is_cancelled() {
    let cap = capture();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let fut = agent!(&RUN, "cus_1", async move {
        let call = tool_enter(&SEARCH);
        let _ = rx.await; // never answered
        call.finish(Outcome::Ok);
    });
    let timed_out = tokio::time::timeout(Duration::from_millis(20), fut).await;
    assert!(timed_out.is_err());
    drop(tx);

    let run = &cap.runs()[0];
    assert_eq!(run.status, RunStatus::Cancelled);
    assert_eq!(run.error_code, None);
    assert_eq!(meta(run, 0, "status"), Some("cancelled".into()));
}

#[tokio::test]
async fn tool_timing_starts_at_first_poll_not_at_creation() {
    let cap = capture();
    let run = run_enter(&RUN, "cus_1", None);
    let outer = run.instrument(async {
        let call_future = async {
            let call = tool_enter(&SEARCH);
            tokio::time::sleep(Duration::from_millis(30)).await;
            call.finish(Outcome::Ok);
        };
        // Created, then left unpolled for a while.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let polled_at = Instant::now();
        call_future.await;
        polled_at.elapsed()
    });
    let window = outer.await;
    run.finish(Outcome::Ok);

    let run = &cap.runs()[0];
    let Some(Value::Float(ms)) = meta(run, 0, "duration_ms") else {
        panic!("duration_ms missing: {:?}", run.events[0]);
    };
    assert!(ms >= 30.0, "the tool's own sleep counts: {ms} ms");
    assert!(
        ms <= window.as_secs_f64() * 1000.0,
        "time before the first poll must not count: {ms} ms > {window:?}"
    );
}

#[tokio::test]
async fn run_timing_starts_when_its_future_first_runs() {
    let cap = capture();
    let fut = agent!(&RUN, "cus_1", async {
        tokio::time::sleep(Duration::from_millis(20)).await;
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    fut.await;
    let window = started.elapsed();
    let run = &cap.runs()[0];
    assert!(run.duration >= Duration::from_millis(20));
    assert!(run.duration <= window, "{:?} > {window:?}", run.duration);
}

#[tokio::test]
async fn runtime_tool_metadata_is_kept_and_cannot_override_drip_fields() {
    let cap = capture();
    let run = run_enter(&RUN, "cus_1", None);
    run.enter_sync(|| {
        let mut call = tool_enter(&SEARCH);
        call.metadata("document_count", 12);
        call.metadata("status", "fake");
        call.finish(Outcome::Ok);
    });
    run.finish(Outcome::Ok);
    let run = &cap.runs()[0];
    assert_eq!(meta(run, 0, "document_count"), Some(12.into()));
    assert_eq!(meta(run, 0, "status"), Some("ok".into()));
    assert_eq!(meta(run, 0, "tool_name"), Some("web-search".into()));
}

#[tokio::test]
async fn events_keep_their_order_and_unique_keys() {
    let cap = capture();
    agent!(&RUN, "cus_1", async {
        drip_runtime::plan("find sources");
        let _ = search(&SEARCH, Ok(1)).await;
        drip_runtime::llm_call_with("gpt-4o", drip_runtime::LlmUsage::new(1000, 200));
        let mut m = drip_runtime::Metadata::new();
        m.insert("action_count", 2);
        drip_runtime::execute("write summary", m.clone());
        drip_runtime::error_event("retrying provider", m);
    })
    .await;
    let run = &cap.runs()[0];
    assert_eq!(
        run.event_types(),
        [
            "agent.plan",
            "tool.call",
            "llm.call",
            "agent.execute",
            "error"
        ]
    );
    assert_eq!(run.events[2].quantity, Some(1200.0));
    assert_eq!(meta(run, 2, "output_tokens"), Some(200.into()));
    assert_eq!(meta(run, 3, "action_count"), Some(2.into()));
    let mut keys: Vec<_> = run.events.iter().map(|e| &e.idempotency_key).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 5);
}

#[tokio::test]
async fn values_and_descriptions_pass_the_privacy_rules() {
    let cap = capture();
    let mut run = run_enter(&RUN, "cus_1", None);
    run.metadata("region", "eu-west-1");
    run.metadata("version", "ops@example.com");
    run.enter_sync(|| {
        let mut call = tool_enter(&SEARCH);
        call.metadata("route", "alice@example.com");
        call.metadata("attempt", 2);
        call.finish(Outcome::Ok);
        drip_runtime::plan("email the report to bob@example.com");
    });
    run.finish(Outcome::Ok);

    let run = &cap.runs()[0];
    assert_eq!(run.metadata.get("region"), Some(&"eu-west-1".into()));
    assert_eq!(run.metadata.get("version"), None, "e-mail value dropped");
    assert_eq!(meta(run, 0, "route"), None, "e-mail value dropped");
    assert_eq!(meta(run, 0, "attempt"), Some(2.into()));
    let plan = run.events[1].description.as_deref().unwrap_or_default();
    assert!(!plan.contains("bob@example.com"), "{plan}");
}
