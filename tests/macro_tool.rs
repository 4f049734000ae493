//! What `#[drip::tool]` records, seen through `drip::testing::capture()`:
//! statuses (ok, error, panicked, cancelled), timing from the first poll,
//! methods and sync functions, metadata values, `error_message`, type-alias
//! `Result`s, and tools called outside any run.

use drip::Value;
use drip::model::{Event, RunStatus};
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug)]
struct SearchError;

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("backend returned 503")
    }
}

/// A `Result` alias: the status is read from the type, not its spelling.
type SearchResult<T> = Result<T, SearchError>;

const REGION: &str = "eu-west-1";

#[drip::tool(name = "web-search", metadata(provider = "bing", region = REGION, document_count = limit))]
async fn search(query: &str, limit: usize) -> SearchResult<Vec<String>> {
    if query.is_empty() {
        return Err(SearchError);
    }
    Ok(vec![query.to_owned(); limit])
}

#[drip::tool(error_message)]
async fn search_verbose(fail: bool) -> SearchResult<u8> {
    if fail { Err(SearchError) } else { Ok(1) }
}

#[drip::tool]
fn parse_count(text: &str) -> Result<u32, std::num::ParseIntError> {
    let n = text.trim().parse::<u32>()?;
    Ok(n)
}

#[drip::tool]
fn explode() -> u32 {
    panic!("tool failed hard")
}

#[drip::tool]
async fn wait_forever() {
    std::future::pending::<()>().await
}

struct Index {
    docs: Vec<String>,
}

impl Index {
    #[drip::tool(metadata(document_count = self.docs.len()))]
    fn lookup(&self, i: usize) -> Option<&str> {
        self.docs.get(i).map(String::as_str)
    }

    #[drip::tool]
    async fn add(&mut self, doc: &str) -> usize {
        self.docs.push(doc.to_owned());
        self.docs.len()
    }
}

#[drip::run(customer = "cus_1")]
async fn agent(query: &str) -> SearchResult<usize> {
    let hits = search(query, 2).await?;
    Ok(hits.len())
}

fn tool_event(run: &drip::testing::CapturedRun, index: usize) -> &Event {
    run.tool_calls().nth(index).expect("a tool.call event")
}

fn meta<'a>(event: &'a Event, key: &str) -> Option<&'a Value> {
    event.metadata.as_ref()?.get(key)
}

fn status(event: &Event) -> &str {
    match meta(event, "status") {
        Some(Value::Str(s)) => s,
        other => panic!("status should be a string, got {other:?}"),
    }
}

#[tokio::test]
async fn ok_call_inside_a_run_is_one_tool_call_event_with_its_metadata() {
    let cap = drip::testing::capture();
    assert_eq!(agent("rust").await.unwrap(), 2);

    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Completed);
    assert_eq!(runs[0].tool_names(), ["web-search"]);
    let event = tool_event(&runs[0], 0);
    assert_eq!(status(event), "ok");
    assert_eq!(meta(event, "provider"), Some(&Value::from("bing")));
    assert_eq!(meta(event, "region"), Some(&Value::from("eu-west-1")));
    assert_eq!(meta(event, "document_count"), Some(&Value::Int(2)));
    assert!(matches!(
        meta(event, "duration_ms"),
        Some(Value::Int(_) | Value::Float(_))
    ));
    assert_eq!(event.quantity, Some(1.0));
}

#[tokio::test]
async fn err_through_a_type_alias_is_an_error_with_its_type_but_no_message() {
    let cap = drip::testing::capture();
    assert!(agent("").await.is_err());

    let runs = cap.runs();
    let event = tool_event(&runs[0], 0);
    assert_eq!(status(event), "error");
    assert_eq!(meta(event, "error_type"), Some(&Value::from("SearchError")));
    assert_eq!(event.description, None, "no message without error_message");
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert_eq!(runs[0].error_code.as_deref(), Some("SearchError"));
}

#[drip::run(customer = "cus_1")]
async fn verbose_agent(fail: bool) -> u8 {
    search_verbose(fail).await.unwrap_or(0)
}

#[tokio::test]
async fn error_message_sends_the_display_text_only_on_error() {
    let cap = drip::testing::capture();
    verbose_agent(true).await;
    verbose_agent(false).await;

    let runs = cap.runs();
    let failed = tool_event(&runs[0], 0);
    assert_eq!(status(failed), "error");
    assert_eq!(failed.description.as_deref(), Some("backend returned 503"));
    let ok = tool_event(&runs[1], 0);
    assert_eq!(status(ok), "ok");
    assert_eq!(ok.description, None);
}

#[drip::run(customer = "cus_2")]
fn sync_agent(inputs: &[&str]) -> u32 {
    inputs.iter().filter_map(|t| parse_count(t).ok()).sum()
}

#[test]
fn sync_tools_with_question_mark_record_ok_and_error() {
    let cap = drip::testing::capture();
    assert_eq!(sync_agent(&["2", "x", " 3"]), 5);

    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].workflow, "sync-agent");
    let statuses: Vec<&str> = runs[0].tool_calls().map(status).collect();
    assert_eq!(statuses, ["ok", "error", "ok"]);
    assert_eq!(
        meta(tool_event(&runs[0], 1), "error_type"),
        Some(&Value::from("ParseIntError"))
    );
}

#[drip::run(customer = "cus_3")]
fn panicking_agent() -> u32 {
    explode()
}

#[test]
fn a_panic_is_recorded_as_panicked_and_keeps_unwinding() {
    let cap = drip::testing::capture();
    let unwound = std::panic::catch_unwind(panicking_agent);
    assert!(unwound.is_err(), "the panic reaches the caller");

    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(status(tool_event(&runs[0], 0)), "panicked");
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert_eq!(runs[0].error_code.as_deref(), Some("panic"));
}

#[drip::run(customer = "cus_4")]
async fn impatient_agent() -> &'static str {
    tokio::select! {
        biased;
        _ = wait_forever() => "finished",
        _ = std::future::ready(()) => "gave up",
    }
}

#[tokio::test]
async fn a_tool_future_dropped_after_its_first_poll_is_cancelled() {
    let cap = drip::testing::capture();
    assert_eq!(impatient_agent().await, "gave up");

    let runs = cap.runs();
    assert_eq!(runs[0].tool_names(), ["wait_forever"]);
    assert_eq!(status(tool_event(&runs[0], 0)), "cancelled");
    assert_eq!(runs[0].status, RunStatus::Completed);
}

#[drip::run(customer = "cus_5")]
async fn lazy_agent() -> usize {
    // Created but never polled: the call never started.
    let never_polled = search("unused", 1);
    drop(never_polled);
    search("used", 1).await.map_or(0, |v| v.len())
}

#[tokio::test]
async fn a_call_starts_at_its_first_poll_not_when_the_future_is_made() {
    let cap = drip::testing::capture();
    assert_eq!(lazy_agent().await, 1);

    let runs = cap.runs();
    assert_eq!(
        runs[0].tool_calls().count(),
        1,
        "only the awaited call counts"
    );
    assert_eq!(status(tool_event(&runs[0], 0)), "ok");
}

#[drip::run(customer = "cus_6")]
async fn index_agent(index: &mut Index) -> Option<String> {
    index.add("b").await;
    index.lookup(1).map(str::to_owned)
}

#[tokio::test]
async fn methods_record_under_their_names_with_metadata_read_from_self() {
    let cap = drip::testing::capture();
    let mut index = Index {
        docs: vec!["a".into()],
    };
    assert_eq!(index_agent(&mut index).await.as_deref(), Some("b"));

    let runs = cap.runs();
    assert_eq!(runs[0].tool_names(), ["add", "lookup"]);
    assert_eq!(
        meta(tool_event(&runs[0], 1), "document_count"),
        Some(&Value::Int(2))
    );
}

static EVALUATED: AtomicUsize = AtomicUsize::new(0);

fn counted(n: usize) -> usize {
    EVALUATED.fetch_add(1, Ordering::SeqCst);
    n
}

#[drip::tool(metadata(document_count = counted(n)))]
fn counted_tool(n: usize) -> usize {
    n
}

#[test]
fn outside_a_run_a_tool_records_nothing_and_skips_its_metadata_expressions() {
    let cap = drip::testing::capture();
    let before = EVALUATED.load(Ordering::SeqCst);
    assert_eq!(counted_tool(3), 3);
    assert_eq!(
        EVALUATED.load(Ordering::SeqCst),
        before,
        "metadata expressions only run for recorded calls"
    );
    assert!(cap.runs().is_empty());
    assert!(cap.usage().is_empty());
}

#[drip::tool(customer = account, meter = "pdf_pages", metadata(attempt = 1))]
fn render_page(account: &str, page: u32) -> u32 {
    page
}

static CUSTOMER_LOOKUPS: AtomicUsize = AtomicUsize::new(0);

fn customer_of(account: &str) -> String {
    CUSTOMER_LOOKUPS.fetch_add(1, Ordering::SeqCst);
    format!("cus_{account}")
}

#[drip::tool(customer = customer_of(account), meter = "lookups")]
fn metered_lookup(account: &str) -> usize {
    account.len()
}

#[drip::run(customer = "cus_run")]
fn agent_doing_lookups() -> usize {
    metered_lookup("inside")
}

#[test]
fn a_metered_tools_customer_is_evaluated_only_when_tracked_as_usage() {
    let cap = drip::testing::capture();
    let before = CUSTOMER_LOOKUPS.load(Ordering::SeqCst);

    assert_eq!(agent_doing_lookups(), 6);
    assert_eq!(
        CUSTOMER_LOOKUPS.load(Ordering::SeqCst),
        before,
        "inside a run the call belongs to the run's customer"
    );
    assert_eq!(cap.runs()[0].events.len(), 1);

    assert_eq!(metered_lookup("acme"), 4);
    assert_eq!(CUSTOMER_LOOKUPS.load(Ordering::SeqCst), before + 1);
    assert_eq!(cap.usage()[0].customer_id, "cus_acme");

    {
        let _off = drip::testing::disabled();
        metered_lookup("off");
    }
    assert_eq!(CUSTOMER_LOOKUPS.load(Ordering::SeqCst), before + 1);
}

async fn account_owner(account: &str) -> Result<String, std::fmt::Error> {
    tokio::task::yield_now().await;
    if account.is_empty() {
        return Err(std::fmt::Error);
    }
    Ok(format!("cus_{account}"))
}

/// `customer` may await and use `?`: it is evaluated in the tool's own body.
#[drip::tool(customer = account_owner(account).await?, meter = "ocr_pages")]
async fn ocr_page(account: &str) -> Result<u32, std::fmt::Error> {
    Ok(1)
}

#[tokio::test]
async fn a_metered_tools_customer_may_await_and_use_question_mark() {
    let cap = drip::testing::capture();
    assert_eq!(ocr_page("acme").await, Ok(1));
    assert_eq!(ocr_page("").await, Err(std::fmt::Error));
    let usage = cap.usage();
    assert_eq!(usage.len(), 1, "the failed lookup returned before the call");
    assert_eq!(usage[0].customer_id, "cus_acme");
    assert_eq!(usage[0].meter, "ocr_pages");
}

#[test]
fn outside_a_run_a_metered_tool_tracks_usage_for_its_customer() {
    let cap = drip::testing::capture();
    assert_eq!(render_page("cus_42", 7), 7);

    assert!(cap.runs().is_empty());
    let usage = cap.usage();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].customer_id, "cus_42");
    assert_eq!(usage[0].meter, "pdf_pages");
    assert_eq!(usage[0].quantity, 1.0);
    assert_eq!(usage[0].metadata.get("attempt"), Some(&Value::Int(1)));
}
