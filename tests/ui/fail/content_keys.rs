// Keys that name content (prompts, responses, messages) are refused unless they are a measure.
#![allow(unused_variables)]
#[drip::tool(metadata(prompt = prompt, response = "ok", message_count = 2, prompt_tokens = 10))]
fn complete(prompt: &str) {}

fn main() {}
