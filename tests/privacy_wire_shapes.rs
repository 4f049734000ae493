//! The privacy contract on the wire for every detected shape and every
//! public entry point: instrumented code (record and stream runs, tools,
//! metered tools, `plan`/`execute`/`error_event`) and each client method,
//! against the emulator; the spool left behind when the server is
//! unreachable; and a fake server that echoes the `Authorization` header
//! (and other registered secrets) back in its error bodies. No shape, nor
//! the API key, the hash key or a webhook secret, appears in any request
//! body, URL or header other than `Authorization`, in the spool, in the
//! dead-letter file, in an `Error`'s `Display`/`Debug`, or in any log line
//! (captured at TRACE).
//!
//! One test in this binary: it installs the global `tracing` subscriber.

use drip::model::{
    CheckEntitlement, CreateCustomer, CreateWebhook, CreateWorkflow, EndRun, Event, RecordRun,
    RunStatus, StartRun, TrackUsage, UpdateWebhook, WebhookFilters,
};
use drip::{Client, Config, Error, Metadata};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// (value as the application passes it, substrings that must never leave).
const SHAPES: &[(&str, &[&str])] = &[
    (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END RSA PRIVATE KEY-----",
        &["PRIVATE KEY", "MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo"],
    ),
    (
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        &["wJalrXUtnFEMI"],
    ),
    (
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        &["whsec_", "MfKQ9r8GKYqrTwjUPD8"],
    ),
    (
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        &["YWxhZGRpbjpvcGVuc2VzYW1l"],
    ),
    (
        "postgres://admin:hunter2hunter2@db.internal/prod",
        &["hunter2hunter2"],
    ),
    ("078-05-1120", &["078-05-1120"]),
    ("529.982.247-25", &["529.982.247-25"]),
    ("GB82 WEST 1234 5698 7654 32", &["5698 7654"]),
    ("203.0.113.77", &["203.0.113.77"]),
    ("2001:db8:85a3::8a2e:370:7334", &["8a2e:370:7334"]),
    ("jane@bücher.de", &["bücher", "b\\u00fccher"]),
    (
        "jane\u{200B}.roe@exam\u{200D}ple.com",
        &["roe@exam", "ple.com", "\\u200b"],
    ),
    ("jane.roe%40example.com", &["roe%40example", "roe@example"]),
    ("+44 20 7946 0958", &["7946 0958"]),
    ("xoxb-1234567890-abcdefghijklmnop", &["xoxb-"]),
    (
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCD",
        &["github_pat_"],
    ),
    (
        "sk-ant-admin01-abcdefghijklmnopqrstuvwxyz012345",
        &["sk-ant-admin01"],
    ),
    (
        "{\"type\": \"service_account\", \"private_key_id\": \"k1\"}",
        &["service_account"],
    ),
];

/// A key whose prefix straddles the 256-character cut.
fn straddling_key() -> String {
    format!("{} sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123", "x".repeat(248))
}

fn needles() -> Vec<String> {
    let mut all: Vec<String> = SHAPES
        .iter()
        .flat_map(|(_, n)| n.iter().map(|s| s.to_string()))
        .collect();
    all.push("sk-proj-".into());
    all
}

const API_KEY: &str = "sk_test_echo_0123456789abcdefABCDEF";
const HASH_KEY: &str = "hash-key-for-the-wire-test-0001";
const WEBHOOK_SECRET: &str = "whsec_registered_by_the_app_0001";

#[path = "support/log_buffer.rs"]
mod log_buffer;
use log_buffer::LogBuffer as Logs;

#[drip::tool(name = "probe", metadata(region = value, route = "static"))]
fn probe(value: &str) -> Result<(), std::io::Error> {
    Err(std::io::Error::other(format!("failed on {value}")))
}

#[drip::tool(name = "probe-with-message", error_message)]
fn probe_with_message(value: &str) -> Result<(), std::io::Error> {
    Err(std::io::Error::other(format!("failed on {value}")))
}

#[drip::tool(name = "metered", customer = customer, meter = "api_calls")]
fn metered(customer: &str) {
    let _ = customer;
}

async fn exercise(shape: &str) {
    drip::plan(&format!("plan for {shape}"));
    let mut m = Metadata::new();
    m.insert("region", shape);
    m.insert("model", shape);
    m.insert("customer_id", shape);
    m.insert("query_hash", shape);
    m.insert("prompt_tokens", shape);
    m.insert("retry_count", 2);
    drip::execute(&format!("executed with {shape}"), m.clone());
    drip::error_event(&format!("failed with {shape}"), m);
    let _ = probe(shape);
    let _ = probe_with_message(shape);
}

#[drip::run(customer = customer, workflow = "shapes-record", error_message)]
async fn record_agent(customer: &str, shape: &str) -> Result<(), std::io::Error> {
    exercise(shape).await;
    Err(std::io::Error::other(format!("run failed: {shape}")))
}

#[drip::run(customer = customer, workflow = "shapes-stream", stream, error_message)]
async fn stream_agent(customer: &str, shape: &str) -> Result<(), std::io::Error> {
    exercise(shape).await;
    Err(std::io::Error::other(format!("run failed: {shape}")))
}

async fn instrumented(shapes: &[String]) {
    for shape in shapes {
        let _ = record_agent("cus_shapes", shape).await;
        let _ = stream_agent("cus_shapes", shape).await;
        metered("cus_shapes");
        // Hand-tracked usage and a stream meter, with the shape in metadata.
        let mut m = Metadata::new();
        m.insert("region", shape.as_str());
        drip::Usage::new("cus_shapes", "api_calls", 1.0)
            .expect("valid usage")
            .metadata(m.clone())
            .track();
        let meter = drip::StreamMeter::builder("cus_shapes", "tokens")
            .metadata(m)
            .start()
            .expect("meter");
        meter.add(1.0).expect("added");
        drop(meter); // the last handle flushes
        // Identifiers carrying a shape: dropped and counted, never sent.
        let _ = record_agent(shape, "plain").await;
        let _ = stream_agent(shape, "plain").await;
        metered(shape);
    }
}

/// Every client method, with `shape` in identifier positions (refused before
/// any request) and in free text and metadata (sanitised).
async fn every_client_method(client: &Client, shape: &str) -> Vec<(&'static str, Error)> {
    let mut m = Metadata::new();
    m.insert("region", shape);
    m.insert("query_hash", shape);
    let mut refused = Vec::new();
    let mut expect_refused = |what: &'static str, r: Result<(), Error>| match r {
        Err(e @ Error::Validation { .. }) => refused.push((what, e)),
        other => panic!("{what} with an identifier carrying {shape:?}: {other:?}"),
    };
    expect_refused(
        "track_usage",
        client
            .track_usage(TrackUsage::new(shape, "api_calls", 1.0))
            .await
            .map(drop),
    );
    expect_refused(
        "track_usage meter",
        client
            .track_usage(TrackUsage::new("cus_1", shape, 1.0))
            .await
            .map(drop),
    );
    expect_refused(
        "start_run",
        client
            .start_run(StartRun::new(shape, "wf_1"))
            .await
            .map(drop),
    );
    expect_refused(
        "start_run correlation",
        client
            .start_run(StartRun::new("cus_1", "wf_1").correlation_id(shape))
            .await
            .map(drop),
    );
    expect_refused(
        "record_run",
        client
            .record_run(RecordRun::new(shape, "wf", RunStatus::Completed))
            .await
            .map(drop),
    );
    expect_refused(
        "create_customer",
        client
            .create_customer(CreateCustomer::external(shape))
            .await
            .map(drop),
    );
    expect_refused("get_customer", client.get_customer(shape).await.map(drop));
    expect_refused(
        "check_entitlement",
        client
            .check_entitlement(CheckEntitlement::new(shape, "feature"))
            .await
            .map(drop),
    );
    expect_refused(
        "create_workflow",
        client
            .create_workflow(CreateWorkflow::new("Shapes", shape))
            .await
            .map(drop),
    );
    expect_refused(
        "emit_event",
        client
            .emit_event(shape, Event::llm_call("gpt-4o", 10))
            .await
            .map(drop),
    );
    expect_refused(
        "emit_event type",
        client
            .emit_event("run_1", Event::new(shape))
            .await
            .map(drop),
    );
    expect_refused(
        "emit_events_batch",
        client
            .emit_events_batch("run_1", vec![Event::new(shape)])
            .await
            .map(drop),
    );
    expect_refused(
        "end_run",
        client.end_run(shape, EndRun::completed()).await.map(drop),
    );
    expect_refused("get_run", client.get_run(shape).await.map(drop));
    expect_refused(
        "resolve_workflow_id",
        client.resolve_workflow_id(shape).await.map(drop),
    );
    if let Ok(admin) = client.admin() {
        expect_refused(
            "create_webhook events",
            admin
                .create_webhook(CreateWebhook::new("https://example.com/h", [shape]))
                .await
                .map(drop),
        );
        expect_refused(
            "create_webhook filter",
            admin
                .create_webhook(
                    CreateWebhook::new("https://example.com/h", ["usage.recorded"])
                        .filters(WebhookFilters::new().customer_ids([shape])),
                )
                .await
                .map(drop),
        );
        expect_refused(
            "update_webhook",
            admin
                .update_webhook("wh_1", UpdateWebhook::new().events([shape]))
                .await
                .map(drop),
        );
    }

    // Free text and metadata: sent, sanitised.
    let _ = client
        .track_usage(
            TrackUsage::new("cus_shapes", "api_calls", 1.0)
                .description(format!("usage for {shape}"))
                .metadata(m.clone()),
        )
        .await;
    let _ = client
        .create_customer(CreateCustomer::external("cus_shapes_ext").metadata(m.clone()))
        .await;
    let _ = client
        .create_workflow(
            CreateWorkflow::new("Shapes", "shapes-client")
                .description(format!("about {shape}"))
                .metadata(m.clone()),
        )
        .await;
    let _ = client
        .record_run(
            RecordRun::new("cus_shapes", "shapes-client", RunStatus::Failed)
                .error_message(format!("failed with {shape}"))
                .metadata(m.clone())
                .event(Event::execute(format!("ran {shape}"), m.clone())),
        )
        .await;
    if let Ok(run) = client
        .start_run(StartRun::new("cus_shapes", "wf_shapes").metadata(m.clone()))
        .await
    {
        let _ = client
            .emit_event(&run.id, Event::error(format!("saw {shape}"), m.clone()))
            .await;
        let _ = client
            .emit_events_batch(&run.id, vec![Event::plan(format!("plan {shape}"))])
            .await;
        let _ = client
            .end_run(
                &run.id,
                EndRun::new(RunStatus::Failed)
                    .error_message(format!("end {shape}"))
                    .metadata(m.clone()),
            )
            .await;
    }
    refused
}

/// Everything one fake-server connection received, and the echo it sends:
/// a 422 (a permanent refusal, so delivery dead-letters it: 401s are held in the spool) whose body repeats the Authorization header, the hash key and a
/// registered webhook secret.
async fn echo_server() -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}/v1", listener.local_addr().expect("addr"));
    let seen: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    let Some(head_end) = text.find("\r\n\r\n") else {
                        continue;
                    };
                    let length = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if buf.len() < head_end + 4 + length {
                        continue;
                    }
                    let auth = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("authorization")
                                .then(|| v.trim().to_owned())
                        })
                        .unwrap_or_default();
                    log.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(buf.clone());
                    buf.clear();
                    let body = format!(
                        "{{\"message\":\"invalid credentials {auth}; hash {HASH_KEY}; webhook {WEBHOOK_SECRET}\",\"code\":\"{auth}\"}}"
                    );
                    let reply = format!(
                        "HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Echo: {auth}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, seen)
}

fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

fn assert_clean(place: &str, text: &str, secrets: &[&str]) {
    for needle in needles() {
        assert!(
            !text.contains(&needle),
            "{place} carries {needle:?}:\n{text}"
        );
    }
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{place} carries a secret {secret:?}:\n{text}"
        );
    }
}

/// The request without its `Authorization` line.
fn without_authorization(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("authorization:"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drip-wire-shapes-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_shape_and_no_secret_leaves_through_any_entry_point() {
    let logs = Logs::default();
    let writer = logs.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .expect("no other subscriber in this binary");
    drip::privacy::register_secret(WEBHOOK_SECRET);
    let mut shapes: Vec<String> = SHAPES.iter().map(|(s, _)| s.to_string()).collect();
    shapes.push(straddling_key());
    let secrets = [API_KEY, HASH_KEY, WEBHOOK_SECRET];

    // 1. The emulator: instrumented code and every client method.
    let emulator = drip_emulator::Emulator::start().await.expect("emulator");
    let spool = temp_dir("emulator");
    let guard = drip::init(
        Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool)
            .hash_key(HASH_KEY),
    )
    .expect("init");
    instrumented(&shapes).await;
    let report = drip::flush(Duration::from_secs(30)).await;
    drop(guard);
    // The runtime's own counts (`stats` reads the last runtime after shutdown).
    let after = drip::stats().privacy;
    assert!(
        after.dropped_identifiers >= 3 * shapes.len() as u64,
        "runs and usage with a shape as customer id are dropped and counted: {after:?}"
    );
    assert_eq!(report.rejected, 0, "{report:?}");
    let client = Client::builder()
        .api_key(emulator.secret_key())
        .base_url(emulator.base_url())
        .build()
        .expect("client");
    let sent_before = emulator.requests().len();
    for shape in &shapes {
        for (what, error) in every_client_method(&client, shape).await {
            assert_clean(what, &format!("{error} {error:?}"), &secrets);
        }
    }
    let requests = emulator.requests();
    assert!(
        requests.len() > sent_before,
        "the sanitised calls were sent"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.path_and_query.ends_with("/runs/record")),
        "record-mode runs arrived"
    );
    assert!(
        emulator
            .events()
            .iter()
            .any(|e| e.event_type == "tool.call"),
        "tool calls arrived"
    );
    for r in &requests {
        assert_clean(
            &format!("{} {}", r.method, r.path_and_query),
            &format!("{} {}", r.path_and_query, String::from_utf8_lossy(&r.body)),
            &secrets,
        );
    }
    for (path, bytes) in files_under(&spool) {
        assert_clean(
            &path.display().to_string(),
            &String::from_utf8_lossy(&bytes),
            &secrets,
        );
    }
    let _ = std::fs::remove_dir_all(&spool);

    // 2. Nothing answers: what the spool holds.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let unreachable = format!("http://{}/v1", dead.local_addr().expect("addr"));
    drop(dead);
    let spool = temp_dir("unreachable");
    let guard = drip::init(
        Config::new(API_KEY)
            .base_url(unreachable)
            .spool_dir(&spool)
            .hash_key(HASH_KEY),
    )
    .expect("init");
    instrumented(&shapes).await;
    let _ = drip::flush(Duration::from_millis(500)).await;
    drop(guard);
    let spooled = files_under(&spool);
    assert!(
        spooled.iter().any(|(_, b)| !b.is_empty()),
        "the spool kept the undelivered work"
    );
    for (path, bytes) in spooled {
        assert_clean(
            &path.display().to_string(),
            &String::from_utf8_lossy(&bytes),
            &secrets,
        );
    }
    let _ = std::fs::remove_dir_all(&spool);

    // 3. A server that echoes the Authorization header and other secrets.
    let (echo, seen) = echo_server().await;
    let spool = temp_dir("echo");
    let guard = drip::init(
        Config::new(API_KEY)
            .base_url(echo.as_str())
            .spool_dir(&spool)
            .hash_key(HASH_KEY),
    )
    .expect("init");
    let _ = record_agent("cus_echo", "plain").await;
    metered("cus_echo");
    let report = drip::flush(Duration::from_secs(30)).await;
    drop(guard);
    assert!(
        report.rejected > 0,
        "422s (permanent refusals) become dead letters: {report:?}"
    );
    let dead_letters = files_under(&spool);
    assert!(
        dead_letters
            .iter()
            .any(|(p, b)| p.ends_with("dead-letters.jsonl") && !b.is_empty()),
        "a dead-letter file was written"
    );
    for (path, bytes) in dead_letters {
        let text = String::from_utf8_lossy(&bytes);
        assert_clean(&path.display().to_string(), &text, &secrets);
    }
    let _ = std::fs::remove_dir_all(&spool);
    let echo_client = Client::builder()
        .api_key(API_KEY)
        .base_url(echo.as_str())
        .retry(drip::RetryPolicy::none())
        .build()
        .expect("client");
    let echoed = [
        echo_client.get_customer("cus_1").await.map(drop),
        echo_client
            .track_usage(TrackUsage::new("cus_1", "api_calls", 1.0))
            .await
            .map(drop),
        echo_client.ping().await.map(drop),
    ];
    for result in echoed {
        if let Err(error) = result {
            assert_clean(
                "an error from the echoing server",
                &format!("{error} {error:?}"),
                &secrets,
            );
            assert!(
                format!("{error}").contains("[redacted]") || error.status() != Some(422),
                "the echo was scrubbed, not hidden: {error}"
            );
        }
    }
    for raw in seen.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        assert!(
            String::from_utf8_lossy(raw).contains(&format!("Bearer {API_KEY}")),
            "the key travels in Authorization"
        );
        assert_clean(
            "a request to the echoing server",
            &without_authorization(raw),
            &secrets,
        );
    }

    // 4. Nor in any log line, at any level.
    let logs =
        String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(!logs.is_empty());
    assert_clean("the TRACE log", &logs, &secrets);
}
