//! `drip::track_usage` and `drip::Usage` against the emulator over loopback:
//! queued without waiting, stored exactly once through injected faults,
//! one record per fixed idempotency key, typed errors for bad input.

use drip_emulator::Emulator;
use std::collections::HashSet;
use std::time::Duration;

#[test]
fn tracked_usage_is_stored_exactly_once_through_faults_and_fixed_keys_dedupe() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let emulator = Emulator::builder().start_blocking().expect("emulator");
            emulator
                .faults()
                .seed(12)
                .error_rate(503, 0.25)
                .commit_then_drop(0.2);
            let spool =
                std::env::temp_dir().join(format!("drip-track-usage-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&spool);
            let guard = drip::init(
                drip::Config::new(emulator.secret_key())
                    .base_url(emulator.base_url())
                    .spool_dir(&spool)
                    .linger(Duration::from_millis(5))
                    .max_backoff(Duration::from_millis(200)),
            )
            .expect("init");

            for i in 0..100 {
                drip::track_usage(&format!("cus_{}", i % 7), "pages", 2.5).expect("valid usage");
            }
            // A request-scoped key, fixed up front and tracked twice (a retry): stored once.
            for _ in 0..2 {
                drip::Usage::new("cus_req", "api-calls", 1.0)
                    .expect("valid")
                    .idempotency_key("req_0001")
                    .expect("valid key")
                    .metadata(drip::metadata!(route = "/v1/items/{id}"))
                    .track();
            }
            let report = drip::flush(Duration::from_secs(60)).await;
            assert!(report.is_complete(), "{report:?}");
            assert!(drip::stats().retries > 0, "the faults were exercised");
            drop(guard);
            let _ = std::fs::remove_dir_all(&spool);

            let usage = emulator.usage();
            let pages: Vec<_> = usage.iter().filter(|u| u.usage_type == "pages").collect();
            assert_eq!(pages.len(), 100);
            let keys: HashSet<_> = pages
                .iter()
                .filter_map(|u| u.idempotency_key.clone())
                .collect();
            assert_eq!(keys.len(), 100);
            assert!(pages.iter().all(|u| u.quantity == 2.5));
            let req: Vec<_> = usage
                .iter()
                .filter(|u| u.usage_type == "api-calls")
                .collect();
            assert_eq!(req.len(), 1, "one record per idempotency key");
            assert_eq!(req[0].idempotency_key.as_deref(), Some("req_0001"));
            assert_eq!(
                req[0].metadata.as_ref().expect("metadata")["route"],
                "/v1/items/{id}"
            );
        });
}

#[test]
fn bad_usage_is_refused_with_a_typed_error_naming_the_field() {
    let field = |r: drip::Result<()>| match r {
        Err(drip::Error::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    assert_eq!(field(drip::track_usage("", "pages", 1.0)), "customerId");
    assert_eq!(field(drip::track_usage("cus_1", " ", 1.0)), "usageType");
    for q in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0] {
        assert_eq!(field(drip::track_usage("cus_1", "pages", q)), "quantity");
    }
    let long_key = "k".repeat(257);
    let keyed = drip::Usage::new("cus_1", "pages", 1.0).and_then(|u| u.idempotency_key(long_key));
    assert!(matches!(
        keyed,
        Err(drip::Error::Validation {
            field: "idempotencyKey",
            ..
        })
    ));
}
