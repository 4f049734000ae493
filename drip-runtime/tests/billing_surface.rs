//! The billing surface beyond charges: execution events, subscriptions, checkout, portal
//! sessions, entitlement plans and rules, contracts and withdrawals, against the emulator over
//! loopback — state changes, typed errors, hostile input kept off the wire, and every request
//! checked against the spec's shape (`every_request_has_the_spec_shape`).

mod client_support;

use client_support::Env;
use drip_runtime::model::Event;
use drip_runtime::model::{EventOutcome, ListExecutionEvents, StartRun, ToolStatus};
use drip_runtime::{Client, Error, Metadata};
use std::time::Duration;

/// A customer made through the API.
async fn customer(client: &Client, ext: &str) -> String {
    use drip_runtime::model::CreateCustomer;
    client
        .create_customer(CreateCustomer::external(ext))
        .await
        .expect("customer")
        .id
}

/// Metadata that mixes an allowed key with what must never leave the process: a prompt, an
/// e-mail address and the API key itself.
fn hostile_metadata(env: &Env) -> Metadata {
    let mut meta = Metadata::new();
    meta.insert("region", "eu");
    meta.insert("prompt", "tell me a secret");
    meta.insert("user_email", "ann@example.com");
    meta.insert("model", env.emulator.secret_key());
    meta
}

/// Asserts that nothing the emulator received contains `needle`.
fn never_sent(env: &Env, needle: &str) {
    for r in env.emulator.requests() {
        let body = String::from_utf8_lossy(&r.body);
        assert!(
            !body.contains(needle) && !r.path_and_query.contains(needle),
            "{needle} reached the wire: {} {}",
            r.path_and_query,
            body
        );
    }
}

/// Asserts a validation error naming `field`, and that nothing was sent.
fn refused_locally<T: std::fmt::Debug>(env: &Env, result: drip_runtime::Result<T>, field: &str) {
    match result {
        Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected a validation error on {field}, got {other:?}"),
    }
    assert!(env.emulator.requests().is_empty(), "a request was sent");
}

/// Asserts that the server refused with `status` and, when given, `code`.
fn refused_by_server<T: std::fmt::Debug>(
    result: drip_runtime::Result<T>,
    status: u16,
    code: impl Into<Option<&'static str>>,
) {
    let err = result.expect_err("the server refuses it");
    assert_eq!(err.status(), Some(status), "{err}");
    if let Some(code) = code.into() {
        assert_eq!(err.code(), Some(code), "{err}");
    }
}

#[tokio::test]
async fn execution_events_are_listed_filtered_paged_and_traced() {
    let env = client_support::start().await;
    for (label, c) in env.both() {
        let cus = customer(c, &format!("events-{label}")).await;
        let wf = c.resolve_workflow_id("research").await.unwrap();
        let run = c.start_run(StartRun::new(&cus, wf)).await.unwrap();
        let root = c.emit_event(&run.id, Event::plan("plan it")).await.unwrap();
        let mut child = Event::tool_call("search", Duration::from_millis(3), ToolStatus::Error);
        child.parent_event_id = Some(root.id.clone());
        child.correlation_id = Some("attempt-1".into());
        let child = c.emit_event(&run.id, child).await.unwrap();
        let mut retry = Event::tool_call("search", Duration::from_millis(2), ToolStatus::Ok);
        retry.parent_event_id = Some(root.id.clone());
        retry.correlation_id = Some("attempt-1".into());
        let retry = c.emit_event(&run.id, retry).await.unwrap();
        let mut grandchild = Event::new("custom.step");
        grandchild.parent_event_id = Some(retry.id.clone());
        let grandchild = c.emit_event(&run.id, grandchild).await.unwrap();

        let all = c
            .list_execution_events(ListExecutionEvents::new().run(&run.id))
            .await
            .unwrap();
        assert_eq!(all.total, 4, "{label}");
        assert!(
            all.data
                .iter()
                .all(|e| e.customer_id.as_deref() == Some(cus.as_str()))
        );
        let failed = c
            .list_execution_events(
                ListExecutionEvents::new()
                    .customer(&cus)
                    .outcome(EventOutcome::Failure),
            )
            .await
            .unwrap();
        assert_eq!(failed.total, 1, "{label}");
        assert_eq!(failed.data[0].id, child.id);
        assert_eq!(failed.data[0].event_type, "tool.call");
        let page = c
            .list_execution_events(
                ListExecutionEvents::new()
                    .run(&run.id)
                    .event_type("tool.call")
                    .limit(1)
                    .offset(1),
            )
            .await
            .unwrap();
        assert_eq!((page.total, page.data.len()), (2, 1));
        assert_eq!(page.data[0].id, retry.id);

        let one = c.execution_event(&root.id).await.unwrap();
        assert_eq!(one.explanation.as_deref(), Some("plan it"));
        assert_eq!(one.run_id.as_deref(), Some(run.id.as_str()));
        let trace = c.execution_event_trace(&grandchild.id).await.unwrap();
        let ids = |v: &[drip_runtime::model::ExecutionEvent]| {
            v.iter().map(|e| e.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(ids(&trace.ancestors), [root.id.clone(), retry.id.clone()]);
        let trace = c.execution_event_trace(&root.id).await.unwrap();
        assert_eq!(ids(&trace.children), [child.id.clone(), retry.id.clone()]);
        let trace = c.execution_event_trace(&child.id).await.unwrap();
        assert_eq!(
            ids(&trace.retry_chain),
            [child.id.clone(), retry.id.clone()]
        );

        refused_by_server(
            c.execution_event("evt_ffffffffffff").await,
            404,
            "NOT_FOUND",
        );
    }
}

#[tokio::test]
async fn execution_event_filters_with_personal_data_never_leave_the_process() {
    let env = client_support::start().await;
    let c = &env.pk;
    let key = env.emulator.secret_key().to_owned();
    env.emulator.clear_requests();
    let r = c
        .list_execution_events(ListExecutionEvents::new().customer("ann@example.com"))
        .await;
    refused_locally(&env, r, "customerId");
    let r = c
        .list_execution_events(ListExecutionEvents::new().event_type(key.as_str()))
        .await;
    refused_locally(&env, r, "eventType");
    refused_locally(&env, c.execution_event(&key).await, "eventId");
    refused_locally(&env, c.execution_event_trace("").await, "eventId");
    let r = c
        .list_execution_events(ListExecutionEvents::new().outcome(EventOutcome::Other))
        .await;
    refused_locally(&env, r, "outcome");
    let r = c
        .list_execution_events(ListExecutionEvents::new().limit(0))
        .await;
    refused_locally(&env, r, "limit");
    never_sent(&env, "ann@example.com");
    never_sent(&env, &key);
}

#[tokio::test]
async fn subscriptions_move_through_their_states() {
    use drip_runtime::model::{
        CancelSubscription, CreateSubscription, ListSubscriptions, PauseSubscription,
        SubscriptionInterval as Interval, SubscriptionStatus as Status, UpdateSubscription,
    };
    let env = client_support::start().await;
    for (label, c) in env.both() {
        let cus = customer(c, &format!("subs-{label}")).await;
        let sub = c
            .create_subscription(
                CreateSubscription::new(&cus, "Pro", Interval::Monthly, 49.0)
                    .description("the pro plan")
                    .included_usage(1_000.0, "tokens"),
            )
            .await
            .unwrap();
        assert_eq!(sub.status, Status::Active, "{label}");
        assert_eq!(sub.interval, Interval::Monthly);
        assert_eq!(sub.price_usdc.as_deref(), Some("49"));
        assert_eq!(sub.overage_unit_type.as_deref(), Some("tokens"));
        let trial = c
            .create_subscription(
                CreateSubscription::new(&cus, "Team", Interval::Annual, 490.0).trial_days(14),
            )
            .await
            .unwrap();
        assert_eq!(trial.status, Status::Trialing);
        assert!(trial.trial_end.is_some());

        let paused = c
            .pause_subscription(&sub.id, PauseSubscription::until("2099-01-01T00:00:00Z"))
            .await
            .unwrap();
        assert_eq!(paused.status, Status::Paused);
        assert_eq!(paused.resumes_at.as_deref(), Some("2099-01-01T00:00:00Z"));
        assert_eq!(
            c.subscription(&sub.id).await.unwrap().status,
            Status::Paused
        );
        refused_by_server(
            c.pause_subscription(&sub.id, PauseSubscription::indefinitely())
                .await,
            409,
            "SUBSCRIPTION_ALREADY_PAUSED",
        );
        let listed = c
            .list_subscriptions(
                ListSubscriptions::new()
                    .customer(&cus)
                    .status(Status::Paused),
            )
            .await
            .unwrap();
        assert_eq!(listed.data.len(), 1);
        assert_eq!(listed.data[0].id, sub.id);
        let resumed = c.resume_subscription(&sub.id).await.unwrap();
        assert_eq!((resumed.status, resumed.resumes_at), (Status::Active, None));
        refused_by_server(
            c.resume_subscription(&sub.id).await,
            409,
            "SUBSCRIPTION_NOT_PAUSED",
        );

        let updated = c
            .update_subscription(
                &sub.id,
                UpdateSubscription::new().price_usdc(59.5).name("Pro+"),
            )
            .await
            .unwrap();
        assert_eq!(updated.price_usdc.as_deref(), Some("59.5"));
        assert_eq!(updated.name.as_deref(), Some("Pro+"));

        let at_end = c
            .cancel_subscription(&sub.id, CancelSubscription::at_period_end())
            .await
            .unwrap();
        assert!(at_end.cancel_at_period_end && at_end.cancelled_at.is_some());
        assert_eq!(at_end.status, Status::Active);
        refused_by_server(
            c.cancel_subscription(&sub.id, CancelSubscription::at_period_end())
                .await,
            409,
            "SUBSCRIPTION_ALREADY_CANCELLED",
        );
        let now = c
            .cancel_subscription(&sub.id, CancelSubscription::immediately())
            .await
            .unwrap();
        assert_eq!(now.status, Status::Cancelled);
        refused_by_server(
            c.cancel_subscription(&sub.id, CancelSubscription::immediately())
                .await,
            409,
            "SUBSCRIPTION_ALREADY_CANCELLED",
        );
        refused_by_server(
            c.update_subscription(&sub.id, UpdateSubscription::new().price_usdc(1.0))
                .await,
            409,
            "SUBSCRIPTION_CANCELLED",
        );
        let all = c
            .list_subscriptions(ListSubscriptions::new().customer(&cus))
            .await
            .unwrap();
        assert_eq!(all.count, 2);
        refused_by_server(c.subscription("sub_000000000000").await, 404, None);
    }
}

#[tokio::test]
async fn subscription_input_is_checked_and_cleaned_before_sending() {
    use drip_runtime::model::{
        CreateSubscription, ListSubscriptions, PauseSubscription, SubscriptionInterval as Interval,
        UpdateSubscription,
    };
    let env = client_support::start().await;
    let c = &env.pk;
    let key = env.emulator.secret_key().to_owned();
    let cus = customer(c, "subs-privacy").await;
    env.emulator.clear_requests();
    let sub = c
        .create_subscription(
            CreateSubscription::new(&cus, "Plan for ann@example.com", Interval::Weekly, 5.0)
                .description(format!("key {key}"))
                .metadata(hostile_metadata(&env)),
        )
        .await
        .unwrap();
    let body = env.last_body("POST", "/v1/subscriptions");
    assert_eq!(body["metadata"], serde_json::json!({"region": "eu"}));
    c.update_subscription(
        &sub.id,
        UpdateSubscription::new()
            .name("for ann@example.com")
            .metadata(hostile_metadata(&env)),
    )
    .await
    .unwrap();
    never_sent(&env, "ann@example.com");
    never_sent(&env, &key);
    never_sent(&env, "tell me a secret");

    env.emulator.clear_requests();
    let bad = |q: f64| CreateSubscription::new(&cus, "P", Interval::Daily, q);
    for q in [f64::NAN, f64::INFINITY, -1.0] {
        refused_locally(&env, c.create_subscription(bad(q)).await, "priceUsdc");
    }
    refused_locally(
        &env,
        c.create_subscription(bad(1.0).included_usage(f64::NAN, "tokens"))
            .await,
        "includedUsage",
    );
    refused_locally(
        &env,
        c.create_subscription(CreateSubscription::new(
            "ann@example.com",
            "P",
            Interval::Daily,
            1.0,
        ))
        .await,
        "customerId",
    );
    refused_locally(
        &env,
        c.create_subscription(CreateSubscription::new(&cus, "P", Interval::Other, 1.0))
            .await,
        "interval",
    );
    refused_locally(
        &env,
        c.create_subscription(CreateSubscription::new(&cus, " ", Interval::Daily, 1.0))
            .await,
        "name",
    );
    refused_locally(
        &env,
        c.pause_subscription(&sub.id, PauseSubscription::until("tomorrow"))
            .await,
        "resumeDate",
    );
    refused_locally(&env, c.subscription(&key).await, "subscriptionId");
    refused_locally(
        &env,
        c.list_subscriptions(ListSubscriptions::new().customer("ann@example.com"))
            .await,
        "customerId",
    );
    refused_by_server(
        c.create_subscription(CreateSubscription::new(
            "cus_nobody",
            "P",
            Interval::Daily,
            1.0,
        ))
        .await,
        404,
        None,
    );
}

#[tokio::test]
async fn a_paid_checkout_funds_the_customer() {
    use drip_runtime::model::Checkout;
    let env = client_support::start().await;
    for (label, c) in env.both() {
        let cus = customer(c, &format!("checkout-{label}")).await;
        let session = c
            .create_checkout(
                Checkout::new(5_000, "https://app.example/paid?order=7")
                    .customer(&cus)
                    .cancel_url("https://app.example/cancelled"),
            )
            .await
            .unwrap();
        assert_eq!(session.amount_usd, Some(50.0), "{label}");
        assert!(session.url.starts_with("https://") && session.expires_at.is_some());
        let body = env.last_body("POST", "/v1/checkout");
        assert_eq!(body["amount"], 5_000);
        assert_eq!(body["customer_id"], cus.as_str());
        assert_eq!(c.balance(&cus).await.unwrap().balance(), Some(0.0));
        assert_eq!(
            env.emulator.complete_checkout(&session.id).as_deref(),
            Some(cus.as_str())
        );
        assert_eq!(c.balance(&cus).await.unwrap().balance(), Some(50.0));
        // A session is paid once.
        assert_eq!(env.emulator.complete_checkout(&session.id), None);

        let by_external = c
            .create_checkout(
                Checkout::new(1_250, "https://app.example/paid")
                    .external_customer(format!("checkout-{label}")),
            )
            .await
            .unwrap();
        assert_eq!(
            env.emulator.complete_checkout(&by_external.id).as_deref(),
            Some(cus.as_str())
        );
        assert_eq!(c.balance(&cus).await.unwrap().balance(), Some(62.5));
    }
}

#[tokio::test]
async fn checkout_input_is_checked_and_cleaned_before_sending() {
    use drip_runtime::model::Checkout;
    let env = client_support::start().await;
    let c = &env.pk;
    let key = env.emulator.secret_key().to_owned();
    let cus = customer(c, "checkout-privacy").await;
    env.emulator.clear_requests();
    c.create_checkout(
        Checkout::new(500, "https://app.example/paid")
            .customer(&cus)
            .metadata(hostile_metadata(&env)),
    )
    .await
    .unwrap();
    let body = env.last_body("POST", "/v1/checkout");
    assert_eq!(body["metadata"], serde_json::json!({"region": "eu"}));
    never_sent(&env, "ann@example.com");
    never_sent(&env, &key);

    env.emulator.clear_requests();
    let ok_url = "https://app.example/paid";
    for cents in [0, 499, 1_000_001] {
        refused_locally(
            &env,
            c.create_checkout(Checkout::new(cents, ok_url)).await,
            "amount",
        );
    }
    for url in [
        "https://app.example/paid?email=ann@example.com".to_owned(),
        format!("https://app.example/paid?k={key}"),
        "ftp://app.example/paid".to_owned(),
        "/relative".to_owned(),
    ] {
        refused_locally(
            &env,
            c.create_checkout(Checkout::new(500, url)).await,
            "return_url",
        );
    }
    refused_locally(
        &env,
        c.create_checkout(
            Checkout::new(500, ok_url).cancel_url("https://x.example/?to=ann@example.com"),
        )
        .await,
        "cancel_url",
    );
    refused_locally(
        &env,
        c.create_checkout(Checkout::new(500, ok_url).customer("ann@example.com"))
            .await,
        "customer_id",
    );
    refused_locally(
        &env,
        c.create_checkout(Checkout::new(500, ok_url).external_customer(key.as_str()))
            .await,
        "external_customer_id",
    );
    refused_by_server(
        c.create_checkout(Checkout::new(500, ok_url).customer("cus_nobody"))
            .await,
        404,
        None,
    );
}

#[tokio::test]
async fn portal_sessions_are_made_for_stored_customers_and_revoked_once() {
    use drip_runtime::model::CreatePortalSession;
    let env = client_support::start().await;
    for (label, c) in env.both() {
        let cus = customer(c, &format!("portal-{label}")).await;
        let session = c
            .create_portal_session(CreatePortalSession::new(&cus).expires_in_minutes(15))
            .await
            .unwrap();
        assert_eq!(
            session.customer_id.as_deref(),
            Some(cus.as_str()),
            "{label}"
        );
        assert_eq!(session.url, format!("/portal/{}", session.token));
        assert!(!format!("{session:?}").contains(&session.token));
        let other = c
            .create_portal_session(CreatePortalSession::new(&cus))
            .await
            .unwrap();
        assert_ne!(other.token, session.token);
        assert!(c.revoke_portal_session(&session.id).await.unwrap().success);
        refused_by_server(
            c.revoke_portal_session(&session.id).await,
            409,
            "PORTAL_SESSION_ALREADY_REVOKED",
        );
        refused_by_server(c.revoke_portal_session("ps_000000000000").await, 404, None);
        refused_by_server(
            c.create_portal_session(CreatePortalSession::new("cus_nobody"))
                .await,
            404,
            None,
        );
    }
    let key = env.emulator.secret_key().to_owned();
    env.emulator.clear_requests();
    let c = &env.pk;
    refused_locally(
        &env,
        c.create_portal_session(CreatePortalSession::new("ann@example.com"))
            .await,
        "customerId",
    );
    refused_locally(
        &env,
        c.create_portal_session(CreatePortalSession::new("cus_1").expires_in_minutes(0))
            .await,
        "expiresInMinutes",
    );
    refused_locally(&env, c.revoke_portal_session(&key).await, "sessionId");
}

#[tokio::test]
async fn entitlement_plans_and_rules_drive_entitlement_checks() {
    use drip_runtime::model::{
        AssignEntitlement, CheckEntitlement, CreateEntitlementPlan, CreateEntitlementRule,
        LimitPeriod as Period, LimitType, UpdateEntitlementPlan, UpdateEntitlementRule,
    };
    let env = client_support::start().await;
    for (label, c) in env.both() {
        let plan = c
            .create_entitlement_plan(
                CreateEntitlementPlan::new("Free", format!("free-{label}")).default_plan(true),
            )
            .await
            .unwrap();
        assert!(plan.is_default && plan.is_active, "{label}");
        refused_by_server(
            c.create_entitlement_plan(CreateEntitlementPlan::new("Again", format!("free-{label}")))
                .await,
            409,
            "ENTITLEMENT_PLAN_SLUG_TAKEN",
        );
        let rule = c
            .add_entitlement_rule(
                &plan.id,
                CreateEntitlementRule::new("searches", LimitType::Count, Period::Monthly, 3.0),
            )
            .await
            .unwrap();
        assert_eq!(rule.plan_id.as_deref(), Some(plan.id.as_str()));
        refused_by_server(
            c.add_entitlement_rule(
                &plan.id,
                CreateEntitlementRule::new("searches", LimitType::Count, Period::Daily, 1.0),
            )
            .await,
            409,
            "ENTITLEMENT_RULE_EXISTS",
        );
        assert_eq!(
            c.list_entitlement_rules(&plan.id)
                .await
                .unwrap()
                .rules
                .len(),
            1
        );

        let cus = customer(c, &format!("plans-{label}")).await;
        c.set_customer_entitlement(&cus, AssignEntitlement::new(&plan.id))
            .await
            .unwrap();
        let check = c
            .check_entitlement(CheckEntitlement::new(&cus, "searches"))
            .await
            .unwrap();
        assert_eq!((check.allowed, check.limit), (true, 3));
        let rule = c
            .update_entitlement_rule(&rule.id, UpdateEntitlementRule::new().limit_value(0.0))
            .await
            .unwrap();
        assert_eq!(rule.limit_value, Some(0.0));
        let check = c
            .check_entitlement(CheckEntitlement::new(&cus, "searches"))
            .await
            .unwrap();
        assert!(!check.allowed);
        c.update_entitlement_rule(&rule.id, UpdateEntitlementRule::new().unlimited(true))
            .await
            .unwrap();
        let check = c
            .check_entitlement(CheckEntitlement::new(&cus, "searches"))
            .await
            .unwrap();
        assert!(check.allowed && check.unlimited);

        let renamed = c
            .update_entitlement_plan(
                &plan.id,
                UpdateEntitlementPlan::new().name("Starter").active(false),
            )
            .await
            .unwrap();
        assert_eq!(
            (renamed.name.as_str(), renamed.is_active),
            ("Starter", false)
        );
        assert_eq!(c.entitlement_plan(&plan.id).await.unwrap().name, "Starter");
        refused_by_server(
            c.delete_entitlement_plan(&plan.id).await,
            409,
            "ENTITLEMENT_PLAN_IN_USE",
        );
        let other = c
            .create_entitlement_plan(
                CreateEntitlementPlan::new("Other", format!("other-{label}")).default_plan(true),
            )
            .await
            .unwrap();
        let plans = c.list_entitlement_plans().await.unwrap();
        let defaults: Vec<_> = plans
            .plans
            .iter()
            .filter(|p| p.is_default)
            .map(|p| &p.id)
            .collect();
        assert_eq!(defaults, [&other.id], "one default plan at a time");
        c.set_customer_entitlement(&cus, AssignEntitlement::new(&other.id))
            .await
            .unwrap();
        assert!(c.delete_entitlement_rule(&rule.id).await.unwrap().success);
        assert!(c.delete_entitlement_plan(&plan.id).await.unwrap().success);
        refused_by_server(c.entitlement_plan(&plan.id).await, 404, "NOT_FOUND");
        refused_by_server(c.delete_entitlement_rule(&rule.id).await, 404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn entitlement_plan_input_is_checked_and_cleaned_before_sending() {
    use drip_runtime::model::{
        CreateEntitlementPlan, CreateEntitlementRule, LimitPeriod as Period, LimitType,
        UpdateEntitlementRule,
    };
    let env = client_support::start().await;
    let c = &env.pk;
    let key = env.emulator.secret_key().to_owned();
    env.emulator.clear_requests();
    let plan = c
        .create_entitlement_plan(
            CreateEntitlementPlan::new("Plan of ann@example.com", "annual")
                .description(format!("uses {key}")),
        )
        .await
        .unwrap();
    never_sent(&env, "ann@example.com");
    never_sent(&env, &key);
    env.emulator.clear_requests();
    for slug in ["Has Spaces", "UPPER", "", "ann@example.com"] {
        refused_locally(
            &env,
            c.create_entitlement_plan(CreateEntitlementPlan::new("P", slug))
                .await,
            "slug",
        );
    }
    let rule = |f: &str, t, p, v| CreateEntitlementRule::new(f, t, p, v);
    refused_locally(
        &env,
        c.add_entitlement_rule(
            &plan.id,
            rule("x", LimitType::Count, Period::Daily, f64::NAN),
        )
        .await,
        "limitValue",
    );
    refused_locally(
        &env,
        c.add_entitlement_rule(&plan.id, rule("x", LimitType::Count, Period::Daily, -1.0))
            .await,
        "limitValue",
    );
    refused_locally(
        &env,
        c.add_entitlement_rule(&plan.id, rule("x", LimitType::Other, Period::Daily, 1.0))
            .await,
        "limitType",
    );
    refused_locally(
        &env,
        c.add_entitlement_rule(&plan.id, rule("x", LimitType::Count, Period::Other, 1.0))
            .await,
        "period",
    );
    refused_locally(
        &env,
        c.add_entitlement_rule(
            &plan.id,
            rule("ann@example.com", LimitType::Count, Period::Daily, 1.0),
        )
        .await,
        "featureKey",
    );
    refused_locally(
        &env,
        c.update_entitlement_rule(
            "entr_1",
            UpdateEntitlementRule::new().limit_value(f64::INFINITY),
        )
        .await,
        "limitValue",
    );
    refused_locally(&env, c.entitlement_plan(&key).await, "planId");
}

#[tokio::test]
async fn an_active_contract_prices_its_customers_charges() {
    use drip_runtime::model::{
        Charge, ContractStatus, CreateContract, ListContracts, SetContractPrice, UpdateContract,
    };
    let env = client_support::start().await;
    env.emulator.set_pricing_plan("tokens", 0.002);
    for (label, c) in env.both() {
        let cus = customer(c, &format!("contract-{label}")).await;
        let amount = |r: drip_runtime::model::ChargeResult| {
            r.charge
                .amount_usdc
                .and_then(|a| a.parse::<f64>().ok())
                .expect("an amount")
        };
        let list = amount(c.charge(Charge::new(&cus, "tokens", 100.0)).await.unwrap());
        assert!((list - 0.2).abs() < 1e-9, "{label}: {list}");

        let contract = c
            .create_contract(
                CreateContract::new(&cus, "Enterprise", "2026-01-01T00:00:00Z")
                    .minimum_usdc(100.0)
                    .maximum_usdc(1_000.0)
                    .discount_pct(10.0)
                    .included_units("tokens", 1e6),
            )
            .await
            .unwrap();
        assert_eq!(contract.status, ContractStatus::Active);
        assert_eq!(contract.minimum_usdc.as_deref(), Some("100"));
        let o = c
            .add_contract_override(&contract.id, SetContractPrice::new("tokens", 0.001))
            .await
            .unwrap();
        assert_eq!(o.unit_price_usdc.as_deref(), Some("0.001"));
        let priced = amount(c.charge(Charge::new(&cus, "tokens", 100.0)).await.unwrap());
        assert!((priced - 0.09).abs() < 1e-9, "override less 10 %: {priced}");
        assert!(
            c.remove_contract_override(&contract.id, "tokens")
                .await
                .unwrap()
                .success
        );
        refused_by_server(
            c.remove_contract_override(&contract.id, "tokens").await,
            404,
            None,
        );
        let discounted = amount(c.charge(Charge::new(&cus, "tokens", 100.0)).await.unwrap());
        assert!(
            (discounted - 0.18).abs() < 1e-9,
            "list less 10 %: {discounted}"
        );

        refused_by_server(
            c.update_contract(&contract.id, UpdateContract::new().maximum_usdc(50.0))
                .await,
            400,
            "VALIDATION_ERROR",
        );
        let updated = c
            .update_contract(
                &contract.id,
                UpdateContract::new().name("Enterprise 2").discount_pct(0.0),
            )
            .await
            .unwrap();
        assert_eq!(updated.name.as_deref(), Some("Enterprise 2"));
        let listed = c
            .list_contracts(
                ListContracts::new()
                    .customer(&cus)
                    .status(ContractStatus::Active),
            )
            .await
            .unwrap();
        assert_eq!(listed.contracts.len(), 1);

        assert!(c.cancel_contract(&contract.id).await.unwrap().success);
        assert_eq!(
            c.contract(&contract.id).await.unwrap().status,
            ContractStatus::Cancelled
        );
        refused_by_server(
            c.cancel_contract(&contract.id).await,
            409,
            "CONTRACT_ALREADY_CANCELLED",
        );
        refused_by_server(
            c.update_contract(&contract.id, UpdateContract::new().discount_pct(5.0))
                .await,
            409,
            "CONTRACT_CANCELLED",
        );
        let back = amount(c.charge(Charge::new(&cus, "tokens", 100.0)).await.unwrap());
        assert!((back - 0.2).abs() < 1e-9, "list price again: {back}");
        let active = c
            .list_contracts(
                ListContracts::new()
                    .customer(&cus)
                    .status(ContractStatus::Active),
            )
            .await
            .unwrap();
        assert!(active.contracts.is_empty());
    }
}

#[tokio::test]
async fn contract_input_is_checked_and_cleaned_before_sending() {
    use drip_runtime::model::{CreateContract, ListContracts, SetContractPrice, UpdateContract};
    let env = client_support::start().await;
    let c = &env.pk;
    let key = env.emulator.secret_key().to_owned();
    let cus = customer(c, "contract-privacy").await;
    env.emulator.clear_requests();
    let start = "2026-01-01T00:00:00Z";
    let contract = c
        .create_contract(
            CreateContract::new(&cus, "Deal with ann@example.com", start)
                .metadata(hostile_metadata(&env)),
        )
        .await
        .unwrap();
    let body = env.last_body("POST", "/v1/contracts");
    assert_eq!(body["metadata"], serde_json::json!({"region": "eu"}));
    c.update_contract(
        &contract.id,
        UpdateContract::new()
            .name(format!("key {key}"))
            .metadata(hostile_metadata(&env)),
    )
    .await
    .unwrap();
    never_sent(&env, "ann@example.com");
    never_sent(&env, &key);

    env.emulator.clear_requests();
    let new = || CreateContract::new(&cus, "C", start);
    refused_locally(
        &env,
        c.create_contract(new().minimum_usdc(f64::NAN)).await,
        "minimumUsdc",
    );
    refused_locally(
        &env,
        c.create_contract(new().prepaid(-1.0, false)).await,
        "prepaidAmountUsdc",
    );
    refused_locally(
        &env,
        c.create_contract(new().minimum_usdc(10.0).maximum_usdc(5.0))
            .await,
        "minimumUsdc",
    );
    refused_locally(
        &env,
        c.create_contract(new().discount_pct(101.0)).await,
        "discountPct",
    );
    refused_locally(
        &env,
        c.create_contract(new().included_units("ann@example.com", 1.0))
            .await,
        "includedUnits",
    );
    refused_locally(
        &env,
        c.create_contract(CreateContract::new(&cus, "C", "next monday"))
            .await,
        "startDate",
    );
    refused_locally(
        &env,
        c.create_contract(CreateContract::new("ann@example.com", "C", start))
            .await,
        "customerId",
    );
    refused_locally(
        &env,
        c.add_contract_override(&contract.id, SetContractPrice::new("tokens", f64::INFINITY))
            .await,
        "unitPriceUsd",
    );
    refused_locally(
        &env,
        c.list_contracts(ListContracts::new().customer(key.as_str()))
            .await,
        "customerId",
    );
    refused_locally(
        &env,
        c.remove_contract_override(&contract.id, "").await,
        "unitType",
    );
}

#[tokio::test]
async fn a_withdrawal_pays_out_once_even_when_its_answer_is_lost() {
    use drip_runtime::model::{ListWithdrawals, Withdraw, WithdrawalStatus as Status};
    let env = client_support::start().await;
    for (label, c) in env.both() {
        let before = c
            .list_withdrawals(ListWithdrawals::new())
            .await
            .unwrap()
            .total;
        env.emulator.clear_requests();
        // The first attempt is stored, then its connection is dropped: the retry must reuse
        // the key and get the same withdrawal back.
        env.emulator.faults().drop_next(1);
        let w = c
            .withdraw(Withdraw::new(250.0).bank_description("Main account"))
            .await
            .unwrap();
        let sent = env.requests("POST", "/v1/withdrawals");
        assert_eq!(sent.len(), 2, "{label}: one retry");
        let keys: Vec<_> = sent
            .iter()
            .map(|r| r.body_json().unwrap()["idempotency_key"].clone())
            .collect();
        assert_eq!(keys[0], keys[1]);
        assert_eq!(w.status, Status::Pending);
        assert_eq!(
            (
                w.amount_usdc.as_deref(),
                w.fee_usdc.as_deref(),
                w.net_amount_usdc.as_deref()
            ),
            (Some("250"), Some("2.5"), Some("247.5"))
        );
        let all = c.list_withdrawals(ListWithdrawals::new()).await.unwrap();
        assert_eq!(all.total, before + 1, "{label}: paid out once");

        let again = c
            .withdraw(Withdraw::new(250.0).idempotency_key("payout-1"))
            .await
            .unwrap();
        let same = c
            .withdraw(Withdraw::new(250.0).idempotency_key("payout-1"))
            .await
            .unwrap();
        assert_eq!(again.id, same.id, "{label}: a repeated key pays out once");
        let fee = c.estimate_withdrawal_fee(1_000.0).await.unwrap();
        assert_eq!(
            (fee.fee_usdc.as_deref(), fee.fee_bps),
            (Some("10"), Some(100))
        );

        let cancelled = c.cancel_withdrawal(&w.id).await.unwrap();
        assert!(cancelled.cancelled && cancelled.status == Status::Cancelled);
        refused_by_server(
            c.cancel_withdrawal(&w.id).await,
            409,
            "WITHDRAWAL_NOT_CANCELLABLE",
        );
        let page = c
            .list_withdrawals(ListWithdrawals::new().status(Status::Cancelled).limit(1))
            .await
            .unwrap();
        assert_eq!(page.withdrawals.len(), 1);
        assert_eq!(page.withdrawals[0].status, Status::Cancelled);
        refused_by_server(c.withdraw(Withdraw::new(1.0)).await, 400, None);
    }
}

#[tokio::test]
async fn withdrawal_input_is_checked_and_cleaned_before_sending() {
    use drip_runtime::model::{ListWithdrawals, Withdraw, WithdrawalStatus};
    let env = client_support::start().await;
    let c = &env.pk;
    let key = env.emulator.secret_key().to_owned();
    env.emulator.clear_requests();
    c.withdraw(Withdraw::new(20.0).bank_description(format!("ann@example.com {key}")))
        .await
        .unwrap();
    never_sent(&env, "ann@example.com");
    never_sent(&env, &key);
    env.emulator.clear_requests();
    for amount in [f64::NAN, f64::INFINITY, -5.0, 0.0] {
        refused_locally(&env, c.withdraw(Withdraw::new(amount)).await, "amount_usdc");
        refused_locally(&env, c.estimate_withdrawal_fee(amount).await, "amount_usdc");
    }
    refused_locally(
        &env,
        c.list_withdrawals(ListWithdrawals::new().status(WithdrawalStatus::Other))
            .await,
        "status",
    );
    refused_locally(
        &env,
        c.list_withdrawals(ListWithdrawals::new().limit(101)).await,
        "limit",
    );
    refused_locally(&env, c.cancel_withdrawal(&key).await, "withdrawalId");
}

/// One operation's shape on the wire: method, path (`{}` matches one segment), the query keys
/// it may send, and its body keys (`None`: no body).
struct Shape {
    method: &'static str,
    path: &'static str,
    query: &'static [&'static str],
    body: Option<&'static [&'static str]>,
}

/// Every operation of this file's resources, with the keys `drip-api.md` (§0, §2.19) and the
/// official Node SDK use.
const SHAPES: &[Shape] = &[
    Shape {
        method: "GET",
        path: "/events",
        query: &[
            "customerId",
            "runId",
            "eventType",
            "outcome",
            "limit",
            "offset",
        ],
        body: None,
    },
    Shape {
        method: "GET",
        path: "/events/{}",
        query: &[],
        body: None,
    },
    Shape {
        method: "GET",
        path: "/events/{}/trace",
        query: &[],
        body: None,
    },
    Shape {
        method: "POST",
        path: "/subscriptions",
        query: &[],
        body: Some(&[
            "customerId",
            "name",
            "interval",
            "priceUsdc",
            "description",
            "metadata",
            "trialDays",
            "includedUsage",
            "overageUnitType",
        ]),
    },
    Shape {
        method: "GET",
        path: "/subscriptions",
        query: &["customerId", "status", "limit"],
        body: None,
    },
    Shape {
        method: "GET",
        path: "/subscriptions/{}",
        query: &[],
        body: None,
    },
    Shape {
        method: "PATCH",
        path: "/subscriptions/{}",
        query: &[],
        body: Some(&[
            "name",
            "description",
            "priceUsdc",
            "metadata",
            "includedUsage",
            "overageUnitType",
        ]),
    },
    Shape {
        method: "POST",
        path: "/subscriptions/{}/cancel",
        query: &[],
        body: Some(&["immediate"]),
    },
    Shape {
        method: "POST",
        path: "/subscriptions/{}/pause",
        query: &[],
        body: Some(&["resumeDate"]),
    },
    Shape {
        method: "POST",
        path: "/subscriptions/{}/resume",
        query: &[],
        body: None,
    },
    Shape {
        method: "POST",
        path: "/checkout",
        query: &[],
        body: Some(&[
            "customer_id",
            "external_customer_id",
            "amount",
            "return_url",
            "cancel_url",
            "metadata",
        ]),
    },
    Shape {
        method: "POST",
        path: "/portal-sessions",
        query: &[],
        body: Some(&["customerId", "expiresInMinutes"]),
    },
    Shape {
        method: "DELETE",
        path: "/portal-sessions/{}",
        query: &[],
        body: None,
    },
    Shape {
        method: "POST",
        path: "/entitlement-plans",
        query: &[],
        body: Some(&["name", "slug", "description", "isDefault"]),
    },
    Shape {
        method: "GET",
        path: "/entitlement-plans",
        query: &[],
        body: None,
    },
    Shape {
        method: "GET",
        path: "/entitlement-plans/{}",
        query: &[],
        body: None,
    },
    Shape {
        method: "PATCH",
        path: "/entitlement-plans/{}",
        query: &[],
        body: Some(&["name", "description", "isDefault", "isActive"]),
    },
    Shape {
        method: "DELETE",
        path: "/entitlement-plans/{}",
        query: &[],
        body: None,
    },
    Shape {
        method: "POST",
        path: "/entitlement-plans/{}/rules",
        query: &[],
        body: Some(&[
            "featureKey",
            "limitType",
            "period",
            "limitValue",
            "unlimited",
        ]),
    },
    Shape {
        method: "GET",
        path: "/entitlement-plans/{}/rules",
        query: &[],
        body: None,
    },
    Shape {
        method: "PATCH",
        path: "/entitlement-rules/{}",
        query: &[],
        body: Some(&["limitValue", "unlimited"]),
    },
    Shape {
        method: "DELETE",
        path: "/entitlement-rules/{}",
        query: &[],
        body: None,
    },
    Shape {
        method: "POST",
        path: "/contracts",
        query: &[],
        body: Some(&[
            "customerId",
            "name",
            "startDate",
            "endDate",
            "minimumUsdc",
            "maximumUsdc",
            "discountPct",
            "prepaidAmountUsdc",
            "prepaidRollover",
            "includedUnits",
            "metadata",
        ]),
    },
    Shape {
        method: "GET",
        path: "/contracts",
        query: &["customerId", "status"],
        body: None,
    },
    Shape {
        method: "GET",
        path: "/contracts/{}",
        query: &[],
        body: None,
    },
    Shape {
        method: "PATCH",
        path: "/contracts/{}",
        query: &[],
        body: Some(&[
            "name",
            "endDate",
            "minimumUsdc",
            "maximumUsdc",
            "discountPct",
            "prepaidRollover",
            "includedUnits",
            "metadata",
        ]),
    },
    Shape {
        method: "DELETE",
        path: "/contracts/{}",
        query: &[],
        body: None,
    },
    Shape {
        method: "POST",
        path: "/contracts/{}/overrides",
        query: &[],
        body: Some(&["unitType", "unitPriceUsd"]),
    },
    Shape {
        method: "DELETE",
        path: "/contracts/{}/overrides/{}",
        query: &[],
        body: None,
    },
    Shape {
        method: "POST",
        path: "/withdrawals",
        query: &[],
        body: Some(&["amount_usdc", "idempotency_key", "bank_description"]),
    },
    Shape {
        method: "GET",
        path: "/withdrawals",
        query: &["status", "limit", "offset"],
        body: None,
    },
    Shape {
        method: "GET",
        path: "/withdrawals/fee-estimate",
        query: &["amount_usdc"],
        body: None,
    },
    Shape {
        method: "DELETE",
        path: "/withdrawals/{}",
        query: &[],
        body: None,
    },
];

/// The shape a logged request has, if it is one of [`SHAPES`]; the literal segments win over
/// `{}` (`/withdrawals/fee-estimate` is not `/withdrawals/{}`).
fn shape_of(method: &str, path: &str) -> Option<&'static Shape> {
    let segments: Vec<&str> = path.split('/').collect();
    let matches = |s: &Shape| {
        let t: Vec<&str> = s.path.split('/').collect();
        s.method == method
            && t.len() == segments.len()
            && t.iter()
                .zip(&segments)
                .all(|(t, p)| t == p || (*t == "{}" && !p.is_empty()))
    };
    let literal = |s: &&Shape| s.path.matches("{}").count();
    SHAPES.iter().filter(|s| matches(s)).min_by_key(literal)
}

/// Runs every operation of this file with every optional field set, then checks that each
/// request the emulator logged has its operation's method, path, query keys and body keys,
/// with every required body key present, and that every operation was exercised.
#[tokio::test]
async fn every_request_has_the_spec_shape() {
    use drip_runtime::model::*;
    let env = client_support::start().await;
    let c = &env.pk;
    let cus = customer(c, "shapes").await;
    let mut meta = Metadata::new();
    meta.insert("region", "eu");
    env.emulator.clear_requests();

    let wf = c.resolve_workflow_id("shapes").await.unwrap();
    let run = c.start_run(StartRun::new(&cus, wf)).await.unwrap();
    let event = c.emit_event(&run.id, Event::plan("p")).await.unwrap();
    let events = ListExecutionEvents::new()
        .customer(&cus)
        .run(&run.id)
        .event_type("agent.plan")
        .outcome(EventOutcome::Success)
        .limit(5)
        .offset(0);
    c.list_execution_events(events).await.unwrap();
    c.execution_event(&event.id).await.unwrap();
    c.execution_event_trace(&event.id).await.unwrap();

    let sub = c
        .create_subscription(
            CreateSubscription::new(&cus, "Pro", SubscriptionInterval::Weekly, 9.0)
                .description("d")
                .metadata(meta.clone())
                .trial_days(3)
                .included_usage(10.0, "tokens"),
        )
        .await
        .unwrap();
    let subs = ListSubscriptions::new()
        .customer(&cus)
        .status(SubscriptionStatus::Trialing)
        .limit(5);
    c.list_subscriptions(subs).await.unwrap();
    c.subscription(&sub.id).await.unwrap();
    let update = UpdateSubscription::new()
        .name("Pro 2")
        .description("d2")
        .price_usdc(10.0)
        .metadata(meta.clone())
        .included_usage(20.0, "tokens");
    c.update_subscription(&sub.id, update).await.unwrap();
    c.pause_subscription(&sub.id, PauseSubscription::until("2099-01-01T00:00:00Z"))
        .await
        .unwrap();
    c.resume_subscription(&sub.id).await.unwrap();
    c.cancel_subscription(&sub.id, CancelSubscription::immediately())
        .await
        .unwrap();

    let checkout = Checkout::new(500, "https://app.example/ok")
        .customer(&cus)
        .external_customer("shapes")
        .cancel_url("https://app.example/no")
        .metadata(meta.clone());
    c.create_checkout(checkout).await.unwrap();

    let portal = c
        .create_portal_session(CreatePortalSession::new(&cus).expires_in_minutes(5))
        .await
        .unwrap();
    c.revoke_portal_session(&portal.id).await.unwrap();

    let plan = c
        .create_entitlement_plan(
            CreateEntitlementPlan::new("P", "shapes-plan")
                .description("d")
                .default_plan(false),
        )
        .await
        .unwrap();
    c.list_entitlement_plans().await.unwrap();
    c.entitlement_plan(&plan.id).await.unwrap();
    let plan_update = UpdateEntitlementPlan::new()
        .name("P2")
        .description("d2")
        .default_plan(true)
        .active(true);
    c.update_entitlement_plan(&plan.id, plan_update)
        .await
        .unwrap();
    let rule = CreateEntitlementRule::new("searches", LimitType::Amount, LimitPeriod::Daily, 5.0)
        .unlimited(false);
    let rule = c.add_entitlement_rule(&plan.id, rule).await.unwrap();
    c.list_entitlement_rules(&plan.id).await.unwrap();
    let rule_update = UpdateEntitlementRule::new()
        .limit_value(6.0)
        .unlimited(true);
    c.update_entitlement_rule(&rule.id, rule_update)
        .await
        .unwrap();
    c.delete_entitlement_rule(&rule.id).await.unwrap();
    c.delete_entitlement_plan(&plan.id).await.unwrap();

    let contract = c
        .create_contract(
            CreateContract::new(&cus, "C", "2026-01-01T00:00:00Z")
                .end_date("2027-01-01T00:00:00Z")
                .minimum_usdc(1.0)
                .maximum_usdc(2.0)
                .discount_pct(5.0)
                .prepaid(1.0, true)
                .included_units("tokens", 10.0)
                .metadata(meta.clone()),
        )
        .await
        .unwrap();
    let contracts = ListContracts::new()
        .customer(&cus)
        .status(ContractStatus::Active);
    c.list_contracts(contracts).await.unwrap();
    c.contract(&contract.id).await.unwrap();
    let mut units = std::collections::BTreeMap::new();
    units.insert("tokens".to_owned(), 20.0);
    let contract_update = UpdateContract::new()
        .name("C2")
        .end_date("2028-01-01T00:00:00Z")
        .minimum_usdc(1.0)
        .maximum_usdc(3.0)
        .discount_pct(6.0)
        .prepaid_rollover(false)
        .included_units(units)
        .metadata(meta.clone());
    c.update_contract(&contract.id, contract_update)
        .await
        .unwrap();
    c.add_contract_override(&contract.id, SetContractPrice::new("tokens", 0.5))
        .await
        .unwrap();
    c.remove_contract_override(&contract.id, "tokens")
        .await
        .unwrap();
    c.cancel_contract(&contract.id).await.unwrap();

    let w = c
        .withdraw(Withdraw::new(10.0).bank_description("Main"))
        .await
        .unwrap();
    let withdrawals = ListWithdrawals::new()
        .status(WithdrawalStatus::Pending)
        .limit(5)
        .offset(0);
    c.list_withdrawals(withdrawals).await.unwrap();
    c.estimate_withdrawal_fee(10.0).await.unwrap();
    c.cancel_withdrawal(&w.id).await.unwrap();

    let mut seen = std::collections::BTreeSet::new();
    for r in env.emulator.requests() {
        let (path, query) = r
            .path_and_query
            .split_once('?')
            .unwrap_or((&r.path_and_query, ""));
        let path = path.strip_prefix("/v1").unwrap_or(path);
        let Some(shape) = shape_of(&r.method, path) else {
            continue;
        };
        let name = format!("{} {}", shape.method, shape.path);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let key = pair.split('=').next().unwrap_or(pair);
            assert!(shape.query.contains(&key), "{name}: query key `{key}`");
        }
        match shape.body {
            None => assert!(r.body.is_empty(), "{name}: sends no body"),
            Some(keys) => {
                let body = r
                    .body_json()
                    .unwrap_or_else(|| panic!("{name}: a JSON body"));
                let sent = body
                    .as_object()
                    .unwrap_or_else(|| panic!("{name}: an object"));
                let mut sent_keys: Vec<&str> = sent.keys().map(String::as_str).collect();
                sent_keys.sort_unstable();
                let mut want: Vec<&str> = keys.to_vec();
                want.sort_unstable();
                assert_eq!(
                    sent_keys, want,
                    "{name}: every field set, every key on the wire"
                );
            }
        }
        seen.insert(name);
    }
    let missing: Vec<String> = SHAPES
        .iter()
        .map(|s| format!("{} {}", s.method, s.path))
        .filter(|n| !seen.contains(n))
        .collect();
    assert!(missing.is_empty(), "operations not exercised: {missing:?}");
}

/// Every new future is `Send`, so the calls can be spawned on a multi-threaded runtime.
#[test]
fn the_billing_futures_are_send() {
    use drip_runtime::model::*;
    fn send<T: Send>(_: T) {}
    let c = Client::builder()
        .api_key("pk_test_0123456789")
        .build()
        .unwrap();
    send(c.list_execution_events(ListExecutionEvents::new()));
    send(c.execution_event("e"));
    send(c.execution_event_trace("e"));
    send(c.create_subscription(CreateSubscription::new(
        "c",
        "n",
        SubscriptionInterval::Daily,
        1.0,
    )));
    send(c.subscription("s"));
    send(c.list_subscriptions(ListSubscriptions::new()));
    send(c.update_subscription("s", UpdateSubscription::new()));
    send(c.cancel_subscription("s", CancelSubscription::at_period_end()));
    send(c.pause_subscription("s", PauseSubscription::indefinitely()));
    send(c.resume_subscription("s"));
    send(c.create_checkout(Checkout::new(500, "https://x.example")));
    send(c.create_portal_session(CreatePortalSession::new("c")));
    send(c.revoke_portal_session("p"));
    send(c.create_entitlement_plan(CreateEntitlementPlan::new("n", "s")));
    send(c.list_entitlement_plans());
    send(c.entitlement_plan("p"));
    send(c.update_entitlement_plan("p", UpdateEntitlementPlan::new()));
    send(c.delete_entitlement_plan("p"));
    send(c.add_entitlement_rule(
        "p",
        CreateEntitlementRule::new("f", LimitType::Count, LimitPeriod::Daily, 1.0),
    ));
    send(c.list_entitlement_rules("p"));
    send(c.update_entitlement_rule("r", UpdateEntitlementRule::new()));
    send(c.delete_entitlement_rule("r"));
    send(c.create_contract(CreateContract::new("c", "n", "2026-01-01T00:00:00Z")));
    send(c.list_contracts(ListContracts::new()));
    send(c.contract("k"));
    send(c.update_contract("k", UpdateContract::new()));
    send(c.cancel_contract("k"));
    send(c.add_contract_override("k", SetContractPrice::new("m", 1.0)));
    send(c.remove_contract_override("k", "m"));
    send(c.withdraw(Withdraw::new(10.0)));
    send(c.list_withdrawals(ListWithdrawals::new()));
    send(c.estimate_withdrawal_fee(10.0));
    send(c.cancel_withdrawal("w"));
}
