//! async-openai against the OpenAI fake, metered into drip runs delivered to
//! the emulator: many runs in parallel, each with a tool-calling completion,
//! its follow-up, a stream read to the end and a stream dropped early. Each
//! run's token totals equal exactly what the fake reported for its requests
//! (the dropped stream's excepted); no planted marker is on the wire, in the
//! spool or in drip's logs.
//!
//! One test in this binary: it installs the global `tracing` subscriber.

#[path = "../../tests/support/genai_leaks.rs"]
mod genai_leaks;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::chat::CreateChatCompletionRequest;
use drip::Config;
use futures_util::StreamExt;
use genai_leaks::{Logs, assert_absent, files_text};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use tracing_subscriber::prelude::*;

const PROMPT: &str = "PROMPT-MARKER-4410aa";
const COMPLETION: &str = "COMPLETION-MARKER-9e02bd";
const ARGUMENTS: &str = "ARGUMENTS-MARKER-d7c615";
const RESULT: &str = "RESULT-MARKER-31f8e0";
const RUNS: usize = 8;
const MODEL: &str = "gpt-4o-mini";

fn request(body: Value) -> CreateChatCompletionRequest {
    serde_json::from_value(body).expect("a valid request")
}

fn tag(i: usize) -> String {
    format!("[run-{i}]")
}

#[drip::run(customer = customer, workflow = "openai-agent")]
async fn agent(
    customer: String,
    i: usize,
    client: Client<OpenAIConfig>,
) -> Result<(), async_openai::error::OpenAIError> {
    let question = format!("{PROMPT} {}", tag(i));
    let tools = json!([{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]);
    let first = drip_openai::create(
        &client,
        request(json!({"model": MODEL, "messages": [{"role": "user", "content": question}], "tools": tools})),
    )
    .await?;
    let call = &first.choices[0]
        .message
        .tool_calls
        .as_ref()
        .expect("a tool call")[0];
    let call = serde_json::to_value(call).expect("serialisable");
    let answer = drip_openai::create(
        &client,
        request(json!({"model": MODEL, "tools": tools, "messages": [
            {"role": "user", "content": question},
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": RESULT}
        ]})),
    )
    .await?;
    assert_eq!(
        answer.choices[0].message.content.as_deref(),
        Some(COMPLETION)
    );

    // Read to the end: its last chunk's usage is recorded.
    let mut stream = drip_openai::create_stream(
        &client,
        request(json!({"model": MODEL, "stream": true, "messages": [{"role": "user", "content": question}]})),
    )
    .await?;
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        for choice in chunk?.choices {
            text.push_str(choice.delta.content.as_deref().unwrap_or_default());
        }
    }
    assert_eq!(text, COMPLETION);
    assert!(stream.usage_seen());

    // Dropped after its first chunk: the usage never arrives, nothing is recorded.
    let mut dropped = drip_openai::create_stream(
        &client,
        request(json!({"model": MODEL, "stream": true, "messages": [{"role": "user", "content": format!("{question} dropped")}]})),
    )
    .await?;
    assert!(dropped.next().await.is_some());
    assert!(!dropped.usage_seen());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn usage_of_each_completion_lands_in_its_run_exactly() {
    let logs = Logs::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(logs.layer()))
        .expect("no other subscriber in this binary");

    let fake = drip_emulator::OpenAiFake::builder()
        .completion(COMPLETION)
        .tool_call("lookup", format!("{{\"query\":\"{ARGUMENTS}\"}}"))
        .start()
        .await
        .expect("fake");
    let client = Client::with_config(
        OpenAIConfig::new()
            .with_api_base(fake.base_url())
            .with_api_key("sk-fake"),
    );
    let emulator = drip_emulator::Emulator::start().await.expect("emulator");
    let spool = std::env::temp_dir().join(format!("drip-openai-wire-{}", std::process::id()));
    let guard = drip::init(
        Config::new(emulator.public_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool),
    )
    .expect("init");

    emulator.faults().error_rate(503, 1.0);
    let tasks: Vec<_> = (0..RUNS)
        .map(|i| tokio::spawn(agent(format!("cus_{i}"), i, client.clone())))
        .collect();
    for task in tasks {
        task.await.expect("run task").expect("openai calls");
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

    // What the fake reported, per run: [input, output, cached, reasoning, calls].
    let exchanges = fake.exchanges();
    assert_eq!(exchanges.len(), RUNS * 4);
    let mut reported: HashMap<String, [u64; 5]> = HashMap::new();
    for exchange in &exchanges {
        let body = exchange.request.to_string();
        if body.contains("dropped") {
            continue;
        }
        let i = (0..RUNS)
            .find(|i| body.contains(&tag(*i)))
            .expect("a tagged request");
        let totals = reported.entry(format!("cus_{i}")).or_default();
        let u = exchange.usage;
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
    for event in emulator.events() {
        assert_eq!(event.event_type, "llm.call");
        let m = event.metadata.expect("llm metadata");
        assert_eq!(m["model"], MODEL);
        let totals = recorded
            .entry(customers[&event.run_id].clone())
            .or_default();
        for (total, key) in totals.iter_mut().zip([
            "input_tokens",
            "output_tokens",
            "cached_tokens",
            "reasoning_tokens",
        ]) {
            *total += m[key].as_u64().expect("a count");
        }
        totals[4] += 1;
        assert_eq!(
            event.quantity,
            Some(
                (m["input_tokens"].as_u64().unwrap_or(0) + m["output_tokens"].as_u64().unwrap_or(0))
                    as f64
            )
        );
    }
    assert_eq!(recorded.len(), RUNS);
    assert_eq!(recorded, reported);
}
