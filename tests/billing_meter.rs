//! StreamMeter end to end: flushes by threshold, interval, drop and shutdown,
//! and exactly-once charging under injected faults and across a restart of
//! the delivery pipeline (the spool carries each flush's key).
//!
//! The pipeline is process-global, so the tests of this file take turns.

use drip::StreamMeter;
use drip::config::Config;
use drip_emulator::{Emulator, EmulatorHandle};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

/// A fresh spool directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("drip-meter-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(emulator: &EmulatorHandle, spool: &TempDir) -> Config {
    Config::new(emulator.secret_key())
        .base_url(emulator.base_url())
        .spool_dir(&spool.0)
        .linger(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(40))
}

fn charged(emulator: &EmulatorHandle, customer: &str) -> f64 {
    emulator
        .charges()
        .iter()
        .filter(|c| c.customer_id == customer)
        .map(|c| c.quantity)
        .sum()
}

/// Waits (bounded) until `done` holds; the assertion is on the state, not the time.
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    done()
}

#[test]
fn a_meter_flushed_under_faults_and_across_a_restart_charges_exactly_what_was_added() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = TempDir::new("restart");
    // First life: half the answers are lost after the charge was stored, a third of the
    // requests fail.
    emulator
        .faults()
        .commit_then_drop(0.5)
        .error_rate(503, 0.3)
        .seed(11);
    let guard = drip::init(config(&emulator, &spool).shutdown_deadline(Duration::from_millis(150)))
        .unwrap();
    let meter = StreamMeter::builder("cus_meter", "tokens")
        .flush_threshold(500.0)
        .start()
        .unwrap();
    let mut added = 0.0;
    std::thread::scope(|s| {
        for t in 0..4u32 {
            let meter = meter.clone();
            s.spawn(move || {
                for i in 0..1_000u32 {
                    meter.add(f64::from((i + t) % 7)).unwrap();
                }
            });
        }
    });
    for t in 0..4u32 {
        added += (0..1_000u32).map(|i| f64::from((i + t) % 7)).sum::<f64>();
    }
    // The server goes down before the last flush: it cannot be delivered in this life.
    emulator.faults().error_rate(503, 1.0);
    meter.add(1.0).unwrap();
    added += 1.0;
    drop(meter);
    guard.shutdown();
    let first_life = charged(&emulator, "cus_meter");
    assert!(
        first_life < added,
        "the last flush is left for the next life"
    );

    // Second life: the spool is replayed with the keys fixed in the first.
    emulator.faults().clear().fail_next(&[503, 502]);
    let guard = drip::init(config(&emulator, &spool)).unwrap();
    let meter = StreamMeter::builder("cus_meter", "tokens").start().unwrap();
    meter.add(0.5).unwrap();
    added += 0.5;
    drop(meter);
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report:?}");

    assert_eq!(charged(&emulator, "cus_meter"), added);
    let charges = emulator.charges();
    let keys: HashSet<_> = charges.iter().map(|c| c.idempotency_key.clone()).collect();
    assert_eq!(keys.len(), charges.len(), "one charge per key");
    // Some key went out more than once (a retry or a replay) and still charged once.
    let sent: Vec<String> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path_and_query == "/v1/usage")
        .flat_map(|r| r.idempotency_keys)
        .collect();
    assert!(
        sent.len() > keys.len(),
        "{} requests for {} keys",
        sent.len(),
        keys.len()
    );
    assert!(
        keys.iter()
            .all(|k| k.as_deref().is_some_and(|k| k.starts_with("stream_")))
    );
}

#[test]
fn a_meter_flushes_at_its_threshold_on_its_interval_and_at_shutdown() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = TempDir::new("triggers");
    let guard = drip::init(config(&emulator, &spool)).unwrap();

    let by_threshold = StreamMeter::builder("cus_threshold", "calls")
        .flush_threshold(10.0)
        .start()
        .unwrap();
    by_threshold.add(4.0).unwrap();
    by_threshold.add(4.0).unwrap();
    assert_eq!(
        by_threshold.pending(),
        8.0,
        "below the threshold nothing flushes"
    );
    by_threshold.add(4.0).unwrap();
    assert_eq!(
        by_threshold.pending(),
        0.0,
        "the add that reached it flushed"
    );
    assert!(eventually(|| charged(&emulator, "cus_threshold") == 12.0));

    let by_interval = StreamMeter::builder("cus_interval", "calls")
        .flush_interval(Duration::from_millis(20))
        .start()
        .unwrap();
    by_interval.add(3.0).unwrap();
    assert!(eventually(|| charged(&emulator, "cus_interval") == 3.0));

    let refused = StreamMeter::builder("cus_refused", "calls")
        .start()
        .unwrap();
    refused.add(2.0).unwrap();
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.5] {
        let err = refused.add(bad).unwrap_err();
        assert!(
            matches!(
                err,
                drip::Error::Validation {
                    field: "quantity",
                    ..
                }
            ),
            "{bad}: {err}"
        );
    }
    assert_eq!(
        refused.pending(),
        2.0,
        "refused quantities leave the total untouched"
    );

    // Kept alive through the shutdown, which flushes it.
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(charged(&emulator, "cus_refused"), 2.0);
    assert_eq!(refused.pending(), 0.0);
    // With no pipeline, a flush keeps the quantity and says why.
    refused.add(1.0).unwrap();
    assert!(matches!(refused.flush(), Err(drip::Error::Config { .. })));
    assert_eq!(refused.pending(), 1.0);
    refused.reset();
}
