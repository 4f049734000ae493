//! `crate = path` for a re-exported or renamed drip.
mod sdk {
    pub use ::drip as telemetry;
}

#[sdk::telemetry::tool(crate = sdk::telemetry, metadata(attempt = n))]
fn renamed(n: u32) -> u32 {
    n
}

#[sdk::telemetry::run(crate = "crate::sdk::telemetry", customer = "cus_9")]
async fn renamed_run() -> u32 {
    renamed(3)
}

fn main() {
    assert_eq!(renamed(2), 2);
    let _ = renamed_run();
}
