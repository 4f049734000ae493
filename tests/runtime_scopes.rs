//! Two independent runtimes in one process: each scope's runs, tool calls and
//! metered usage reach its own emulator with its own key, runs carried into
//! spawned tasks stay with the runtime they started under, the innermost
//! scope wins, and the global runtime gets only what ran outside the scopes.

use drip::Runtime;
use std::time::Duration;

#[drip::tool]
async fn lookup(n: u32) -> u32 {
    tokio::task::yield_now().await;
    n + 1
}

#[drip::tool(customer = account, meter = "pages")]
fn render(account: &str) -> u32 {
    account.len() as u32
}

#[drip::run(customer = customer, workflow = "scoped")]
async fn agent(customer: &str) -> u32 {
    // Carried into a task that may run on the other worker thread.
    drip::spawn(lookup(1)).await.unwrap_or(0) + lookup(2).await
}

#[path = "support/tenant.rs"]
mod tenant;
use tenant::Tenant;

/// The customers of the runs `tenant` received, sorted.
fn customers(tenant: &Tenant) -> Vec<String> {
    let mut c: Vec<_> = tenant
        .emulator
        .runs()
        .into_iter()
        .map(|r| r.customer_id)
        .collect();
    c.sort();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runtimes_deliver_what_ran_in_their_scopes_and_nothing_else() {
    let (global, a, b) = (
        Tenant::new("runtime-scopes", "global"),
        Tenant::new("runtime-scopes", "a"),
        Tenant::new("runtime-scopes", "b"),
    );
    let guard = drip::init(global.config()).expect("init");
    let rt_a = Runtime::start(a.config()).expect("runtime a");
    let rt_b = Runtime::start(b.config()).expect("runtime b");
    assert_ne!(a.emulator.secret_key(), b.emulator.secret_key());

    agent("cus_global").await;
    {
        let _a = rt_a.enter();
        agent("cus_a1").await;
        render("acct_a");
        {
            let _b = rt_b.enter();
            agent("cus_b1").await;
        }
        agent("cus_a2").await;
        // A run started inside the scope and carried by drip::spawn keeps
        // its runtime even when polled after the scope has ended.
        let carried = drip::spawn(agent("cus_a3"));
        drop(_a);
        carried.await.expect("task");
    }
    {
        let _b = rt_b.enter();
        agent("cus_b2").await;
    }
    agent("cus_global2").await;

    for (rt, tenant) in [(&rt_a, &a), (&rt_b, &b)] {
        let report = rt.flush(Duration::from_secs(30)).await;
        assert!(report.is_complete(), "{report:?}");
        assert_eq!(
            tenant.emulator.events().len(),
            tenant.emulator.runs().len() * 2
        );
    }
    let report = drip::flush(Duration::from_secs(30)).await;
    assert!(report.is_complete(), "{report:?}");

    assert_eq!(customers(&a), ["cus_a1", "cus_a2", "cus_a3"]);
    assert_eq!(customers(&b), ["cus_b1", "cus_b2"]);
    assert_eq!(customers(&global), ["cus_global", "cus_global2"]);
    let usage = a.emulator.usage();
    assert_eq!(usage.len(), 1, "the metered call went to scope a's runtime");
    assert_eq!(usage[0].customer_id, "acct_a");
    assert!(b.emulator.usage().is_empty() && global.emulator.usage().is_empty());

    // Each runtime counts only its own deliveries (items: events and usage records).
    let items = |t: &Tenant| (t.emulator.events().len() + t.emulator.usage().len()) as u64;
    assert_eq!(rt_a.stats().sent, items(&a));
    assert_eq!(rt_b.stats().sent, items(&b));
    assert_eq!(drip::stats().sent, items(&global));
    assert!(
        rt_a.client()
            .is_some_and(|c| c.base_url() == a.emulator.base_url())
    );

    assert!(rt_a.shutdown(Duration::from_secs(5)).is_complete());
    assert!(!rt_a.stats().running);
    drop(rt_b);
    guard.shutdown();
}
