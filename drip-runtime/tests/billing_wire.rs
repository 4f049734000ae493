//! Per billing operation, what goes on the wire checked against the spec
//! (`drip-api.md` §0, §2.7, §2.19): method, path, query keys and body keys,
//! read back from the emulator's request log.

mod client_support;

use client_support::Env;
use drip_runtime::Client;
use drip_runtime::model::{
    AssignEntitlement, CapType, Charge, ChargeStatus, CostFromUsage, CreateCustomer, EstimateItem,
    HypotheticalCost, ListCharges, SetSpendingCap,
};
use std::collections::BTreeSet;
use std::future::Future;

/// One operation's expected shape. Path segments in braces match any id.
struct Spec {
    method: &'static str,
    path: &'static str,
    query: &'static [&'static str],
    /// Keys that must be in the body; `None`: no body at all.
    required: Option<&'static [&'static str]>,
    /// Keys that may be in the body besides the required ones.
    optional: &'static [&'static str],
}

const NO_BODY: Option<&[&str]> = None;

fn path_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
}

/// Runs `op` and checks that it sent exactly one request, shaped as `spec` says.
async fn check<T, F: Future<Output = drip_runtime::Result<T>>>(
    env: &Env,
    name: &str,
    spec: Spec,
    op: F,
) -> T {
    env.emulator.clear_requests();
    let out = op.await.unwrap_or_else(|e| panic!("{name}: {e}"));
    let requests = env.emulator.requests();
    assert_eq!(requests.len(), 1, "{name}: one request");
    let r = &requests[0];
    assert_eq!(r.method, spec.method, "{name}");
    let (path, query) = r
        .path_and_query
        .split_once('?')
        .unwrap_or((&r.path_and_query, ""));
    let path = path.strip_prefix("/v1").unwrap_or(path);
    assert!(
        path_matches(spec.path, path),
        "{name}: {path} is not {}",
        spec.path
    );
    let sent_query: BTreeSet<&str> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split('=').next().unwrap_or(p))
        .collect();
    let allowed: BTreeSet<&str> = spec.query.iter().copied().collect();
    assert!(
        sent_query.is_subset(&allowed),
        "{name}: query {sent_query:?}"
    );
    match spec.required {
        None => assert!(r.body.is_empty(), "{name}: no body expected"),
        Some(required) => {
            let body = r.body_json().unwrap_or_else(|| panic!("{name}: JSON body"));
            let keys: BTreeSet<&str> = body
                .as_object()
                .unwrap_or_else(|| panic!("{name}: object body"))
                .keys()
                .map(String::as_str)
                .collect();
            for k in required {
                assert!(keys.contains(k), "{name}: `{k}` missing from {keys:?}");
            }
            let known: BTreeSet<&str> = required.iter().chain(spec.optional).copied().collect();
            assert!(keys.is_subset(&known), "{name}: unknown keys in {keys:?}");
        }
    }
    out
}

const CHARGE_BODY: &[&str] = &["customerId", "usageType", "quantity", "idempotencyKey"];

#[tokio::test]
async fn every_billing_operation_sends_the_spec_shape() {
    let env = client_support::start().await;
    let c: &Client = &env.pk;
    let id = c
        .create_customer(CreateCustomer::external("wire"))
        .await
        .unwrap()
        .id;
    let mut meta = drip_runtime::Metadata::new();
    meta.insert("region", "eu");

    let charge = Spec {
        method: "POST",
        path: "/usage",
        query: &[],
        required: Some(CHARGE_BODY),
        optional: &["metadata"],
    };
    check(
        &env,
        "charge",
        charge,
        c.charge(Charge::new(&id, "tokens", 5.0).metadata(meta)),
    )
    .await;
    let charge_async = Spec {
        method: "POST",
        path: "/usage/async",
        query: &[],
        required: Some(CHARGE_BODY),
        optional: &["metadata"],
    };
    check(
        &env,
        "charge_async",
        charge_async,
        c.charge_async(Charge::new(&id, "tokens", 5.0)),
    )
    .await;
    let balance = Spec {
        method: "GET",
        path: "/customers/{id}/balance",
        query: &[],
        required: NO_BODY,
        optional: &[],
    };
    check(&env, "balance", balance, c.balance(&id)).await;
    let set_cap = Spec {
        method: "PUT",
        path: "/customers/{id}/spending-cap",
        query: &[],
        // Always sent, as Py-full does: the server's default is not the SDKs' concern.
        required: Some(&["capType", "limitValue", "autoBlock"]),
        optional: &[],
    };
    let cap = check(
        &env,
        "set_spending_cap",
        set_cap,
        c.set_spending_cap(&id, SetSpendingCap::new(CapType::Monthly, 100.0)),
    )
    .await;
    let list_caps = Spec {
        method: "GET",
        path: "/customers/{id}/spending-caps",
        query: &[],
        required: NO_BODY,
        optional: &[],
    };
    check(
        &env,
        "list_spending_caps",
        list_caps,
        c.list_spending_caps(&id),
    )
    .await;
    let remove_cap = Spec {
        method: "DELETE",
        path: "/customers/{id}/spending-caps/{capId}",
        query: &[],
        required: NO_BODY,
        optional: &[],
    };
    check(
        &env,
        "remove_spending_cap",
        remove_cap,
        c.remove_spending_cap(&id, &cap.id),
    )
    .await;
    let provision = Spec {
        method: "POST",
        path: "/customers/{id}/provision",
        query: &[],
        required: Some(&[]),
        optional: &[],
    };
    check(
        &env,
        "provision_customer",
        provision,
        c.provision_customer(&id),
    )
    .await;
    let sync = Spec {
        method: "POST",
        path: "/customers/{id}/sync-balance",
        query: &[],
        required: Some(&[]),
        optional: &[],
    };
    check(
        &env,
        "sync_customer_balance",
        sync,
        c.sync_customer_balance(&id),
    )
    .await;
    let assign = Spec {
        method: "PUT",
        path: "/customers/{id}/entitlement",
        query: &[],
        required: Some(&["planId"]),
        optional: &[],
    };
    check(
        &env,
        "set_customer_entitlement",
        assign,
        c.set_customer_entitlement(&id, AssignEntitlement::new("plan_pro")),
    )
    .await;
    let entitlement = Spec {
        method: "GET",
        path: "/customers/{id}/entitlement",
        query: &[],
        required: NO_BODY,
        optional: &[],
    };
    check(
        &env,
        "customer_entitlement",
        entitlement,
        c.customer_entitlement(&id),
    )
    .await;
    let list_charges = Spec {
        method: "GET",
        path: "/charges",
        query: &["customerId", "status", "limit", "offset"],
        required: NO_BODY,
        optional: &[],
    };
    let query = ListCharges::new()
        .customer(&id)
        .status(ChargeStatus::Confirmed)
        .limit(5)
        .offset(0);
    let page = check(&env, "list_charges", list_charges, c.list_charges(query)).await;
    let charge = Spec {
        method: "GET",
        path: "/charges/{id}",
        query: &[],
        required: NO_BODY,
        optional: &[],
    };
    check(
        &env,
        "charge_by_id",
        charge,
        c.charge_by_id(&page.data[0].id),
    )
    .await;
    let meters = Spec {
        method: "GET",
        path: "/pricing-plans",
        query: &[],
        required: NO_BODY,
        optional: &[],
    };
    check(&env, "list_meters", meters, c.list_meters()).await;
    let from_usage = Spec {
        method: "POST",
        path: "/cost-estimate/from-usage",
        query: &[],
        required: Some(&["periodStart", "periodEnd"]),
        optional: &[
            "customerId",
            "defaultUnitPrice",
            "includeChargedEvents",
            "usageTypes",
            "customPricing",
        ],
    };
    let query = CostFromUsage::new("2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z")
        .customer(&id)
        .default_unit_price(0.1)
        .include_charged_events(true)
        .meters(["tokens"])
        .custom_price("tokens", 0.2);
    check(
        &env,
        "estimate_cost_from_usage",
        from_usage,
        c.estimate_cost_from_usage(query),
    )
    .await;
    let hypothetical = Spec {
        method: "POST",
        path: "/cost-estimate/hypothetical",
        query: &[],
        required: Some(&["items"]),
        optional: &["defaultUnitPrice", "customPricing"],
    };
    let query = HypotheticalCost::new([EstimateItem::new("tokens", 3.0).unit_price(0.1)])
        .default_unit_price(0.1)
        .custom_price("calls", 1.0);
    check(
        &env,
        "estimate_hypothetical_cost",
        hypothetical,
        c.estimate_hypothetical_cost(query),
    )
    .await;
    let item = env.emulator.requests()[0].body_json().unwrap()["items"][0].clone();
    let keys: BTreeSet<String> = item.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["quantity", "unitPriceOverride", "usageType"]
            .map(String::from)
            .into()
    );
}
