//! What the attributes put on the wire, read back from the emulator: error
//! type names as written in code, and tool durations below a millisecond.

use drip::Config;
use std::time::{Duration, Instant};

/// Busy for at least 50 µs: well under a millisecond.
#[drip::tool(name = "quick")]
fn quick() -> u32 {
    let started = Instant::now();
    while started.elapsed() < Duration::from_micros(50) {
        std::hint::spin_loop();
    }
    1
}

#[drip::tool(name = "read-config")]
fn read_config() -> Result<String, std::io::Error> {
    Err(std::io::Error::other("missing"))
}

/// axum's usual handler error.
#[drip::run(customer = customer, workflow = "wire-names")]
async fn handler(customer: &str) -> Result<u32, (u16, String)> {
    let _ = read_config();
    Err((503, quick().to_string()))
}

#[drip::run(customer = customer, workflow = "wire-boxed")]
async fn boxed(customer: &str) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Err("no".into())
}

#[tokio::test]
async fn error_names_and_sub_millisecond_durations_reach_the_server() {
    let emulator = drip_emulator::Emulator::start().await.expect("emulator");
    let spool = std::env::temp_dir().join(format!("drip-macro-wire-{}", std::process::id()));
    let guard = drip::init(
        Config::new(emulator.public_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool),
    )
    .expect("init");

    assert!(handler("cus_wire").await.is_err());
    assert!(boxed("cus_wire").await.is_err());
    let report = drip::flush(Duration::from_secs(20)).await;
    drop(guard);
    let _ = std::fs::remove_dir_all(&spool);
    assert_eq!(report.rejected, 0, "{report:?}");

    let mut codes: Vec<_> = emulator
        .runs()
        .into_iter()
        .map(|r| r.error_code.unwrap_or_default())
        .collect();
    codes.sort();
    assert_eq!(codes, ["(u16, String)", "Box<dyn Error + Send + Sync>"]);

    let events = emulator.events();
    let meta = |tool: &str| {
        events
            .iter()
            .filter_map(|e| e.metadata.clone())
            .find(|m| m["tool_name"] == tool)
            .unwrap_or_else(|| panic!("no {tool} event in {events:?}"))
    };
    assert_eq!(meta("read-config")["error_type"], "io::Error");
    let quick_ms = &meta("quick")["duration_ms"];
    assert!(quick_ms.is_f64(), "a fraction of a millisecond: {quick_ms}");
    assert!(quick_ms.as_f64().is_some_and(|ms| ms >= 0.05), "{quick_ms}");
}
