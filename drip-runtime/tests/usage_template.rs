//! `UsageTemplate` through the real pipeline to the emulator: records built
//! on the transport thread arrive once each with their key and metadata; a
//! customer id that breaks the identifier rule (an e-mail address, a key)
//! never reaches the wire and is counted as dropped; hostile metadata values
//! are screened like every metadata map.

use drip_emulator::Emulator;
use drip_runtime::config::Config;
use drip_runtime::{Metadata, UsageTemplate};
use std::time::Duration;

#[test]
fn records_are_built_on_the_transport_and_bad_customer_ids_never_leave() {
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    let spool = std::env::temp_dir().join(format!("drip-usage-template-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let guard = drip_runtime::init(
        Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool)
            .linger(Duration::from_millis(5)),
    )
    .expect("pipeline");
    let before = drip_runtime::stats().dropped;

    let calls = UsageTemplate::new("api-calls", 2.0).expect("template");
    for i in 0..3 {
        calls.track(format!("cus_{i}"), format!("req_{i}"), move || {
            let mut m = Metadata::new();
            m.insert("route", "/v1/items/{id}");
            m.insert("status", "completed");
            m.insert("attempt", i);
            m.insert("method", "token=sk_live_0123456789abcdef");
            m
        });
    }
    // The same key again: stored once.
    calls.track("cus_0".to_owned(), "req_0".to_owned(), Metadata::new);
    for hostile in ["alice@example.com", "sk_live_0123456789abcdef"] {
        calls.track(hostile.to_owned(), format!("req_{hostile}"), Metadata::new);
    }

    let report = drip_runtime::shutdown(Duration::from_secs(30));
    drop(guard);
    let _ = std::fs::remove_dir_all(&spool);
    assert_eq!(report.spooled, 0, "{report:?}");

    let usage = emulator.usage();
    let mut customers: Vec<_> = usage.iter().map(|u| u.customer_id.as_str()).collect();
    customers.sort_unstable();
    assert_eq!(customers, ["cus_0", "cus_1", "cus_2"]);
    assert!(
        usage
            .iter()
            .all(|u| u.usage_type == "api-calls" && u.quantity == 2.0)
    );
    let first = usage
        .iter()
        .find(|u| u.customer_id == "cus_1")
        .expect("cus_1");
    assert_eq!(first.idempotency_key.as_deref(), Some("req_1"));
    let meta = first.metadata.as_ref().expect("metadata");
    assert_eq!(meta["route"], "/v1/items/{id}");
    assert_eq!(meta["attempt"], 1);
    assert_eq!(
        drip_runtime::stats().dropped,
        before + 2,
        "the two bad customer ids"
    );

    let wire: String = emulator.requests().iter().map(|r| r.body_text()).collect();
    for hostile in ["alice@example.com", "sk_live_0123456789abcdef"] {
        assert!(!wire.contains(hostile), "{hostile} reached the wire");
    }
}
