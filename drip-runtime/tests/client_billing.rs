//! Charges, balances, spending caps, provisioning and customer entitlements
//! against the emulator over loopback, with both key kinds.

mod client_support;

use drip_runtime::model::{
    AssignEntitlement, CapType, Charge, ChargeStatus, CreateCustomer, SetSpendingCap,
};
use drip_runtime::{Client, Error, Metadata};
use serde_json::json;

async fn customer(client: &Client, ext: &str) -> String {
    client
        .create_customer(CreateCustomer::external(ext))
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn charges_bill_with_either_key_and_a_repeated_key_bills_once() {
    let env = client_support::start().await;
    for (kind, client) in env.both() {
        let mut meta = Metadata::new();
        meta.insert("region", "eu");
        let r = client
            .charge(Charge::new("cus_1", "tokens", 1_000.0).metadata(meta))
            .await
            .unwrap();
        assert!(r.success && !r.is_duplicate, "{kind}: {r:?}");
        assert_eq!(r.charge.status, ChargeStatus::Confirmed);
        assert_eq!(r.charge.amount_usdc.as_deref(), Some("0.1"));
        let body = env.last_body("POST", "/v1/usage");
        assert_eq!(body["usageType"], "tokens");
        assert_eq!(body["metadata"], json!({"region": "eu"}));
        let key = body["idempotencyKey"].as_str().unwrap().to_owned();
        assert!(key.starts_with("chg"), "{key}");

        let again = client
            .charge(Charge::new("cus_1", "tokens", 1_000.0).idempotency_key(&key))
            .await
            .unwrap();
        assert!(again.is_duplicate, "{kind}");
        assert_eq!(again.charge.id, r.charge.id);

        let a = client
            .charge_async(Charge::new("cus_1", "tokens", 10.0))
            .await
            .unwrap();
        assert_eq!(a.charge.status, ChargeStatus::Pending, "{kind}");
        assert!(a.message.is_some() && a.charge.estimated_confirmation_time.is_some());
        let key = env.last_body("POST", "/v1/usage/async")["idempotencyKey"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(key.starts_with("chg-async"), "{key}");
    }
    assert_eq!(env.emulator.charges().len(), 4);
}

#[tokio::test]
async fn nan_infinite_negative_and_empty_charges_are_refused_before_sending() {
    let env = client_support::start().await;
    for q in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0] {
        let err = env
            .pk
            .charge(Charge::new("cus_1", "tokens", q))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Validation {
                    field: "quantity",
                    ..
                }
            ),
            "{q}: {err}"
        );
        let err = env
            .pk
            .charge_async(Charge::new("cus_1", "tokens", q))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{q}: {err}");
    }
    for (c, m) in [("", "tokens"), ("cus_1", " ")] {
        let err = env.pk.charge(Charge::new(c, m, 1.0)).await.unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{err}");
    }
    assert!(env.emulator.requests().is_empty());
    assert!(env.emulator.charges().is_empty());
}

#[tokio::test]
async fn a_retried_charge_keeps_its_key_and_bills_once() {
    let env = client_support::start().await;
    // The first attempt is stored but its answer lost; the second meets a 503.
    env.emulator.faults().drop_next(1);
    env.emulator.faults().fail_next(&[503]);
    let r = env
        .sk
        .charge(Charge::new("cus_1", "tokens", 50.0))
        .await
        .unwrap();
    assert!(r.success && r.is_duplicate, "{r:?}");
    let requests = env.requests("POST", "/v1/usage");
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|q| q.idempotency_keys == requests[0].idempotency_keys)
    );
    assert_eq!(env.emulator.charges().len(), 1);
}

#[tokio::test]
async fn the_balance_moves_with_every_charge() {
    let env = client_support::start().await;
    for (kind, client) in env.both() {
        let id = customer(client, &format!("bal_{kind}")).await;
        env.emulator.fund_balance(&id, 1.0);
        assert_eq!(client.balance(&id).await.unwrap().balance(), Some(1.0));
        client
            .charge(Charge::new(&id, "tokens", 2_500.0))
            .await
            .unwrap();
        let b = client.balance(&id).await.unwrap();
        assert_eq!(b.balance(), Some(0.75), "{kind}: {b:?}");
        assert_eq!(b.total_charged_usdc.as_deref(), Some("0.25"));

        let p = client.provision_customer(&id).await.unwrap();
        assert_eq!(
            (p.provisioned, p.already_provisioned),
            (Some(true), Some(false))
        );
        let p = client.provision_customer(&id).await.unwrap();
        assert_eq!(p.already_provisioned, Some(true));
        assert_eq!(
            env.last_body("POST", &format!("/v1/customers/{id}/provision")),
            json!({})
        );
        let s = client.sync_customer_balance(&id).await.unwrap();
        assert!(s.last_synced_at.is_some() && s.balance() == Some(0.75));
        assert_eq!(
            env.last_body("POST", &format!("/v1/customers/{id}/sync-balance")),
            json!({})
        );
    }
    let err = env.pk.balance("cus_missing").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(matches!(
        env.pk.balance(" ").await,
        Err(Error::Validation { .. })
    ));
}

#[tokio::test]
async fn spending_caps_block_charges_over_them_until_removed() {
    let env = client_support::start().await;
    let client = &env.pk;
    let id = customer(client, "capped").await;
    // 1 000 tokens cost 0.1 USDC.
    let single = client
        .set_spending_cap(&id, SetSpendingCap::new(CapType::Single, 0.05))
        .await
        .unwrap();
    assert_eq!(single.cap_type, CapType::Single);
    assert_eq!(
        env.last_body("PUT", &format!("/v1/customers/{id}/spending-cap")),
        json!({"capType": "SINGLE_CHARGE_LIMIT", "limitValue": 0.05, "autoBlock": true})
    );
    let err = client
        .charge(Charge::new(&id, "tokens", 1_000.0))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(402), "{err}");
    assert_eq!(err.code(), Some("SPENDING_CAP_EXCEEDED"));
    assert!(!err.is_retryable());
    assert!(
        env.emulator.charges().is_empty(),
        "a blocked charge stores nothing"
    );
    client
        .charge(Charge::new(&id, "tokens", 400.0))
        .await
        .unwrap();

    let daily = client
        .set_spending_cap(&id, SetSpendingCap::new(CapType::Daily, 0.1))
        .await
        .unwrap();
    let caps = client.list_spending_caps(&id).await.unwrap().caps;
    assert_eq!(caps.len(), 2);
    client
        .charge(Charge::new(&id, "tokens", 400.0))
        .await
        .unwrap();
    // 0.08 charged today; 0.04 more would pass the single cap but not the daily one.
    let err = client
        .charge_async(Charge::new(&id, "tokens", 400.0))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SPENDING_CAP_EXCEEDED"), "{err}");

    // A non-blocking cap does not refuse.
    client
        .set_spending_cap(
            &id,
            SetSpendingCap::new(CapType::Daily, 0.1).auto_block(false),
        )
        .await
        .unwrap();
    client
        .charge(Charge::new(&id, "tokens", 400.0))
        .await
        .unwrap();
    assert_eq!(
        client.list_spending_caps(&id).await.unwrap().caps.len(),
        2,
        "same type replaces"
    );

    assert!(
        client
            .remove_spending_cap(&id, &single.id)
            .await
            .unwrap()
            .success
    );
    let removed_daily = client
        .remove_spending_cap(&id, &daily.id)
        .await
        .unwrap_err();
    assert_eq!(removed_daily.status(), Some(404), "replaced caps are gone");
    client
        .charge(Charge::new(&id, "tokens", 1_000.0))
        .await
        .unwrap();
    assert_eq!(client.list_spending_caps(&id).await.unwrap().caps.len(), 1);

    for bad in [f64::NAN, 0.0, -5.0, f64::INFINITY] {
        let err = client
            .set_spending_cap(&id, SetSpendingCap::new(CapType::Monthly, bad))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Validation {
                    field: "limitValue",
                    ..
                }
            ),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn customer_entitlements_are_assigned_and_read_back() {
    let env = client_support::start().await;
    for (kind, client) in env.both() {
        let id = customer(client, &format!("ent_{kind}")).await;
        let none = client.customer_entitlement(&id).await.unwrap_err();
        assert_eq!(none.status(), Some(404), "{kind}");
        client
            .set_customer_entitlement(&id, AssignEntitlement::new("plan_basic"))
            .await
            .unwrap();
        client
            .set_customer_entitlement(&id, AssignEntitlement::new("plan_pro"))
            .await
            .unwrap();
        assert_eq!(
            client.customer_entitlement(&id).await.unwrap().plan_id,
            "plan_pro"
        );
        let err = client
            .set_customer_entitlement(&id, AssignEntitlement::new(""))
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Validation {
                field: "planId",
                ..
            }
        ));
    }
}

#[tokio::test]
async fn charges_are_listed_with_filters_and_pages_and_read_by_id() {
    use drip_runtime::model::ListCharges;
    let env = client_support::start().await;
    for q in [1.0, 2.0, 3.0] {
        env.pk
            .charge(Charge::new("cus_a", "tokens", q))
            .await
            .unwrap();
    }
    let pending = env
        .pk
        .charge_async(Charge::new("cus_b", "tokens", 4.0))
        .await
        .unwrap();
    for (kind, client) in env.both() {
        let a = client
            .list_charges(ListCharges::new().customer("cus_a").limit(2))
            .await
            .unwrap();
        assert_eq!((a.data.len(), a.total), (2, Some(3)), "{kind}");
        let rest = client
            .list_charges(ListCharges::new().customer("cus_a").limit(2).offset(2))
            .await
            .unwrap();
        assert_eq!(rest.data[0].quantity, Some(3.0));
        let p = client
            .list_charges(ListCharges::new().status(ChargeStatus::Pending))
            .await
            .unwrap();
        assert_eq!(p.data.len(), 1);
        assert_eq!(p.data[0].id, pending.charge.id);
        let one = client.charge_by_id(&pending.charge.id).await.unwrap();
        assert_eq!(one.customer_id.as_deref(), Some("cus_b"));
    }
    let q = &env.requests("GET", "/v1/charges")[0].path_and_query;
    assert_eq!(q, "/v1/charges?customerId=cus_a&limit=2");
    assert_eq!(
        env.pk.charge_by_id("chg_none").await.unwrap_err().status(),
        Some(404)
    );
    let bad = env
        .pk
        .list_charges(ListCharges::new().limit(0))
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::Validation { field: "limit", .. }));
}

#[tokio::test]
async fn meters_price_charges_and_estimates() {
    use drip_runtime::model::{CostFromUsage, EstimateItem, HypotheticalCost, TrackUsage};
    let env = client_support::start().await;
    env.emulator.set_pricing_plan("tokens", 0.5);
    let meters = env.pk.list_meters().await.unwrap();
    assert_eq!(meters.data.len(), 1);
    assert_eq!(meters.data[0].meter, "tokens");
    assert_eq!(meters.data[0].unit_price_usd.as_deref(), Some("0.5"));
    let c = env
        .pk
        .charge(Charge::new("cus_1", "tokens", 4.0))
        .await
        .unwrap();
    assert_eq!(
        c.charge.amount_usdc.as_deref(),
        Some("2"),
        "priced by the plan"
    );

    env.pk
        .track_usage(TrackUsage::new("cus_1", "tokens", 10.0))
        .await
        .unwrap();
    env.pk
        .track_usage(TrackUsage::new("cus_1", "calls", 3.0))
        .await
        .unwrap();
    let period =
        CostFromUsage::new("2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z").customer("cus_1");
    let e = env
        .pk
        .estimate_cost_from_usage(period.clone().default_unit_price(1.0))
        .await
        .unwrap();
    // tokens 10 × 0.5 (plan) + calls 3 × 1 (default); the charged 4 tokens are left out.
    assert_eq!(e.total(), Some(8.0), "{e:?}");
    let e = env
        .sk
        .estimate_cost_from_usage(
            period
                .include_charged_events(true)
                .meters(["tokens"])
                .custom_price("tokens", 2.0),
        )
        .await
        .unwrap();
    assert_eq!(e.total(), Some(28.0), "{e:?}");
    assert_eq!(e.line_items.len(), 1);

    let h = env
        .pk
        .estimate_hypothetical_cost(
            HypotheticalCost::new([
                EstimateItem::new("tokens", 100.0),
                EstimateItem::new("calls", 2.0).unit_price(3.0),
            ])
            .default_unit_price(0.25),
        )
        .await
        .unwrap();
    assert_eq!(h.total(), Some(56.0), "{h:?}");

    for bad in [
        HypotheticalCost::new([]),
        HypotheticalCost::new([EstimateItem::new("tokens", f64::NAN)]),
        HypotheticalCost::new([EstimateItem::new("tokens", 1.0)]).default_unit_price(-1.0),
        HypotheticalCost::new([EstimateItem::new("tokens", 1.0).unit_price(f64::INFINITY)]),
    ] {
        let err = env.pk.estimate_hypothetical_cost(bad).await.unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{err}");
    }
    let err = env
        .pk
        .estimate_cost_from_usage(CostFromUsage::new("yesterday", "2999-01-01T00:00:00Z"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Validation {
            field: "periodStart",
            ..
        }
    ));
}
