//! `StreamMeter::builder_external` and `#[drip::tool(external_customer = …,
//! meter = …)]` against the emulator over loopback: what they bill is stored
//! under the Drip customer delivery gets or creates for the application's own
//! id — also when the server was down until after a restart — and ids that
//! are personal data or keys never leave the process.

#[path = "support/log_buffer.rs"]
mod log_buffer;
#[path = "support/spool.rs"]
mod spool;

use drip::StreamMeter;
use drip_emulator::{Emulator, EmulatorHandle};
use spool::Spool;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const EMAIL: &str = "jane.doe@example.com";
const KEY: &str = "sk_live_51HqLyjWDarjtT1zdp7dc";

/// How often a tool's `external_customer = …` expression was evaluated.
static LOOKUPS: AtomicUsize = AtomicUsize::new(0);

fn user_of(account: &str) -> String {
    LOOKUPS.fetch_add(1, Ordering::SeqCst);
    account.to_owned()
}

#[drip::tool(external_customer = user_of(account), meter = "ocr_pages")]
fn ocr(account: &str, pages: u32) -> u32 {
    pages
}

#[drip::tool(external_customer = account, meter = "ocr_charged", charge)]
fn ocr_charged(account: &str) -> u32 {
    account.len() as u32
}

#[drip::run(customer = customer, workflow = "scanner")]
fn scanner(customer: &str, account: &str) -> u32 {
    ocr(account, 2) + ocr(account, 3)
}

fn start(emulator: &EmulatorHandle, spool: &Spool) -> drip::Runtime {
    drip::Runtime::start(spool.config(emulator)).expect("runtime")
}

fn flush(rt: &drip::Runtime) -> drip::FlushReport {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio")
        .block_on(rt.flush(Duration::from_secs(60)))
}

/// Every line drip logs, from every thread.
fn logs() -> &'static log_buffer::LogBuffer {
    log_buffer::global(tracing::Level::WARN)
}

fn logged() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

/// The one Drip customer made for `external`.
fn customer_for(emulator: &EmulatorHandle, external: &str) -> String {
    let found: Vec<_> = emulator
        .customers()
        .into_iter()
        .filter(|c| c.external_customer_id.as_deref() == Some(external))
        .collect();
    assert_eq!(found.len(), 1, "one customer for {external}: {found:?}");
    found[0].id.clone()
}

/// Everything that went over the wire: paths and bodies.
fn wire(emulator: &EmulatorHandle) -> String {
    let bytes: Vec<u8> = emulator
        .requests()
        .iter()
        .flat_map(|r| r.path_and_query.bytes().chain(r.body.iter().copied()))
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn an_external_customers_meter_is_charged_to_the_customer_made_for_that_id() {
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    let spool = Spool::new("external-meters", "plain");
    let rt = start(&emulator, &spool);
    let meter = {
        let _scope = rt.enter();
        StreamMeter::builder_external("user_meter", "tokens")
            .flush_threshold(1_000.0)
            .start()
            .expect("a valid external id")
    };
    assert_eq!(meter.external_customer_id(), Some("user_meter"));
    assert_eq!(meter.customer_id(), "");
    assert!(format!("{meter:?}").contains("user_meter"));
    std::thread::scope(|s| {
        for _ in 0..4 {
            let meter = meter.clone();
            s.spawn(move || {
                for _ in 0..100 {
                    meter.add(5.0).expect("a valid quantity");
                }
            });
        }
    });
    meter.add(7.0).expect("a valid quantity");
    drop(meter);
    let report = flush(&rt);
    rt.shutdown(Duration::from_secs(10));
    assert!(report.is_complete(), "{report:?}");

    let customer = customer_for(&emulator, "user_meter");
    let charges = emulator.charges();
    assert!(charges.len() >= 2, "the threshold and the drop flushed");
    assert!(charges.iter().all(|c| c.customer_id == customer));
    assert_eq!(charges.iter().map(|c| c.quantity).sum::<f64>(), 2_007.0);
    let keys: HashSet<_> = charges.iter().map(|c| c.idempotency_key.clone()).collect();
    assert_eq!(keys.len(), charges.len(), "one charge per flush");
}

#[test]
fn a_flush_spooled_while_the_server_is_down_is_charged_to_that_customer_after_a_restart() {
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    emulator.faults().error_rate(503, 1.0);
    let spool = Spool::new("external-meters", "restart");
    let first = start(&emulator, &spool);
    let flushed = {
        let _scope = first.enter();
        let meter = StreamMeter::builder_external("user_restart", "tokens")
            .start()
            .expect("a valid external id");
        meter.add(42.5).expect("a valid quantity");
        meter.flush().expect("a pipeline runs").expect("pending")
    };
    let report = first.shutdown(Duration::from_millis(300));
    assert_eq!(report.spooled, 1, "{report:?}");
    assert_eq!(report.dropped + report.rejected, 0, "{report:?}");
    assert!(emulator.customers().is_empty(), "not resolved in this life");
    assert!(emulator.charges().is_empty());

    emulator.faults().clear();
    let second = start(&emulator, &spool);
    let report = flush(&second);
    second.shutdown(Duration::from_secs(10));
    assert!(report.is_complete(), "{report:?}");
    let customer = customer_for(&emulator, "user_restart");
    let charges = emulator.charges();
    assert_eq!(charges.len(), 1, "{charges:?}");
    assert_eq!(charges[0].customer_id, customer);
    assert_eq!(charges[0].quantity, 42.5);
    assert_eq!(
        charges[0].idempotency_key.as_deref(),
        Some(flushed.idempotency_key.as_str()),
        "the key fixed in the first life"
    );
}

#[test]
fn a_meter_for_an_email_a_key_or_a_blank_id_is_refused_and_nothing_is_sent() {
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    let spool = Spool::new("external-meters", "hostile");
    let rt = start(&emulator, &spool);
    let scope = rt.enter();
    for hostile in [EMAIL, KEY, "", "  ", "user\n42"] {
        let refused = StreamMeter::builder_external(hostile, "tokens").start();
        match refused {
            Err(drip::Error::Validation {
                field: "externalCustomerId",
                reason,
            }) => {
                assert!(
                    hostile.trim().is_empty() || !reason.contains(hostile),
                    "the value is not shown: {reason}"
                );
            }
            other => panic!("{hostile:?} was not refused: {other:?}"),
        }
    }
    drop(scope);
    let report = flush(&rt);
    rt.shutdown(Duration::from_secs(10));
    assert_eq!(report.sent, 0, "{report:?}");
    assert!(emulator.requests().is_empty(), "nothing sent");
}

#[test]
fn a_tool_with_an_external_customer_bills_that_customer_outside_a_run_and_its_run_inside_one() {
    logs();
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    let spool = Spool::new("external-meters", "tool");
    let rt = start(&emulator, &spool);
    {
        let _scope = rt.enter();
        let lookups = LOOKUPS.load(Ordering::SeqCst);
        for pages in 1..=3 {
            assert_eq!(ocr("user_ocr", pages), pages);
        }
        assert_eq!(LOOKUPS.load(Ordering::SeqCst), lookups + 3);
        assert_eq!(ocr_charged("user_ocr"), 8);
        assert_eq!(ocr_charged("user_other"), 10);
        // Inside a run: the run's tool calls; the external id is not looked up.
        assert_eq!(scanner("cus_scanner", "user_ocr"), 5);
        assert_eq!(LOOKUPS.load(Ordering::SeqCst), lookups + 3);
        // Blank: nothing recorded, one warning however often.
        ocr("", 1);
        ocr(" ", 1);
        // Personal data or a key: dropped before the spool, never sent.
        ocr(EMAIL, 1);
        ocr_charged(KEY);
    }
    let report = flush(&rt);
    let stats = rt.stats();
    rt.shutdown(Duration::from_secs(10));
    assert_eq!(report.dropped, 2, "{report:?}");
    assert_eq!(stats.customers_refused, 0);

    let ocr_user = customer_for(&emulator, "user_ocr");
    let other = customer_for(&emulator, "user_other");
    assert_eq!(
        emulator.customers().len(),
        2,
        "no customer for a dropped id"
    );
    let usage = emulator.usage();
    let tracked: Vec<_> = usage
        .iter()
        .filter(|u| u.usage_type == "ocr_pages")
        .collect();
    assert_eq!(tracked.len(), 3, "{tracked:?}");
    assert!(
        tracked
            .iter()
            .all(|u| u.customer_id == ocr_user && u.quantity == 1.0)
    );
    let charges = emulator.charges();
    assert_eq!(charges.len(), 2, "{charges:?}");
    assert!(charges.iter().all(|c| c.usage_type == "ocr_charged"));
    assert!(charges.iter().any(|c| c.customer_id == ocr_user));
    assert!(charges.iter().any(|c| c.customer_id == other));

    let runs = emulator.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].customer_id, "cus_scanner");
    let in_run = emulator
        .events()
        .into_iter()
        .filter(|e| e.run_id == runs[0].id && e.event_type == "tool.call")
        .count();
    assert_eq!(in_run, 2, "inside a run the calls are the run's tool calls");

    let sent = wire(&emulator);
    for hostile in [EMAIL, KEY, "jane.doe"] {
        assert!(!sent.contains(hostile), "{hostile} reached the wire");
    }
    let logged = logged();
    assert_eq!(
        logged
            .matches("called with an empty external customer id")
            .count(),
        1,
        "{logged}"
    );
    for hostile in [EMAIL, KEY] {
        assert!(!logged.contains(hostile), "{hostile} reached the logs");
    }
}
