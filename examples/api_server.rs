//! An axum API metered and gated by drip, against the embedded emulator.
//!
//! `cargo run --example api_server --features tower`
//!
//! Each request names its customer in `x-customer-id` (in a real service the
//! authentication middleware would put it in an extension instead, see
//! `drip::tower::CustomerFrom::extension`). Successful requests are billed on
//! the `searches` meter; the `searches` feature is limited to 2 per customer.

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use drip::tower::{CustomerFrom, DripLayer, EntitlementLayer, WhenUnavailable};
use std::time::Duration;

#[drip::tool(name = "index-lookup")]
async fn index_lookup(topic: &str) -> usize {
    topic.len()
}

async fn search(Path(topic): Path<String>) -> String {
    let hits = index_lookup(&topic).await;
    drip::llm_call("gpt-4o-mini", 250);
    format!("{hits} results\n")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = drip_emulator::Emulator::builder().start().await?;
    emulator.set_entitlement_limit("searches", 2);
    let spool = std::env::temp_dir().join(format!("drip-api-server-{}", std::process::id()));
    let guard = drip::init(
        drip::Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool),
    )?;
    let client = drip::Client::builder()
        .api_key(emulator.secret_key())
        .base_url(emulator.base_url())
        .build()?;

    // The lines a service adds:
    let customer = CustomerFrom::header("x-customer-id");
    let app = Router::new()
        .route("/v1/search/{topic}", get(search))
        .layer(
            DripLayer::builder(customer.clone())
                .meter("searches")
                .build()?,
        )
        .layer(
            EntitlementLayer::builder(client, "searches", customer)
                .ttl(Duration::ZERO)
                .when_unavailable(WhenUnavailable::Allow)
                .build()?,
        );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("serving on http://{addr}");

    let http = reqwest::Client::new();
    for (customer, topic) in [
        ("cus_acme", "rust"),
        ("cus_acme", "tokio"),
        ("", "anon"),
        ("cus_acme", "axum"),
    ] {
        let mut req = http.get(format!("http://{addr}/v1/search/{topic}?session=secret"));
        if !customer.is_empty() {
            req = req.header("x-customer-id", customer);
        }
        let res = req.send().await?;
        println!("{customer:>9} GET /v1/search/{topic} -> {}", res.status());
        // Let the billed usage reach Drip before the next quota check.
        drip::flush(Duration::from_secs(5)).await;
    }

    for u in emulator.usage() {
        println!(
            "billed: {} {} x{} (route {:?})",
            u.customer_id,
            u.usage_type,
            u.quantity,
            u.metadata.as_ref().map(|m| m["route"].clone())
        );
    }
    let requests = drip::stats().requests;
    println!(
        "runs: {}, without customer: {}, entitlement allowed/refused: {}/{}",
        emulator.runs().len(),
        requests.without_customer,
        requests.entitlement_allowed,
        requests.entitlement_refused
    );
    drop(guard);
    let _ = std::fs::remove_dir_all(&spool);
    Ok(())
}
