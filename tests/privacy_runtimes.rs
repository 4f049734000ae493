//! Privacy settings and counts belong to a runtime (or a client), not to the
//! process: two runtimes with different `allow_metadata` lists, each scoped
//! and delivering to its own emulator, keep them apart; a standalone client
//! applies its own list. And every value crosses one sanitising pass: a
//! hostile value in each envelope kind (record run, stream start, stream
//! events, stream end, usage, charge) is counted exactly once, by the
//! runtime that sent it, and never reaches the wire.

use drip::model::TrackUsage;
use drip::{Client, Metadata, PrivacyCounters, Runtime, StreamMeter, Usage};
use std::time::Duration;

const EMAIL: &str = "jane.roe@example.com";

#[path = "support/tenant.rs"]
mod tenant;
use tenant::Tenant;

/// Every request body `tenant`'s emulator received, as text.
fn wire(tenant: &Tenant) -> String {
    tenant
        .emulator
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn plan_tier() -> Metadata {
    let mut m = Metadata::new();
    m.insert("plan_tier", "pro");
    m.insert("retry_count", 2);
    m
}

#[drip::run(customer = customer, workflow = "tiers")]
async fn tiered(customer: &str) {
    drip::execute("apply the plan", plan_tier());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_runtime_and_client_applies_its_own_allowed_keys() {
    let (a, b) = (
        Tenant::new("privacy-runtimes", "a"),
        Tenant::new("privacy-runtimes", "b"),
    );
    let rt_a = Runtime::start(a.config().allow_metadata(["planTier"])).expect("runtime a");
    let rt_b = Runtime::start(b.config()).expect("runtime b");

    for (rt, customer) in [(&rt_a, "cus_a"), (&rt_b, "cus_b")] {
        {
            let _scope = rt.enter();
            tiered(customer).await;
            Usage::new(customer, "pages", 1.0)
                .expect("usage")
                .metadata(plan_tier())
                .track();
        }
        let mut usage = TrackUsage::new(customer, "seats", 1.0);
        usage.metadata = Some(plan_tier());
        let client = rt.client().expect("the runtime's client");
        client.track_usage(usage).await.expect("tracked");
        let report = rt.flush(Duration::from_secs(30)).await;
        assert!(report.is_complete(), "{report:?}");
    }

    // a: listed, so the run's event, the queued usage and the client's call all carry it.
    let events = a.emulator.events();
    let execute = events.iter().find(|e| e.event_type == "agent.execute");
    let metadata = execute.and_then(|e| e.metadata.as_ref()).expect("metadata");
    assert_eq!(metadata["plan_tier"], "pro", "{metadata}");
    let usage = a.emulator.usage();
    assert_eq!(usage.len(), 2);
    for u in &usage {
        assert_eq!(u.metadata.as_ref().expect("metadata")["plan_tier"], "pro");
    }
    assert_eq!(rt_a.stats().privacy, PrivacyCounters::default());

    // b: not listed, so dropped on each of the three ways out, and counted by b alone.
    assert!(!wire(&b).contains("plan_tier"), "{}", wire(&b));
    let usage = b.emulator.usage();
    assert_eq!(usage.len(), 2);
    for u in &usage {
        assert_eq!(u.metadata.as_ref().expect("metadata")["retry_count"], 2);
    }
    assert_eq!(rt_b.stats().privacy.dropped_keys, 3);
    assert_eq!(rt_a.stats().privacy.dropped_keys, 0);

    // Clients built on their own: the list given to the builder, counted by the client.
    let listed = Client::builder()
        .api_key(b.emulator.secret_key())
        .base_url(b.emulator.base_url())
        .allow_metadata(["plan_tier"])
        .build()
        .expect("client");
    let plain = Client::builder()
        .api_key(b.emulator.secret_key())
        .base_url(b.emulator.base_url())
        .build()
        .expect("client");
    for (client, customer) in [(&listed, "cus_listed"), (&plain, "cus_plain")] {
        let mut usage = TrackUsage::new(customer, "seats", 1.0);
        usage.metadata = Some(plan_tier());
        client.track_usage(usage).await.expect("tracked");
    }
    let sent = |customer: &str| {
        b.emulator
            .usage()
            .into_iter()
            .find(|u| u.customer_id == customer)
            .and_then(|u| u.metadata)
            .expect("metadata")
    };
    assert_eq!(sent("cus_listed")["plan_tier"], "pro");
    assert!(sent("cus_plain").get("plan_tier").is_none());
    assert_eq!(listed.privacy().counters().dropped_keys, 0);
    assert_eq!(plain.privacy().counters().dropped_keys, 1);
    assert_eq!(rt_b.stats().privacy.dropped_keys, 3, "not the runtime's");

    assert!(rt_a.shutdown(Duration::from_secs(5)).is_complete());
    assert!(rt_b.shutdown(Duration::from_secs(5)).is_complete());
}

#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[drip::tool(name = "lookup", metadata(provider = provider))]
fn lookup(provider: &str) -> u32 {
    provider.len() as u32
}

#[drip::tool(name = "render", customer = account, meter = "pages", metadata(provider = provider))]
fn render(account: &str, provider: &str) -> u32 {
    (account.len() + provider.len()) as u32
}

#[drip::run(customer = "cus_once", workflow = "once-record", metadata(region = region))]
async fn record_with_metadata(region: &str) {}

#[drip::run(customer = "cus_once", workflow = "once-record")]
async fn record_with_tool(provider: &str) {
    lookup(provider);
}

#[drip::run(customer = "cus_once", workflow = "once-record", error_message)]
async fn record_failing(message: &str) -> Result<(), Refused> {
    Err(Refused(message.to_owned()))
}

#[drip::run(customer = "cus_once", workflow = "once-stream", stream, metadata(region = region))]
async fn stream_with_metadata(region: &str) {}

#[drip::run(customer = "cus_once", workflow = "once-stream", stream)]
async fn stream_with_tool(provider: &str) {
    lookup(provider);
}

#[drip::run(customer = "cus_once", workflow = "once-stream", stream, error_message)]
async fn stream_failing(message: &str) -> Result<(), Refused> {
    Err(Refused(message.to_owned()))
}

/// (dropped keys, dropped values, redactions, truncations, dropped identifiers)
fn tuple(c: PrivacyCounters) -> [u64; 5] {
    [
        c.dropped_keys,
        c.dropped_values,
        c.redactions,
        c.truncations,
        c.dropped_identifiers,
    ]
}

const ONE_VALUE: [u64; 5] = [0, 1, 0, 0, 0];
const ONE_REDACTION: [u64; 5] = [0, 0, 1, 0, 0];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_value_is_counted_once_in_every_envelope_kind() {
    let tenant = Tenant::new("privacy-runtimes", "once");
    let rt = Runtime::start(tenant.config()).expect("runtime");
    let failure = format!("no account for {EMAIL}");
    let mut meter_metadata = Metadata::new();
    meter_metadata.insert("provider", EMAIL);

    let mut seen = tuple(rt.stats().privacy);
    assert_eq!(seen, [0; 5]);
    let steps: Vec<(&str, [u64; 5])> = vec![
        ("record run: run metadata", ONE_VALUE),
        ("record run: a tool's value", ONE_VALUE),
        ("record run: error message", ONE_REDACTION),
        ("stream start: run metadata", ONE_VALUE),
        ("stream events: a tool's value", ONE_VALUE),
        ("stream end: error message", ONE_REDACTION),
        ("usage: hand-tracked metadata", ONE_VALUE),
        ("usage: a metered tool's value", ONE_VALUE),
        ("charge: a stream meter's metadata", ONE_VALUE),
    ];
    for (step, (what, expected)) in steps.into_iter().enumerate() {
        {
            let _scope = rt.enter();
            match step {
                0 => record_with_metadata(EMAIL).await,
                1 => record_with_tool(EMAIL).await,
                2 => assert!(record_failing(&failure).await.is_err()),
                3 => stream_with_metadata(EMAIL).await,
                4 => stream_with_tool(EMAIL).await,
                5 => assert!(stream_failing(&failure).await.is_err()),
                6 => {
                    let mut m = Metadata::new();
                    m.insert("region", EMAIL);
                    Usage::new("cus_once", "pages", 1.0)
                        .expect("usage")
                        .metadata(m)
                        .track();
                }
                7 => {
                    render("cus_once", EMAIL);
                }
                _ => {
                    let meter = StreamMeter::builder("cus_once", "tokens")
                        .metadata(meter_metadata.clone())
                        .start()
                        .expect("meter");
                    meter.add(5.0).expect("add");
                    assert!(meter.flush().expect("flushed").is_some());
                }
            }
        }
        let report = rt.flush(Duration::from_secs(30)).await;
        assert!(report.is_complete(), "{what}: {report:?}");
        let now = tuple(rt.stats().privacy);
        let delta: Vec<u64> = now.iter().zip(seen).map(|(n, s)| n - s).collect();
        assert_eq!(delta, expected, "{what}: counted once, as one kind");
        seen = now;
    }

    assert!(rt.shutdown(Duration::from_secs(5)).is_complete());
    let wire = wire(&tenant);
    assert!(
        !wire.contains(EMAIL) && !wire.contains("jane.roe"),
        "{wire}"
    );
    // Everything but the refused values arrived.
    assert_eq!(tenant.emulator.runs().len(), 6);
    assert!(wire.contains("no account for [redacted]"), "{wire}");
    assert_eq!(tenant.emulator.usage().len(), 3);
}
