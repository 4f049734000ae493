// Lints still reach the user: an unused tool is reported as the user's own function.
#![deny(dead_code)]

#[drip::tool]
fn unused_tool() -> u32 {
    1
}

#[drip::tool(metadata(attempt = 1))]
async fn unused_async() {}

fn main() {}
