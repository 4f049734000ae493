//! Generated code adds no warnings of its own: a crate denying them compiles.
#![deny(warnings, dead_code, unused, unused_qualifications, unreachable_pub)]

#[drip::tool(metadata(model = "m", latency_ms = 5))]
fn used_tool(n: u32) -> u32 {
    n + 1
}

#[drip::tool(metadata(document_count = n))]
async fn used_async(n: u32) -> Result<u32, ()> {
    Ok(n)
}

#[drip::run(customer = "cus_1")]
async fn used_run() -> u32 {
    used_async(1).await.unwrap_or(0) + used_tool(1)
}

fn main() {
    let _ = used_run();
    let _m = drip::metadata!();
}
