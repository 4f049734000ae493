//! The GenAI layer end to end: many runs in parallel, each with a chat span
//! and two tool spans that are recorded and closed on another task (with no
//! run of its own); markers planted in prompt, completion, tool argument and
//! result fields and in events. Every run gets exactly its own tokens and
//! tools on the emulator; no marker is on the wire, in the spool or in drip's
//! logs.
//!
//! One test in this binary: it installs the global `tracing` subscriber.

#[path = "../../tests/support/genai_leaks.rs"]
mod genai_leaks;

use drip::Config;
use genai_leaks::{Logs, assert_absent, files_text};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;
use tracing::field::Empty;
use tracing_subscriber::prelude::*;

const PROMPT: &str = "PROMPT-MARKER-7f3a91";
const COMPLETION: &str = "COMPLETION-MARKER-c02e44";
const ARGUMENTS: &str = "ARGUMENTS-MARKER-5b18d0";
const RESULT: &str = "RESULT-MARKER-e9d273";
const RUNS: u64 = 12;

fn usage_of(i: u64) -> (u64, u64, u64, u64) {
    (100 + i, 10 + i, i, i % 3)
}

#[drip::run(customer = customer, workflow = "traced-agent")]
async fn agent(customer: String, i: u64) {
    let chat = tracing::info_span!(
        "chat gpt-4o",
        gen_ai.operation.name = "chat",
        gen_ai.request.model = "gpt-4o",
        gen_ai.response.model = Empty,
        gen_ai.usage.input_tokens = Empty,
        gen_ai.usage.output_tokens = Empty,
        gen_ai.usage.cache_read.input_tokens = Empty,
        gen_ai.usage.reasoning_tokens = Empty,
        gen_ai.prompt = PROMPT,
        gen_ai.input.messages = format!("[{{\"content\":\"{PROMPT}\"}}]"),
        gen_ai.completion = Empty,
    );
    let ok_tool = tracing::info_span!(
        "execute_tool lookup",
        gen_ai.operation.name = "execute_tool",
        gen_ai.tool.name = "lookup",
        gen_ai.tool.call.arguments = ARGUMENTS,
        gen_ai.tool.call.result = Empty,
    );
    let failing_tool = tracing::info_span!(
        "execute_tool fetch",
        gen_ai.operation.name = "execute_tool",
        gen_ai.tool.name = "fetch",
        gen_ai.tool.call.arguments = ARGUMENTS,
        error.type = Empty,
    );
    // Not GenAI operations, or not GenAI at all: ignored.
    let _embed = tracing::info_span!(
        "embeddings",
        gen_ai.operation.name = "embeddings",
        gen_ai.usage.input_tokens = 5_000_u64
    );
    let _plain = tracing::info_span!("plain", gen_ai.usage.input_tokens = 7_000_u64);

    // Entered, recorded and closed on a task that carries no run.
    tokio::spawn(async move {
        let (input, output, cached, reasoning) = usage_of(i);
        chat.in_scope(|| {
            tracing::info!(
                gen_ai.output.messages = COMPLETION,
                "model answered {COMPLETION}"
            );
        });
        chat.record("gen_ai.response.model", "gpt-4o-2024-08-06");
        chat.record("gen_ai.usage.input_tokens", input);
        chat.record("gen_ai.usage.output_tokens", output);
        chat.record("gen_ai.usage.cache_read.input_tokens", cached);
        chat.record("gen_ai.usage.reasoning_tokens", reasoning);
        chat.record("gen_ai.completion", COMPLETION);
        ok_tool.record("gen_ai.tool.call.result", RESULT);
        failing_tool.record("error.type", "timeout");
        drop((chat, ok_tool, failing_tool));
    })
    .await
    .expect("span task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn genai_spans_land_in_their_runs_and_carry_no_text() {
    let logs = Logs::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry()
            .with(drip_tracing::GenAiLayer::new())
            .with(logs.layer()),
    )
    .expect("no other subscriber in this binary");

    let emulator = drip_emulator::Emulator::start().await.expect("emulator");
    let spool = std::env::temp_dir().join(format!("drip-genai-layer-{}", std::process::id()));
    let guard = drip::init(
        Config::new(emulator.public_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool),
    )
    .expect("init");

    // Held back first, so what is spooled can be read.
    emulator.faults().error_rate(503, 1.0);
    let tasks: Vec<_> = (0..RUNS)
        .map(|i| tokio::spawn(agent(format!("cus_{i}"), i)))
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

    let customers: HashMap<String, String> = emulator
        .runs()
        .into_iter()
        .map(|run| (run.id, run.customer_id))
        .collect();
    assert_eq!(customers.len(), RUNS as usize);
    let mut per_customer: HashMap<String, Vec<(String, Value)>> = HashMap::new();
    for event in emulator.events() {
        per_customer
            .entry(customers[&event.run_id].clone())
            .or_default()
            .push((event.event_type, event.metadata.unwrap_or(Value::Null)));
    }
    for i in 0..RUNS {
        let events = &per_customer[&format!("cus_{i}")];
        let (input, output, cached, reasoning) = usage_of(i);
        let llm: Vec<_> = events.iter().filter(|(t, _)| t == "llm.call").collect();
        assert_eq!(llm.len(), 1, "run {i}: {events:?}");
        let m = &llm[0].1;
        assert_eq!(m["model"], "gpt-4o-2024-08-06");
        assert_eq!(m["input_tokens"], input);
        assert_eq!(m["output_tokens"], output);
        assert_eq!(m["total_tokens"], input + output);
        assert_eq!(m["cached_tokens"], cached);
        assert_eq!(m["reasoning_tokens"], reasoning);
        assert!(m["latency_ms"].is_u64());
        let mut tools: Vec<(String, String)> = events
            .iter()
            .filter(|(t, _)| t == "tool.call")
            .map(|(_, m)| {
                (
                    m["tool_name"].as_str().unwrap_or_default().to_owned(),
                    m["status"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        tools.sort();
        assert_eq!(
            tools,
            [
                ("fetch".into(), "error".into()),
                ("lookup".into(), "ok".into())
            ],
            "run {i}"
        );
        assert_eq!(
            events.len(),
            3,
            "nothing else recorded in run {i}: {events:?}"
        );
    }
}
