//! The secret-key admin surface (webhooks) end to end, including verifying
//! the signature of a real test delivery.

mod client_support;

use drip_runtime::model::{CreateWebhook, UpdateWebhook, WebhookFilters};
use drip_runtime::verify_webhook_signature;
use drip_runtime::webhook::{SIGNATURE_HEADER, WebhookSignatureError};
use std::io::Write;
use std::net::TcpListener;
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// A loopback webhook receiver: answers 200 and hands over (headers, body).
fn receiver() -> (String, Receiver<(String, Vec<u8>)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hooks/drip",
        listener.local_addr().unwrap().port()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let (head, body) = client_support::read_request(&mut stream);
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .ok();
            if tx.send((head, body)).is_err() {
                return;
            }
        }
    });
    (url, rx)
}

fn signature_of(head: &str) -> String {
    head.lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case(SIGNATURE_HEADER)
                .then(|| value.trim().to_owned())
        })
        .expect("the delivery is signed")
}

#[tokio::test]
async fn webhooks_create_list_get_update_test_rotate_delete() {
    let env = client_support::start().await;
    let admin = env.sk.admin().unwrap();
    let (url, deliveries) = receiver();

    let created = admin
        .create_webhook(
            CreateWebhook::new(&url, ["usage.recorded", "customer.created"])
                .description("billing sync")
                .filters(WebhookFilters::new().usage_types(["tokens"])),
        )
        .await
        .unwrap();
    assert!(created.secret.starts_with("whsec_"));
    assert!(!format!("{created:?}").contains(&created.secret));
    let id = created.webhook.id.clone();
    let body = env.last_body("POST", "/v1/webhooks");
    assert_eq!(
        body["events"],
        serde_json::json!(["usage.recorded", "customer.created"])
    );
    assert_eq!(
        body["filters"],
        serde_json::json!({"usageTypes": ["tokens"]})
    );
    assert!(body["idempotencyKey"].is_string());

    let list = admin.list_webhooks().await.unwrap();
    assert_eq!(list.data.len(), 1);
    assert_eq!(admin.get_webhook(&id).await.unwrap().url, url);

    let updated = admin
        .update_webhook(
            &id,
            UpdateWebhook::new().description("renamed").clear_filters(),
        )
        .await
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("renamed"));
    assert!(updated.filters.is_none());
    let patch = env.last_body("PATCH", &format!("/v1/webhooks/{id}"));
    assert_eq!(
        patch,
        serde_json::json!({"description": "renamed", "filters": null})
    );

    // A real signed delivery verifies with the secret we were given.
    let result = admin.test_webhook(&id).await.unwrap();
    assert_eq!(result.response_code, Some(200), "{result:?}");
    let (head, payload) = deliveries.recv_timeout(Duration::from_secs(10)).unwrap();
    let signature = signature_of(&head);
    verify_webhook_signature(&created.secret, &signature, &payload).unwrap();
    assert_eq!(
        verify_webhook_signature(&created.secret, &signature, b"{\"forged\":true}"),
        Err(WebhookSignatureError::Mismatch)
    );

    // After rotation only the new secret verifies.
    let rotated = admin.rotate_webhook_secret(&id).await.unwrap();
    assert_ne!(rotated.secret, created.secret);
    admin.test_webhook(&id).await.unwrap();
    let (head, payload) = deliveries.recv_timeout(Duration::from_secs(10)).unwrap();
    let signature = signature_of(&head);
    verify_webhook_signature(&rotated.secret, &signature, &payload).unwrap();
    assert!(verify_webhook_signature(&created.secret, &signature, &payload).is_err());

    assert!(admin.delete_webhook(&id).await.unwrap().success);
    assert_eq!(
        admin.get_webhook(&id).await.unwrap_err().status(),
        Some(404)
    );
    assert!(admin.list_webhooks().await.unwrap().data.is_empty());
}

#[tokio::test]
async fn the_server_refuses_an_unknown_event_type_without_retrying() {
    let env = client_support::start().await;
    let admin = env.sk.admin().unwrap();
    let err = admin
        .create_webhook(CreateWebhook::new(
            "https://example.com/h",
            ["no.such.event"],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("no.such.event"), "{err}");
    assert_eq!(env.emulator.requests().len(), 1);
}
