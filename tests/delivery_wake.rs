//! Callers do not wake the transport thread per submission (a system call
//! on their path); it takes the queue on its own every `linger`, and is
//! woken by a batch or a full queue. Nothing waits for a wake-up that never
//! comes: against the emulator over loopback, a lone run is delivered with
//! no flush, and a burst through a queue of two slots under
//! `OverflowPolicy::Block` is delivered whole, once.
//!
//! The installed runtime is process-global, so the tests of this file take turns.

#[path = "support/spool.rs"]
mod spool;

use drip::OverflowPolicy;
use drip::config::Config;
use drip_emulator::{Emulator, EmulatorHandle};
use spool::Spool;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

fn config(emulator: &EmulatorHandle, spool: &Spool) -> Config {
    Config::new(emulator.secret_key())
        .base_url(emulator.base_url())
        .spool_dir(spool.path())
        .linger(Duration::from_millis(20))
}

/// Waits (as a hang guard, not a timing assertion) until `cond` holds.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < give_up, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[drip::tool(name = "lookup")]
fn lookup(i: u64) -> u64 {
    i
}

#[drip::run(customer = "cus_wake", workflow = "wake")]
fn short_run(calls: u64) {
    for i in 0..calls {
        lookup(i);
    }
}

#[test]
fn a_lone_run_is_delivered_without_a_flush_or_a_wake_up() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    let spool = Spool::new("wake", "lone");
    let guard = drip::init(config(&emulator, &spool)).expect("init");

    // One submission, far below a batch: no caller wakes the transport.
    short_run(2);
    eventually("the run and its two calls stored", || {
        emulator.runs().len() == 1 && emulator.event_count() == 2
    });

    let report = guard.shutdown();
    assert_eq!((report.sent, report.dropped), (2, 0), "{report:?}");
}

#[test]
fn a_burst_through_a_full_queue_under_block_is_delivered_whole_and_once() {
    let _turn = turn();
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    let spool = Spool::new("wake", "burst");
    let guard = drip::init(
        config(&emulator, &spool)
            .queue_capacity(2)
            .overflow(OverflowPolicy::Block),
    )
    .expect("init");

    // Callers find the queue full over and over; each time they wake the
    // transport and wait for a slot.
    const RUNS: u64 = 300;
    for _ in 0..RUNS {
        short_run(3);
    }
    let report = guard.shutdown();
    assert_eq!(report.dropped, 0, "{report:?}");
    assert_eq!(report.sent, 3 * RUNS, "{report:?}");
    assert_eq!(emulator.runs().len() as u64, RUNS);
    assert_eq!(emulator.event_count() as u64, 3 * RUNS);
}
