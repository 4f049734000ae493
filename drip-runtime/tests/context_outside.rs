//! Instrumented code outside any run, metered tools, and the disabled SDK.

use drip_runtime::Value;
use drip_runtime::private::{
    LiteralValue, Outcome, RunSite, ToolSite, enabled, run_enter, tool_enter, tool_enter_metered,
};
use drip_runtime::testing::{Delivery, capture, disabled};

static RUN: RunSite = RunSite {
    workflow: "agent",
    stream: false,
    metadata: &[],
    error_message: false,
};
static PLAIN: ToolSite = ToolSite {
    name: "lookup",
    metadata: &[],
    meter: None,
    error_message: false,
};
static METERED: ToolSite = ToolSite {
    name: "ocr",
    metadata: &[("provider", LiteralValue::Str("tesseract"))],
    meter: Some("ocr_pages"),
    error_message: false,
};

#[test]
fn a_tool_outside_any_run_records_nothing() {
    let cap = capture();
    let call = tool_enter(&PLAIN);
    assert!(!call.is_active());
    call.finish(Outcome::Ok);
    assert!(cap.runs().is_empty());
    assert!(cap.usage().is_empty());
    assert!(cap.deliveries().is_empty());
    assert_eq!(cap.unattached(), ["lookup"]);
}

#[test]
fn events_outside_any_run_record_nothing() {
    let cap = capture();
    drip_runtime::llm_call("gpt-4o", 10);
    drip_runtime::plan("p");
    drip_runtime::execute("e", Default::default());
    drip_runtime::error_event("x", Default::default());
    assert!(cap.deliveries().is_empty());
    assert_eq!(
        cap.unattached(),
        ["llm.call", "agent.plan", "agent.execute", "error"]
    );
}

#[test]
fn a_metered_tool_outside_any_run_tracks_one_unit_of_usage() {
    let cap = capture();
    let mut call = tool_enter_metered(&METERED, "cus_9");
    assert!(call.is_active());
    call.metadata("document_count", 4);
    call.finish(Outcome::Err {
        kind: "OcrError".into(),
        message: None,
    });
    tool_enter_metered(&METERED, String::from("cus_9")).finish(Outcome::Ok);

    let usage = cap.usage();
    assert_eq!(usage.len(), 2);
    assert_eq!(usage[0].customer_id, "cus_9");
    assert_eq!(usage[0].meter, "ocr_pages");
    assert_eq!(usage[0].quantity, 1.0);
    let m = &usage[0].metadata;
    assert_eq!(m.get("tool_name"), Some(&"ocr".into()));
    assert_eq!(m.get("status"), Some(&"error".into()));
    assert_eq!(m.get("error_type"), Some(&"OcrError".into()));
    assert_eq!(m.get("provider"), Some(&"tesseract".into()));
    assert_eq!(m.get("document_count"), Some(&Value::Int(4)));
    assert!(matches!(m.get("duration_ms"), Some(Value::Float(_))));
    assert_ne!(usage[0].idempotency_key, usage[1].idempotency_key);
    assert!(cap.runs().is_empty());
    assert!(cap.unattached().is_empty());
}

#[test]
fn a_metered_tool_inside_a_run_is_a_tool_call_of_that_run_not_usage() {
    let cap = capture();
    let run = run_enter(&RUN, "cus_1", None);
    run.enter_sync(|| tool_enter_metered(&METERED, "cus_other").finish(Outcome::Ok));
    run.finish(Outcome::Ok);
    assert!(cap.usage().is_empty());
    let runs = cap.runs();
    assert_eq!(runs[0].customer_id, "cus_1");
    assert_eq!(runs[0].tool_names(), ["ocr"]);
}

#[test]
fn a_metered_tool_dropped_early_tracks_a_cancelled_call() {
    let cap = capture();
    drop(tool_enter_metered(&METERED, "cus_9"));
    let usage = cap.usage();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].metadata.get("status"), Some(&"cancelled".into()));
    assert!(matches!(cap.deliveries()[0], Delivery::Usage { .. }));
}

#[test]
fn an_empty_customer_records_nothing() {
    let cap = capture();
    tool_enter_metered(&METERED, "").finish(Outcome::Ok);
    let run = run_enter(&RUN, "  ", None);
    assert!(!run.is_active());
    run.finish(Outcome::Ok);
    assert!(cap.deliveries().is_empty());
}

#[test]
fn with_the_sdk_disabled_nothing_is_active_and_nothing_is_recorded() {
    let cap = capture();
    let off = disabled();
    assert!(!enabled());
    let run = run_enter(&RUN, "cus_1", None);
    assert!(!run.is_active());
    run.enter_sync(|| {
        assert!(drip_runtime::current_run().is_none());
        assert!(!tool_enter(&PLAIN).is_active());
        assert!(!tool_enter_metered(&METERED, "cus_1").is_active());
        drip_runtime::llm_call("gpt-4o", 1);
    });
    run.finish(Outcome::Ok);
    assert!(cap.deliveries().is_empty());
    assert!(cap.unattached().is_empty(), "disabled means silent, too");

    drop(off);
    assert!(enabled(), "the capture underneath counts as enabled again");
}

#[test]
fn without_a_capture_or_configuration_the_sdk_is_off() {
    // No DRIP_API_KEY in the test environment and no `drip::init`: off.
    assert!(std::env::var_os("DRIP_API_KEY").is_none());
    assert!(!enabled());
    assert!(!run_enter(&RUN, "cus_1", None).is_active());
    assert!(!tool_enter_metered(&METERED, "cus_1").is_active());
}
