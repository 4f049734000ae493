// The same key twice is refused, also when spelt in two case styles.
#![allow(unused_variables)]
#[drip::tool(metadata(query_hash = a, queryHash = b, model = "x", model = "y"))]
fn search(a: u64, b: u64) {}

fn main() {}
