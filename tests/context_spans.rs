//! `drip.run` and `drip.tool` spans: the user's own log lines from inside a
//! tool carry them, nested under the user's request span, so drip's work lines
//! up with the application's `tracing` output.

#[path = "support/log_buffer.rs"]
mod log_buffer;
use log_buffer::LogBuffer as Lines;

#[drip::tool(name = "web-search")]
async fn search() -> u32 {
    tokio::task::yield_now().await;
    tracing::info!("searching");
    3
}

#[drip::tool(name = "rank")]
fn rank() -> u32 {
    tracing::info!("ranking");
    1
}

#[drip::run(customer = "cus_spans", workflow = "research")]
async fn agent() -> u32 {
    search().await + rank()
}

fn subscriber(lines: &Lines, level: tracing::Level) -> impl tracing::Subscriber + Send + Sync {
    let writer = lines.clone();
    tracing_subscriber::fmt()
        .with_max_level(level)
        .without_time()
        .with_writer(move || writer.clone())
        .finish()
}

fn text(lines: &Lines) -> String {
    String::from_utf8(lines.0.lock().unwrap().clone()).unwrap()
}

#[tokio::test]
async fn tool_lines_carry_the_run_and_tool_spans_under_the_request_span() {
    let lines = Lines::default();
    let _subscriber = tracing::subscriber::set_default(subscriber(&lines, tracing::Level::DEBUG));
    let _cap = drip::testing::capture();
    let request = tracing::info_span!("request", id = 7);
    let total = tracing::Instrument::instrument(agent(), request).await;
    assert_eq!(total, 4);

    let text = text(&lines);
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} in {text}"))
            .to_owned()
    };
    assert!(
        line("searching").contains(
            r#"request{id=7}:drip.run{workflow="research"}:drip.tool{tool="web-search"}"#
        ),
        "{text}"
    );
    assert!(
        line("ranking").contains(r#"drip.run{workflow="research"}:drip.tool{tool="rank"}"#),
        "{text}"
    );
}

#[tokio::test]
async fn without_debug_the_spans_are_not_there() {
    let lines = Lines::default();
    let _subscriber = tracing::subscriber::set_default(subscriber(&lines, tracing::Level::INFO));
    let _cap = drip::testing::capture();
    assert_eq!(agent().await, 4);
    let text = text(&lines);
    assert!(text.contains("searching"), "{text}");
    assert!(!text.contains("drip."), "{text}");
}
