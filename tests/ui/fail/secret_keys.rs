// Keys that name a secret are refused whatever the allowlist says.
#![allow(unused_variables)]
#[drip::tool(metadata(api_key = key, password = "hunter2", session_token = t))]
fn call(key: &str, t: &str) {}

fn main() {}
