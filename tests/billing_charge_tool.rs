//! `#[drip::tool(customer = …, meter = …, charge)]` end to end: outside a run
//! each call is charged exactly once through the durable pipeline while the
//! emulator injects faults (errors, answers lost after the commit); inside a
//! run it is an ordinary tool call and charges nothing; a tool without
//! `charge` tracks usage and charges nothing.

use drip::Config;
use drip_emulator::Emulator;
use std::collections::HashSet;
use std::time::Duration;

#[drip::tool(customer = account, meter = "pdf_pages", charge)]
fn render(account: &str, page: u32) -> u32 {
    page * 2
}

#[drip::tool(customer = account, meter = "pdf_pages")]
fn preview(account: &str) -> u32 {
    account.len() as u32
}

#[drip::run(customer = customer, workflow = "renderer")]
async fn renderer(customer: &str) -> u32 {
    render(customer, 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_charging_tool_charges_each_call_once_outside_runs_and_nothing_inside() {
    let emulator = Emulator::builder().start_blocking().expect("emulator");
    emulator
        .faults()
        .seed(7)
        .error_rate(503, 0.25)
        .commit_then_drop(0.2);
    let spool = std::env::temp_dir().join(format!("drip-charge-tool-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let guard = drip::init(
        Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool)
            .linger(Duration::from_millis(5))
            .max_backoff(Duration::from_millis(40)),
    )
    .expect("init");

    for page in 0..30 {
        assert_eq!(render("cus_pdf", page), page * 2);
    }
    assert_eq!(renderer("cus_in_run").await, 2);
    preview("cus_preview");

    let report = drip::flush(Duration::from_secs(60)).await;
    assert!(report.is_complete(), "{report:?}");
    assert!(drip::stats().retries > 0, "the faults were exercised");

    let charges = emulator.charges();
    assert_eq!(
        charges.len(),
        30,
        "one charge per call outside a run, none twice"
    );
    assert!(
        charges.iter().all(|c| c.customer_id == "cus_pdf"
            && c.usage_type == "pdf_pages"
            && c.quantity == 1.0)
    );
    let ids: HashSet<_> = charges.iter().map(|c| c.usage_event_id.clone()).collect();
    assert_eq!(ids.len(), 30);

    let usage = emulator.usage();
    assert!(
        usage.iter().any(|u| u.customer_id == "cus_preview"),
        "a tool without `charge` tracks usage"
    );
    assert_eq!(
        usage.iter().filter(|u| u.customer_id == "cus_pdf").count(),
        30,
        "a charged call has its charge's usage record and no second one"
    );
    assert!(
        charges.iter().all(|c| c.customer_id != "cus_preview"),
        "a tool without `charge` charges nothing"
    );
    let runs = emulator.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].customer_id, "cus_in_run");
    let in_run: Vec<_> = emulator
        .events()
        .into_iter()
        .filter(|e| e.event_type == "tool.call")
        .collect();
    assert_eq!(
        in_run.len(),
        1,
        "inside a run the call is the run's tool call"
    );

    guard.shutdown();
    let _ = std::fs::remove_dir_all(&spool);
}
