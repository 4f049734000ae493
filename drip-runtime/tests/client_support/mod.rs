//! Shared set-up of the client integration tests: a fresh emulator on
//! loopback and a client per key kind, with short backoffs so that retry
//! tests stay fast.
#![allow(dead_code)] // each test binary uses a different part

use drip_emulator::{Emulator, EmulatorHandle, RequestRecord};
use drip_runtime::{Client, RetryPolicy};
use std::time::Duration;

pub struct Env {
    pub emulator: EmulatorHandle,
    /// Public-key client.
    pub pk: Client,
    /// Secret-key client.
    pub sk: Client,
}

/// Fast retries: 5 attempts, 5 ms doubling to 50 ms.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(5)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(50))
}

pub async fn start() -> Env {
    let emulator = Emulator::start().await.expect("emulator starts");
    let pk = client(&emulator, emulator.public_key(), fast_retries());
    let sk = client(&emulator, emulator.secret_key(), fast_retries());
    Env { emulator, pk, sk }
}

pub fn client(emulator: &EmulatorHandle, key: &str, retry: RetryPolicy) -> Client {
    Client::builder()
        .api_key(key)
        .base_url(emulator.base_url())
        .timeout(Duration::from_secs(20))
        .retry(retry)
        .build()
        .expect("client builds")
}

impl Env {
    /// Both clients, labelled, for tests that must pass with either key kind.
    pub fn both(&self) -> [(&'static str, &Client); 2] {
        [("pk", &self.pk), ("sk", &self.sk)]
    }

    /// Requests whose method is `method` and whose path (without query) is `path`.
    pub fn requests(&self, method: &str, path: &str) -> Vec<RequestRecord> {
        self.emulator
            .requests()
            .into_iter()
            .filter(|r| r.method == method && r.path_and_query.split('?').next() == Some(path))
            .collect()
    }

    /// The last request body sent to `method path`, as JSON.
    pub fn last_body(&self, method: &str, path: &str) -> serde_json::Value {
        self.requests(method, path)
            .last()
            .and_then(RequestRecord::body_json)
            .unwrap_or_else(|| panic!("no JSON request to {method} {path}"))
    }
}
