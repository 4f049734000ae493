//! A rig agent with two tools, metered by drip, fully offline: the model is
//! the OpenAI-compatible fake of `drip-emulator`, the Drip API its in-process
//! emulator. Each completion's tokens and each tool call become events of the
//! `#[drip::run]` the agent is prompted in.
//!
//! ```text
//! cargo run --example rig_agent --features rig
//! ```

use drip::Config;
use rig_agent::AgentBuilder;
use rig_core::providers::openai::{OpenAIConfig, Route};
use rig_core::tool::PortableTool;
use serde::Deserialize;
use std::time::Duration;

#[derive(Deserialize)]
struct City {
    city: String,
}

#[derive(Debug)]
struct NoSuchCity;

impl std::fmt::Display for NoSuchCity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no such city")
    }
}

impl std::error::Error for NoSuchCity {}

/// Tool one: the weather in a city.
struct Weather;

impl PortableTool for Weather {
    const NAME: &'static str = "weather";
    type Args = City;
    type Output = String;
    type Error = NoSuchCity;

    fn description(&self) -> String {
        "Current weather in a city".into()
    }
    fn parameters(&self) -> serde_json::Value {
        serde_json::json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
    }
    async fn call(&self, args: City) -> Result<String, NoSuchCity> {
        Ok(format!("{}: 18°C, sunny", args.city))
    }
}

#[derive(Deserialize)]
struct Operands {
    x: f64,
    y: f64,
}

/// Tool two: adds two numbers.
struct Add;

impl PortableTool for Add {
    const NAME: &'static str = "add";
    type Args = Operands;
    type Output = f64;
    type Error = NoSuchCity;

    fn description(&self) -> String {
        "Adds two numbers".into()
    }
    fn parameters(&self) -> serde_json::Value {
        serde_json::json!({"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}}, "required": ["x", "y"]})
    }
    async fn call(&self, args: Operands) -> Result<f64, NoSuchCity> {
        Ok(args.x + args.y)
    }
}

#[drip::run(customer = customer, workflow = "trip-planner")]
async fn plan_trip(
    customer: &str,
    agent: &rig_agent::Agent,
) -> Result<String, Box<dyn std::error::Error>> {
    let answer = agent.prompt("Weather in Oslo, and what is 18 + 4?").await?;
    Ok(answer.output().to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let llm = drip_emulator::OpenAiFake::builder()
        .tool_call("weather", r#"{"city":"Oslo"}"#)
        .tool_call("add", r#"{"x":18,"y":4}"#)
        .completion("Oslo is sunny at 18°C; 18 + 4 = 22.")
        .start()
        .await?;
    let drip_api = drip_emulator::Emulator::start().await?;
    let _guard = drip::init(Config::new(drip_api.public_key()).base_url(drip_api.base_url()))?;

    let model = OpenAIConfig::new("sk-fake")
        .with_base_url(llm.base_url())
        .with_route(Route::Chat)
        .client()
        .completion("gpt-4o-mini");
    let agent = AgentBuilder::new(model)
        .preamble("You plan trips.")
        .tool(Weather)
        .tool(Add)
        .default_max_turns(4)
        .add_hook(drip::rig::DripHook::new())
        .build();

    let answer = plan_trip("cus_example", &agent).await?;
    println!("agent: {answer}");

    let report = drip::flush(Duration::from_secs(10)).await;
    println!("delivered: {report:?}");
    for event in drip_api.events() {
        println!(
            "{:<9} {}",
            event.event_type,
            event.metadata.unwrap_or_default()
        );
    }
    let reported: u64 = llm.exchanges().iter().map(|e| e.usage.total_tokens()).sum();
    println!("tokens the model reported: {reported}");
    Ok(())
}
