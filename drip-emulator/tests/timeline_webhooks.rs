//! Timelines (shape, pagination, summary) and webhooks (scope, CRUD, signed test delivery).

mod common;

use common::{Api, Key};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn timeline_pages_through_every_event_once() {
    let api = Api::start();
    let run = api.run("flow").await;
    let events: Vec<Value> = (0..7)
        .map(|n| {
            let kind = if n % 3 == 0 { "tool.call" } else { "llm.call" };
            json!({"runId": run, "eventType": kind, "quantity": n, "costUnits": 0.5, "idempotencyKey": format!("k{n}"),
                   "metadata": {"name": "search", "duration_ms": 12, "status": if n == 6 { "error" } else { "ok" }}})
        })
        .collect();
    assert_eq!(
        api.post("/run-events/batch", json!({"events": events}))
            .await
            .body["created"],
        7
    );

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/runs/{run}/timeline?limit=3&cursor={c}"),
            None => format!("/runs/{run}/timeline?limit=3"),
        };
        let page = api.get(&path).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        pages += 1;
        assert_eq!(page.body["summary"]["totalEvents"], 7);
        for e in page.body["events"].as_array().unwrap() {
            seen.push(e["id"].as_str().unwrap().to_owned());
        }
        if page.body["hasMore"] == false {
            assert_eq!(page.body["nextCursor"], Value::Null);
            break;
        }
        cursor = Some(page.body["nextCursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(pages, 3);
    let stored: Vec<String> = api.emu.events().into_iter().map(|e| e.id).collect();
    assert_eq!(seen, stored);

    let full = api
        .get(&format!(
            "/runs/{run}/timeline?includeAnomalies=true&collapseRetries=false"
        ))
        .await;
    let body = &full.body;
    assert_eq!(body["runId"], run.as_str());
    assert_eq!(body["workflowName"], "flow");
    assert_eq!(
        body["summary"]["byType"],
        json!({"llm.call": 4, "tool.call": 3})
    );
    assert_eq!(
        body["summary"]["byOutcome"],
        json!({"SUCCESS": 6, "FAILED": 1})
    );
    assert_eq!(body["summary"]["failedEvents"], 1);
    assert_eq!(body["summary"]["totalCostUsdc"], "3.5");
    let first = &body["events"][0];
    assert_eq!(first["eventType"], "tool.call");
    assert_eq!(first["actionName"], "search");
    assert_eq!(first["durationMs"], 12);
    assert_eq!(first["outcome"], "SUCCESS");
    assert_eq!(first["metadata"]["usageType"], "tool.call");
    assert_eq!(first["metadata"]["quantity"], 0.0);
    assert_eq!(body["anomalies"].as_array().unwrap().len(), 1);
    assert_eq!(
        body["anomalies"][0]["relatedEventIds"][0],
        body["events"][6]["id"]
    );
    let without = api.get(&format!("/runs/{run}/timeline")).await;
    assert_eq!(without.body["anomalies"], json!([]));
}

#[tokio::test]
async fn timeline_rejects_bad_parameters() {
    let api = Api::start();
    let run = api.run("flow").await;
    for query in [
        "limit=0",
        "limit=501",
        "limit=abc",
        "cursor=bogus",
        "includeAnomalies=yes",
    ] {
        let a = api.get(&format!("/runs/{run}/timeline?{query}")).await;
        assert_eq!(a.status, 400, "{query}");
        assert_eq!(a.body["code"], "VALIDATION_ERROR");
    }
    assert_eq!(
        api.get(&format!("/runs/{run}/timeline?limit=500"))
            .await
            .status,
        200
    );
    assert_eq!(api.get("/runs/run_nope/timeline").await.status, 404);
}

#[tokio::test]
async fn webhook_crud_with_the_secret_key() {
    let api = Api::start();
    let body = json!({"url": "https://example.com/hook", "events": ["usage.recorded", "charge.failed"],
        "description": "billing", "filters": {"usageTypes": ["tokens"]}});
    let a = api.post_secret("/webhooks", body).await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let id = a.body["id"].as_str().unwrap().to_owned();
    let secret = a.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    for field in [
        "url",
        "events",
        "description",
        "filters",
        "isActive",
        "healthStatus",
        "consecutiveFailures",
        "createdAt",
        "updatedAt",
    ] {
        assert!(a.body.get(field).is_some(), "missing {field}");
    }

    let got = api
        .call(Method::GET, &format!("/webhooks/{id}"), Key::Secret, None)
        .await;
    assert_eq!(got.status, 200);
    assert!(
        got.body.get("secret").is_none(),
        "the secret is shown only once"
    );
    let list = api.call(Method::GET, "/webhooks", Key::Secret, None).await;
    assert_eq!(list.body["count"], 1);

    let patched = api
        .call(
            Method::PATCH,
            &format!("/webhooks/{id}"),
            Key::Secret,
            Some(&json!({"isActive": false, "filters": null})),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.body["isActive"], false);
    assert_eq!(patched.body["filters"], Value::Null);
    assert_eq!(patched.body["description"], "billing");

    let rotated = api
        .call(
            Method::POST,
            &format!("/webhooks/{id}/rotate-secret"),
            Key::Secret,
            None,
        )
        .await;
    assert_eq!(rotated.status, 200);
    let new_secret = rotated.body["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert_eq!(api.emu.webhooks()[0].secret, new_secret);

    let deleted = api
        .call(
            Method::DELETE,
            &format!("/webhooks/{id}"),
            Key::Secret,
            None,
        )
        .await;
    assert_eq!(deleted.body["success"], true);
    assert!(api.emu.webhooks().is_empty());
    assert_eq!(
        api.call(Method::GET, &format!("/webhooks/{id}"), Key::Secret, None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn webhook_validation() {
    let api = Api::start();
    let cases = [
        (json!({"events": ["usage.recorded"]}), "url"),
        (
            json!({"url": "ftp://x", "events": ["usage.recorded"]}),
            "url",
        ),
        (json!({"url": "https://x.test"}), "events"),
        (json!({"url": "https://x.test", "events": []}), "events"),
        (
            json!({"url": "https://x.test", "events": ["usage.exploded"]}),
            "events[0]",
        ),
    ];
    for (body, field) in cases {
        let a = api.post_secret("/webhooks", body.clone()).await;
        assert_eq!(a.status, 400, "{body}");
        assert!(
            a.body["error"].as_str().unwrap().contains(field),
            "{body}: {}",
            a.body["error"]
        );
    }
}

#[tokio::test]
async fn webhook_test_sends_a_signed_delivery() {
    use std::io::{Read, Write};
    // A one-shot receiver on loopback that answers 200 and hands back what it read.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let receiver = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk).unwrap_or(0);
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if body.len() >= len || n == 0 {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .unwrap();
        String::from_utf8_lossy(&buf).into_owned()
    });

    let api = Api::start();
    let url = format!("http://127.0.0.1:{port}/drip");
    let a = api
        .post_secret(
            "/webhooks",
            json!({"url": url, "events": ["usage.recorded"]}),
        )
        .await;
    let id = a.body["id"].as_str().unwrap().to_owned();
    let secret = a.body["secret"].as_str().unwrap().to_owned();
    let t = api
        .call(
            Method::POST,
            &format!("/webhooks/{id}/test"),
            Key::Secret,
            None,
        )
        .await;
    assert_eq!(t.status, 200);
    assert_eq!(t.body["status"], "delivered");
    assert_eq!(t.body["responseCode"], 200);

    let raw = receiver.join().unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("POST /drip HTTP/1.1"));
    let sig = head
        .lines()
        .find_map(|l| l.strip_prefix("x-drip-signature: "))
        .expect("signature header");
    let (t_part, v1_part) = sig.split_once(',').unwrap();
    let ts = t_part.strip_prefix("t=").unwrap();
    let v1 = v1_part.strip_prefix("v1=").unwrap();
    // Recompute with an independent HMAC implementation.
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{body}").as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected);
    let payload: Value = serde_json::from_str(body).unwrap();
    assert_eq!(payload["type"], "webhook.test");
    assert_eq!(api.emu.webhooks()[0].delivered, 1);

    // An unreachable endpoint is reported, not hidden.
    let dead = api
        .post_secret(
            "/webhooks",
            json!({"url": "http://127.0.0.1:9/none", "events": ["usage.recorded"]}),
        )
        .await;
    let dead_id = dead.body["id"].as_str().unwrap();
    let t = api
        .call(
            Method::POST,
            &format!("/webhooks/{dead_id}/test"),
            Key::Secret,
            None,
        )
        .await;
    assert_eq!(t.body["status"], "failed");
}
