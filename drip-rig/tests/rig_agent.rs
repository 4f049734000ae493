//! A rig agent with two tools, prompted blocking and streamed in many drip
//! runs at once against the OpenAI fake, metered by `DripHook` into the
//! emulator. Each run's token totals equal exactly what the fake reported for
//! its requests, its tool calls land in it with their status, and no planted
//! marker (prompt, completion, tool arguments, tool results) is on the wire,
//! in the spool or in drip's logs.
//!
//! One test in this binary: it installs the global `tracing` subscriber.

#[path = "../../tests/support/genai_leaks.rs"]
mod genai_leaks;

use drip::Config;
use futures_util::StreamExt;
use genai_leaks::{Logs, assert_absent, files_text};
use rig_agent::prelude::*;
use rig_agent::{Agent, AgentBuilder};
use rig_core::providers::openai::{OpenAIConfig, Route};
use rig_core::tool::PortableTool;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tracing_subscriber::prelude::*;

const PROMPT: &str = "PROMPT-MARKER-0c77e2";
const COMPLETION: &str = "COMPLETION-MARKER-b6a910";
const ARGUMENTS: &str = "ARGUMENTS-MARKER-f4d2c8";
const RESULT: &str = "RESULT-MARKER-8a3b5e";
const RUNS: usize = 6;
const MODEL: &str = "gpt-4o-mini";

#[derive(Deserialize)]
struct Query {
    #[allow(dead_code)]
    query: String,
}

#[derive(Debug)]
struct Unavailable;

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rates unavailable for {RESULT}")
    }
}

impl std::error::Error for Unavailable {}

struct Lookup;

impl PortableTool for Lookup {
    const NAME: &'static str = "lookup";
    type Args = Query;
    type Output = String;
    type Error = Unavailable;

    fn description(&self) -> String {
        "Looks a fact up".into()
    }
    fn parameters(&self) -> serde_json::Value {
        serde_json::json!({"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]})
    }
    async fn call(&self, _args: Query) -> Result<String, Unavailable> {
        Ok(format!("found {RESULT}"))
    }
}

struct Convert;

impl PortableTool for Convert {
    const NAME: &'static str = "convert";
    type Args = Query;
    type Output = String;
    type Error = Unavailable;

    fn description(&self) -> String {
        "Converts currencies".into()
    }
    fn parameters(&self) -> serde_json::Value {
        serde_json::json!({"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]})
    }
    async fn call(&self, _args: Query) -> Result<String, Unavailable> {
        Err(Unavailable)
    }
}

fn tag(i: usize) -> String {
    format!("[run-{i}]")
}

#[drip::run(customer = customer, workflow = "rig-agent")]
async fn research(customer: String, i: usize, agent: Arc<Agent>) {
    let question = format!("{PROMPT} {}", tag(i));
    let answer = agent
        .prompt(question.as_str())
        .await
        .expect("blocking prompt");
    assert_eq!(answer.output(), COMPLETION);

    let mut stream = agent.prompt(question.as_str()).stream();
    let mut finished = false;
    while let Some(item) = stream.next().await {
        if let MultiTurnStreamItem::FinalResponse(last) = item.expect("stream item") {
            assert_eq!(last.output(), COMPLETION);
            finished = true;
        }
    }
    assert!(finished);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn usage_and_tool_calls_land_in_their_runs_exactly() {
    let logs = Logs::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(logs.layer()))
        .expect("no other subscriber in this binary");

    let arguments = format!("{{\"query\":\"{ARGUMENTS}\"}}");
    let fake = drip_emulator::OpenAiFake::builder()
        .completion(COMPLETION)
        .tool_call("lookup", arguments.as_str())
        .tool_call("convert", arguments.as_str())
        .start()
        .await
        .expect("fake");
    let model = OpenAIConfig::new("sk-fake")
        .with_base_url(fake.base_url())
        .with_route(Route::Chat)
        .client()
        .completion(MODEL);
    let agent = Arc::new(
        AgentBuilder::new(model)
            .preamble("Answer briefly.")
            .tool(Lookup)
            .tool(Convert)
            .default_max_turns(4)
            .add_hook(drip_rig::DripHook::new())
            .build(),
    );

    let emulator = drip_emulator::Emulator::start().await.expect("emulator");
    let spool = std::env::temp_dir().join(format!("drip-rig-agent-{}", std::process::id()));
    let guard = drip::init(
        Config::new(emulator.public_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool),
    )
    .expect("init");

    emulator.faults().error_rate(503, 1.0);
    let tasks: Vec<_> = (0..RUNS)
        .map(|i| tokio::spawn(research(format!("cus_{i}"), i, Arc::clone(&agent))))
        .collect();
    for task in tasks {
        task.await.expect("run");
    }
    let _ = drip::flush(Duration::from_millis(300)).await;
    let spooled = files_text(&spool);
    emulator.faults().clear();
    let report = drip::flush(Duration::from_secs(20)).await;
    assert_eq!(report.rejected, 0, "{report:?}");
    drop(guard);
    let _ = std::fs::remove_dir_all(&spool);

    assert!(
        spooled.contains("llm.call"),
        "the spool was read while it held the runs"
    );
    assert_absent(
        &[PROMPT, COMPLETION, ARGUMENTS, RESULT],
        &emulator,
        &spooled,
        &logs,
    );

    // Reported by the fake, per run: [input, output, cached, reasoning, calls].
    let exchanges = fake.exchanges();
    assert_eq!(
        exchanges.len(),
        RUNS * 4,
        "two turns per prompt, two prompts per run"
    );
    let mut reported: HashMap<String, [u64; 5]> = HashMap::new();
    for exchange in &exchanges {
        let body = exchange.request.to_string();
        let i = (0..RUNS)
            .find(|i| body.contains(&tag(*i)))
            .expect("a tagged request");
        let u = exchange.usage;
        let totals = reported.entry(format!("cus_{i}")).or_default();
        for (total, n) in totals.iter_mut().zip([
            u.prompt_tokens,
            u.completion_tokens,
            u.cached_tokens,
            u.reasoning_tokens,
            1,
        ]) {
            *total += n;
        }
    }

    let customers: HashMap<String, String> = emulator
        .runs()
        .into_iter()
        .map(|run| (run.id, run.customer_id))
        .collect();
    let mut recorded: HashMap<String, [u64; 5]> = HashMap::new();
    let mut tools: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for event in emulator.events() {
        let customer = customers[&event.run_id].clone();
        let m = event.metadata.expect("metadata");
        match event.event_type.as_str() {
            "llm.call" => {
                assert_eq!(m["model"], MODEL);
                let totals = recorded.entry(customer).or_default();
                for (total, key) in totals.iter_mut().zip([
                    "input_tokens",
                    "output_tokens",
                    "cached_tokens",
                    "reasoning_tokens",
                ]) {
                    *total += m[key].as_u64().expect("a count");
                }
                totals[4] += 1;
            }
            "tool.call" => tools.entry(customer).or_default().push((
                m["tool_name"].as_str().unwrap_or_default().to_owned(),
                m["status"].as_str().unwrap_or_default().to_owned(),
            )),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(recorded, reported);
    for i in 0..RUNS {
        let calls = tools.get_mut(&format!("cus_{i}")).expect("tool calls");
        calls.sort();
        let convert = ("convert".to_owned(), "error".to_owned());
        let lookup = ("lookup".to_owned(), "ok".to_owned());
        assert_eq!(
            *calls,
            [convert.clone(), convert, lookup.clone(), lookup],
            "run {i}"
        );
    }
}
