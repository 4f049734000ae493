//! The main job: a small research agent, metered with drip, run for three customers.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With no `DRIP_API_KEY` it starts the local Drip emulator in-process and talks
//! to it over loopback; with a key (and optionally `DRIP_API_URL`) it talks to
//! that API instead. Either way it:
//!
//! 1. creates (or finds) three customers,
//! 2. runs the agent for each — a planner, two tools and an LLM call whose
//!    token counts come from a fake model — under `#[drip::run]`,
//! 3. tracks one usage record per request on the `research_requests` meter,
//! 4. flushes the delivery pipeline and prints what it sent,
//! 5. prints each run's timeline and a per-customer usage table (emulator only:
//!    the hosted API has no "list runs" endpoint to find them again).

use drip::model::{TimelineQuery, TrackUsage};
use drip::{Client, Config, LlmUsage};
use std::error::Error;
use std::fmt;
use std::time::Duration;

/// A search that can fail; its type name (not its message) is what drip records.
#[derive(Debug)]
struct SearchError;

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the search index is unavailable")
    }
}
impl Error for SearchError {}

/// Finds documents. The query itself is never sent to Drip: only the tool's
/// name, duration, status and the metadata listed here.
#[drip::tool(name = "web-search", metadata(provider = "local-index"))]
async fn web_search(query: &str) -> Result<Vec<String>, SearchError> {
    tokio::time::sleep(Duration::from_millis(15)).await;
    if query.is_empty() {
        return Err(SearchError);
    }
    Ok(query
        .split_whitespace()
        .map(|w| format!("a page about {w}"))
        .collect())
}

/// Ranks documents; a plain (sync) fn works the same way.
#[drip::tool]
fn rank(documents: &[String]) -> Vec<String> {
    let mut ranked = documents.to_vec();
    ranked.sort_by_key(|d| std::cmp::Reverse(d.len()));
    ranked.truncate(3);
    ranked
}

/// A stand-in for an LLM: the answer stays local, the token counts are metered.
fn fake_model(question: &str, context: &[String]) -> (String, LlmUsage) {
    let input_tokens = (question.len() + context.iter().map(String::len).sum::<usize>()) as u64;
    let answer = format!("{} sources say yes.", context.len());
    let usage = LlmUsage::new(input_tokens, answer.len() as u64 * 3);
    (answer, usage)
}

/// The agent. Everything it does beneath this attribute is attributed to
/// `customer` under the `research-agent` workflow.
#[drip::run(customer = customer, workflow = "research-agent")]
async fn research(customer: &str, question: &str) -> Result<String, SearchError> {
    drip::plan("search, rank, answer");
    let found = web_search(question).await?;
    let best = rank(&found);
    let (answer, usage) = fake_model(question, &best);
    drip::llm_call_with("gpt-4o-mini", usage);
    Ok(answer)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // Offline by default: the emulator lives as long as `emulator`.
    let mut config = Config::from_env();
    let mut emulator = None;
    let mut spool = None;
    if config.is_disabled() {
        let local = drip_emulator::Emulator::start().await?;
        println!(
            "No DRIP_API_KEY: using the local emulator at {}\n",
            local.base_url()
        );
        let dir = std::env::temp_dir().join(format!("drip-quickstart-{}", std::process::id()));
        config = Config::new(local.public_key())
            .base_url(local.base_url())
            .spool_dir(&dir);
        emulator = Some(local);
        spool = Some(dir);
    }
    let guard = drip::init(config)?;
    // One configuration: the client the runtime built from `config`.
    let client = guard
        .client()
        .cloned()
        .ok_or("drip is disabled (DRIP_DISABLED is set)")?;

    let questions = [
        ("acme", "is rust fast"),
        ("globex", "do agents need billing"),
        ("initech", ""), // an empty question makes the search fail: the run ends FAILED
    ];
    for (external_id, question) in questions {
        let customer = client.get_or_create_customer(external_id, None).await?;
        match research(&customer.id, question).await {
            Ok(answer) => println!("{external_id:<8} -> {answer}"),
            Err(e) => println!("{external_id:<8} -> failed: {e}"),
        }
        client
            .track_usage(TrackUsage::new(&customer.id, "research_requests", 1.0))
            .await?;
    }

    let report = drip::flush(Duration::from_secs(5)).await;
    println!(
        "\nDelivered: {} sent, {} duplicates, {} rejected, {} spooled, {} dropped",
        report.sent, report.duplicates, report.rejected, report.spooled, report.dropped
    );
    drop(guard);

    if let Some(emulator) = emulator {
        print_timelines(&client, &emulator).await?;
    }
    if let Some(dir) = spool {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(())
}

async fn print_timelines(
    client: &Client,
    emulator: &drip_emulator::EmulatorHandle,
) -> Result<(), Box<dyn Error>> {
    let mut table: Vec<(String, u64, u64, String)> = Vec::new();
    let mut runs = emulator.runs();
    runs.sort_by(|a, b| a.customer_id.cmp(&b.customer_id));
    for run in runs {
        let timeline = client
            .get_run_timeline(&run.id, TimelineQuery::new())
            .await?;
        // A long run spans several pages; walk them all.
        let events = client.timeline_all(&run.id, TimelineQuery::new()).await?;
        println!(
            "\nRun {} ({}) for {}: {:?}{} in {} ms",
            run.id,
            timeline.workflow_name.as_deref().unwrap_or("?"),
            run.customer_id,
            timeline.status,
            timeline
                .error_code
                .as_deref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default(),
            timeline.duration_ms.unwrap_or(0)
        );
        let (mut tokens, mut tools) = (0u64, 0u64);
        for event in &events {
            let usage = event.metadata.as_ref();
            let quantity = usage.and_then(|u| u.quantity).unwrap_or(0.0);
            let units = usage.and_then(|u| u.units.as_deref()).unwrap_or("");
            println!(
                "  {:<11} {:<12} {:>6} {:<7} {:>5} ms  {}",
                event.event_type,
                event.action_name.as_deref().unwrap_or(""),
                quantity,
                units,
                event.duration_ms.unwrap_or(0),
                event.outcome.as_deref().unwrap_or("")
            );
            match event.event_type.as_str() {
                "llm.call" => tokens += quantity as u64,
                "tool.call" => tools += 1,
                _ => {}
            }
        }
        table.push((
            run.customer_id.clone(),
            tokens,
            tools,
            format!("{:?}", timeline.status),
        ));
    }

    println!("\nUsage per customer");
    println!(
        "{:<28} {:>10} {:>10} {:>9} {:>10}",
        "customer", "tokens", "tool calls", "requests", "last run"
    );
    for customer in emulator.customers() {
        let requests: f64 = emulator
            .usage()
            .iter()
            .filter(|u| u.customer_id == customer.id)
            .map(|u| u.quantity)
            .sum();
        let (tokens, tools, status) = table
            .iter()
            .filter(|(c, ..)| *c == customer.id)
            .fold((0, 0, String::new()), |(t, n, _), (_, tk, tl, s)| {
                (t + tk, n + tl, s.clone())
            });
        println!(
            "{:<28} {:>10} {:>10} {:>9} {:>10}",
            customer
                .external_customer_id
                .as_deref()
                .unwrap_or(&customer.id),
            tokens,
            tools,
            requests,
            status
        );
    }
    Ok(())
}
