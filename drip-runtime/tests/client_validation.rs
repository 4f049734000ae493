//! Bad input is refused with a typed error before anything is sent: the
//! emulator sees zero requests.

mod client_support;

use drip_runtime::Error;
use drip_runtime::model::{
    CheckEntitlement, CreateCustomer, CreateWebhook, CreateWorkflow, EndRun, Event, ListCustomers,
    RecordRun, RunStatus, StartRun, TimelineQuery, TrackUsage,
};

fn field_of(result: Result<impl std::fmt::Debug, Error>) -> &'static str {
    match result {
        Err(Error::Validation { field, reason }) => {
            assert!(!reason.is_empty());
            field
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn every_validation_error_is_typed_and_sends_nothing() {
    let env = client_support::start().await;
    let c = &env.pk;
    let usage = |customer: &str, meter: &str, q: f64| TrackUsage::new(customer, meter, q);

    assert_eq!(
        field_of(c.track_usage(usage("", "tokens", 1.0)).await),
        "customerId"
    );
    assert_eq!(
        field_of(c.track_usage(usage("  ", "tokens", 1.0)).await),
        "customerId"
    );
    assert_eq!(
        field_of(c.track_usage(usage("cus_1", "", 1.0)).await),
        "meter"
    );
    for q in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(
            field_of(c.track_usage(usage("cus_1", "tokens", q)).await),
            "quantity",
            "{q}"
        );
    }

    assert_eq!(
        field_of(c.create_customer(CreateCustomer::default()).await),
        "externalCustomerId"
    );
    assert_eq!(
        field_of(c.create_customer(CreateCustomer::external(" ")).await),
        "externalCustomerId"
    );
    assert_eq!(field_of(c.get_customer("").await), "customerId");
    assert_eq!(
        field_of(c.get_or_create_customer("", None).await),
        "externalCustomerId"
    );
    assert_eq!(
        field_of(c.list_customers(ListCustomers::new().limit(0)).await),
        "limit"
    );
    assert_eq!(
        field_of(c.list_customers(ListCustomers::new().limit(101)).await),
        "limit"
    );

    assert_eq!(
        field_of(c.create_workflow(CreateWorkflow::new("Name", "")).await),
        "slug"
    );
    assert_eq!(
        field_of(c.create_workflow(CreateWorkflow::new("", "slug")).await),
        "name"
    );
    assert_eq!(field_of(c.resolve_workflow_id("").await), "workflow");

    assert_eq!(
        field_of(c.start_run(StartRun::new("", "wf_1")).await),
        "customerId"
    );
    assert_eq!(
        field_of(c.start_run(StartRun::new("cus_1", "")).await),
        "workflowId"
    );
    assert_eq!(field_of(c.end_run("", EndRun::completed()).await), "runId");
    assert_eq!(
        field_of(c.end_run("run_1", EndRun::new(RunStatus::Running)).await),
        "status"
    );
    assert_eq!(field_of(c.get_run("").await), "runId");
    assert_eq!(
        field_of(c.get_run_timeline("", TimelineQuery::new()).await),
        "runId"
    );
    assert_eq!(
        field_of(
            c.get_run_timeline("run_1", TimelineQuery::new().limit(501))
                .await
        ),
        "limit"
    );

    assert_eq!(field_of(c.emit_event("", Event::new("x")).await), "runId");
    assert_eq!(
        field_of(c.emit_event("run_1", Event::new("")).await),
        "eventType"
    );
    let negative = Event::new("llm.call").with_quantity(-5.0, "tokens");
    assert_eq!(
        field_of(c.emit_event("run_1", negative.clone()).await),
        "quantity"
    );
    let mut costly = Event::new("llm.call");
    costly.cost_units = Some(f64::NAN);
    assert_eq!(field_of(c.emit_event("run_1", costly).await), "costUnits");
    // One bad event refuses the whole batch.
    let batch = vec![Event::new("ok"), negative.clone()];
    assert_eq!(
        field_of(c.emit_events_batch("run_1", batch).await),
        "quantity"
    );

    let run =
        |customer: &str, workflow: &str| RecordRun::new(customer, workflow, RunStatus::Completed);
    assert_eq!(field_of(c.record_run(run("", "wf")).await), "customerId");
    assert_eq!(field_of(c.record_run(run("cus_1", "")).await), "workflow");
    assert_eq!(
        field_of(c.record_run(run("cus_1", "wf").event(Event::new(""))).await),
        "eventType"
    );
    assert_eq!(
        field_of(c.record_run(run("cus_1", "wf").event(negative)).await),
        "quantity"
    );
    let pending = RecordRun::new("cus_1", "wf", RunStatus::Pending);
    assert_eq!(field_of(c.record_run(pending).await), "status");

    assert_eq!(
        field_of(c.check_entitlement(CheckEntitlement::new("", "f")).await),
        "customerId"
    );
    assert_eq!(
        field_of(
            c.check_entitlement(CheckEntitlement::new("cus_1", ""))
                .await
        ),
        "featureKey"
    );
    let nan = CheckEntitlement::new("cus_1", "f").quantity(f64::NAN);
    assert_eq!(field_of(c.check_entitlement(nan).await), "quantity");

    let admin = env.sk.admin().unwrap();
    assert_eq!(field_of(admin.get_webhook("").await), "webhookId");
    let no_events = CreateWebhook::new("https://example.com/h", Vec::<String>::new());
    assert_eq!(field_of(admin.create_webhook(no_events).await), "events");

    assert!(
        env.emulator.requests().is_empty(),
        "{:?}",
        env.emulator.requests()
    );
}

#[tokio::test]
async fn validation_messages_name_the_field() {
    let env = client_support::start().await;
    let err = env
        .pk
        .track_usage(TrackUsage::new("cus_1", "tokens", f64::NAN))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("quantity") && text.contains("finite"),
        "{text}"
    );
    assert!(!err.is_retryable());
    assert_eq!(err.status(), None);
}
