//! Starting and stopping from every kind of caller, persistence, the binary, entitlements.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::Api;
use drip_emulator::Emulator;
use serde_json::json;

fn health(origin: &str) -> u16 {
    // A blocking probe that needs no runtime: raw HTTP/1.1 over std.
    use std::io::{Read, Write};
    let addr = origin.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn starts_and_stops_without_any_runtime() {
    let emu = Emulator::builder().start_blocking().unwrap();
    assert_eq!(health(&emu.origin()), 200);
    let origin = emu.origin();
    drop(emu);
    assert!(std::net::TcpStream::connect(origin.trim_start_matches("http://")).is_err());
}

#[test]
fn the_server_stops_when_the_last_clone_is_dropped() {
    let emu = Emulator::builder().start_blocking().unwrap();
    let clone = emu.clone();
    let origin = emu.origin();
    drop(emu);
    assert_eq!(
        health(&origin),
        200,
        "a live clone keeps the server running"
    );
    drop(clone);
    assert!(std::net::TcpStream::connect(origin.trim_start_matches("http://")).is_err());
}

#[tokio::test(flavor = "current_thread")]
async fn serves_a_current_thread_runtime_caller() {
    // The server must not need the caller's (single) thread to make progress.
    let api = Api::start();
    let a = api
        .post(
            "/usage/internal",
            json!({"customerId": "c", "usageType": "t", "quantity": 1}),
        )
        .await;
    assert_eq!(a.status, 200);
}

#[test]
fn outlives_the_runtime_that_started_it() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(Emulator::start()).unwrap();
    drop(rt);
    assert_eq!(health(&emu.origin()), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_share_one_server_across_tasks() {
    let api = Api::start();
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let emu = api.emu.clone();
            let http = api.http.clone();
            tokio::spawn(async move {
                http.post(format!("{}/usage/internal", emu.base_url()))
                    .bearer_auth(emu.public_key())
                    .header("content-type", "application/json")
                    .body(json!({"customerId": "c", "usageType": "t", "quantity": n, "idempotencyKey": format!("k{n}")}).to_string())
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 200);
    }
    assert_eq!(api.emu.usage().len(), 8);
}

#[test]
fn a_taken_port_is_a_bind_error() {
    let first = Emulator::builder().start_blocking().unwrap();
    let err = Emulator::builder()
        .port(first.port())
        .start_blocking()
        .unwrap_err();
    assert!(
        matches!(err, drip_emulator::EmulatorError::Bind { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn persistence_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("drip-emulator-persist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");

    let start = || {
        Api::with(
            Emulator::builder()
                .persist(&path)
                .public_key("pk_test_persisted")
                .secret_key("sk_test_persisted")
                .start_blocking()
                .unwrap(),
        )
    };
    let api = start();
    api.post("/customers", json!({"externalCustomerId": "u1"}))
        .await;
    api.post(
        "/usage/internal",
        json!({"customerId": "c", "usageType": "t", "quantity": 3, "idempotencyKey": "u-1"}),
    )
    .await;
    let rec = api.post("/runs/record", json!({"customerId": "c", "workflow": "flow", "status": "COMPLETED", "externalRunId": "ext-1",
        "events": [{"eventType": "llm.call", "idempotencyKey": "e-1", "metadata": {"model": "m", "n": [1, 2.5]}}]})).await;
    assert_eq!(rec.status, 201);
    let events_before = api.emu.events();
    api.emu.set_entitlement_limit("t", 10);
    api.emu.shutdown();
    drop(api);
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["state.json"], "only the snapshot is left behind");

    let api = start();
    assert_eq!(api.emu.customers().len(), 1);
    assert_eq!(api.emu.runs().len(), 1);
    assert_eq!(api.emu.events(), events_before, "events reload exactly");
    // Indexes are rebuilt: lookups, conflicts and dedupe still work after the reload.
    assert_eq!(
        api.post("/customers", json!({"externalCustomerId": "u1"}))
            .await
            .status,
        409
    );
    let again = api
        .post(
            "/usage/internal",
            json!({"customerId": "c", "usageType": "t", "quantity": 3, "idempotencyKey": "u-1"}),
        )
        .await;
    assert_eq!(again.body["isDuplicate"], true);
    let rec = api.post("/runs/record", json!({"customerId": "c", "workflow": "flow", "status": "COMPLETED", "externalRunId": "ext-1"})).await;
    assert_eq!(rec.body["isDuplicate"], true);
    let run_id = api.emu.runs()[0].id.clone();
    let dup = api
        .post(
            "/run-events",
            json!({"runId": run_id, "eventType": "llm.call", "idempotencyKey": "e-1"}),
        )
        .await;
    assert_eq!(
        dup.body["isDuplicate"], true,
        "event keys are indexed after a reload"
    );
    assert_eq!(dup.body["id"], events_before[0].id.as_str());
    let timeline = api.get(&format!("/runs/{run_id}/timeline")).await;
    assert_eq!(timeline.body["summary"]["totalEvents"], 1);
    let fresh = api
        .post("/customers", json!({"externalCustomerId": "u2"}))
        .await;
    assert_ne!(
        fresh.body["id"],
        api.emu.customers()[0].id.as_str(),
        "ids keep counting after a reload"
    );
    let check = api
        .post(
            "/entitlements/check",
            json!({"customerId": "c", "featureKey": "t", "quantity": 1}),
        )
        .await;
    assert_eq!(check.body["remaining"], 7);

    // Debounced snapshots land without a shutdown too.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.contains("\"u2\"") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "snapshot never written"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(api);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_corrupt_snapshot_is_a_clear_error() {
    let path =
        std::env::temp_dir().join(format!("drip-emulator-corrupt-{}.json", std::process::id()));
    std::fs::write(&path, b"not json").unwrap();
    let err = Emulator::builder()
        .persist(&path)
        .start_blocking()
        .unwrap_err();
    assert!(
        matches!(err, drip_emulator::EmulatorError::Persist { .. }),
        "{err}"
    );
    std::fs::remove_file(&path).ok();
}

#[tokio::test]
async fn entitlement_quota_is_consumed_by_tracked_usage() {
    let api = Api::start();
    let check = |q: f64| {
        api.post(
            "/entitlements/check",
            json!({"customerId": "cus_1", "featureKey": "searches", "quantity": q}),
        )
    };
    let open = check(1.0).await;
    assert_eq!(open.body["allowed"], true);
    assert_eq!(open.body["unlimited"], true);
    assert_eq!(open.body["limit"], -1);
    for field in ["featureKey", "remaining", "period", "periodResetsAt"] {
        assert!(open.body.get(field).is_some(), "missing {field}");
    }

    api.emu.set_entitlement_limit("searches", 5);
    api.post(
        "/usage/internal",
        json!({"customerId": "cus_1", "usageType": "searches", "quantity": 4}),
    )
    .await;
    let near = check(1.0).await;
    assert_eq!(
        (
            near.body["allowed"].as_bool(),
            near.body["remaining"].as_i64()
        ),
        (Some(true), Some(1))
    );
    let over = check(2.0).await;
    assert_eq!(over.body["allowed"], false);
    assert!(over.body["reason"].as_str().is_some());

    // A per-customer quota overrides the global one; others keep the global quota.
    api.emu
        .set_customer_entitlement_limit("cus_1", "searches", 100);
    assert_eq!(check(2.0).await.body["allowed"], true);
    let other = api
        .post(
            "/entitlements/check",
            json!({"customerId": "cus_2", "featureKey": "searches", "quantity": 6}),
        )
        .await;
    assert_eq!(other.body["allowed"], false);

    let admin = api
        .call(
            reqwest::Method::POST,
            "/_emulator/entitlements",
            common::Key::Secret,
            Some(&json!({"featureKey": "searches", "limit": 0, "customerId": "cus_1"})),
        )
        .await;
    assert_eq!(admin.status, 200);
    assert_eq!(check(1.0).await.body["allowed"], false);
    let bad = api
        .post("/entitlements/check", json!({"customerId": "cus_1"}))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["error"].as_str().unwrap().contains("featureKey"));
}

#[test]
fn binary_rejects_bad_arguments_with_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_drip-emulator"))
        .args(["--port", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a port number"), "{stderr}");
    assert!(stderr.contains("usage: drip-emulator"), "{stderr}");
}

/// Kills the spawned binary even when an assertion fails first.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

#[test]
fn binary_prints_url_and_keys_and_serves() {
    let child = Command::new(env!("CARGO_BIN_EXE_drip-emulator"))
        .args([
            "--port",
            "0",
            "--public-key",
            "pk_test_from_cli",
            "--secret-key",
            "sk_test_from_cli",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("Press Ctrl-C");
        printed.push(line);
        if done {
            break;
        }
    }
    let text = printed.join("\n");
    let url = printed
        .iter()
        .find_map(|l| l.trim().strip_prefix("export DRIP_API_URL="))
        .expect("base URL printed")
        .to_owned();
    assert!(
        printed
            .iter()
            .any(|l| l.trim() == "export DRIP_API_KEY=sk_test_from_cli"),
        "the key line to export: {text}"
    );
    assert!(
        text.contains("pk_test_from_cli") && text.contains("sk_test_from_cli"),
        "{text}"
    );
    assert_eq!(health(url.trim_end_matches("/v1")), 200);
    drop(child);
}
