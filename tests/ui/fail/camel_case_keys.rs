// camelCase and kebab-case keys are normalised before the rules apply.
#![allow(unused_variables)]
#[drip::tool(metadata(apiKey = k, userEmail = e, "raw-prompt" = p))]
fn call(k: &str, e: &str, p: &str) {}

fn main() {}
