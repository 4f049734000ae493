//! Keys allowed only by this crate's `[package.metadata.drip]` compile (the
//! macros check them) and arrive with the run: the runtime's boundary checks
//! tool and run metadata again, and must know the manifest's keys to keep
//! them.

use drip::Value;

#[drip::tool(metadata(plan_tier = "pro", deployment_ring = ring))]
fn search(ring: u32) -> u32 {
    ring
}

#[drip::run(customer = "cus_1", metadata(planTier = "team"))]
fn agent() -> u32 {
    search(2)
}

#[drip::tool(metadata(plan_tier = "pro"))]
fn plain() {}

#[drip::run(customer = "cus_1")]
fn plain_agent() {
    plain();
}

#[test]
fn manifest_keys_of_tool_and_run_sites_reach_the_record() {
    let capture = drip::testing::capture();
    assert_eq!(agent(), 2);
    plain_agent();
    let runs = capture.runs();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        runs[0].metadata.get("plan_tier"),
        Some(&Value::from("team"))
    );
    let call = &runs[0].events[0];
    let metadata = call.metadata.clone().unwrap_or_default();
    assert_eq!(metadata.get("plan_tier"), Some(&Value::from("pro")));
    assert_eq!(metadata.get("deployment_ring"), Some(&Value::from(2u32)));
    let plain = runs[1].events[0].metadata.clone().unwrap_or_default();
    assert_eq!(plain.get("plan_tier"), Some(&Value::from("pro")));
}

#[test]
fn a_hostile_value_under_a_manifest_key_is_still_dropped() {
    #[drip::tool(metadata(plan_tier = tier))]
    fn tiered(tier: &str) -> usize {
        tier.len()
    }
    #[drip::run(customer = "cus_1")]
    fn run_tiered() -> usize {
        tiered("ada@example.com")
    }
    let capture = drip::testing::capture();
    run_tiered();
    let runs = capture.runs();
    let metadata = runs[0].events[0].metadata.clone().unwrap_or_default();
    assert_eq!(metadata.get("plan_tier"), None, "{metadata:?}");
}
