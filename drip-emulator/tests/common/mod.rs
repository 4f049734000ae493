//! A minimal HTTP caller for the emulator's own tests (plain reqwest, no drip client).

#![allow(dead_code)]

use std::time::Duration;

use drip_emulator::{Emulator, EmulatorHandle};
use reqwest::Method;
use serde_json::Value;

pub struct Api {
    pub emu: EmulatorHandle,
    pub http: reqwest::Client,
}

#[derive(Clone, Copy)]
pub enum Key {
    Public,
    Secret,
    None,
    Wrong,
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Api {
    pub fn start() -> Self {
        Self::with(
            Emulator::builder()
                .start_blocking()
                .expect("emulator starts"),
        )
    }

    pub fn with(emu: EmulatorHandle) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            // A hang guard only; nothing asserts on time.
            .timeout(Duration::from_secs(30))
            .build()
            .expect("reqwest client");
        Self { emu, http }
    }

    pub fn request(
        &self,
        method: Method,
        path: &str,
        key: Key,
        body: Option<&Value>,
    ) -> reqwest::RequestBuilder {
        let url = if path.starts_with("/v1")
            || path.starts_with("/_emulator")
            || path.starts_with("/health")
        {
            format!("{}{}", self.emu.origin(), path)
        } else {
            format!("{}{}", self.emu.base_url(), path)
        };
        let mut req = self.http.request(method, url);
        match key {
            Key::Public => req = req.bearer_auth(self.emu.public_key()),
            Key::Secret => req = req.bearer_auth(self.emu.secret_key()),
            Key::Wrong => req = req.bearer_auth("sk_test_not_a_real_key"),
            Key::None => {}
        }
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(body).expect("json"));
        }
        req
    }

    pub async fn call(&self, method: Method, path: &str, key: Key, body: Option<&Value>) -> Answer {
        answer(self.request(method, path, key, body), |bytes| {
            if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(bytes).expect("JSON body")
            }
        })
        .await
    }

    /// Sends `body` exactly as given (it need not be valid JSON); a body that is not JSON
    /// answers as `Value::Null`.
    pub async fn raw(&self, method: Method, path: &str, key: Key, body: &str) -> Answer {
        let req = self
            .request(method, path, key, None)
            .header("content-type", "application/json")
            .body(body.to_owned());
        answer(req, |bytes| {
            serde_json::from_slice(bytes).unwrap_or(Value::Null)
        })
        .await
    }

    /// [`Api::raw`] with `POST` and the public key.
    pub async fn post_raw(&self, path: &str, body: &str) -> Answer {
        self.raw(Method::POST, path, Key::Public, body).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Key::Public, Some(&body))
            .await
    }

    pub async fn post_secret(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Key::Secret, Some(&body))
            .await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, Key::Public, None).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, Key::Public, Some(&body))
            .await
    }

    /// Creates a workflow and returns its id.
    pub async fn workflow(&self, slug: &str) -> String {
        let a = self
            .post(
                "/workflows",
                serde_json::json!({"name": slug, "slug": slug}),
            )
            .await;
        assert_eq!(a.status, 201, "{:?}", a.body);
        a.body["id"].as_str().expect("id").to_owned()
    }

    /// Starts a run on a fresh workflow and returns its id.
    pub async fn run(&self, slug: &str) -> String {
        let wf = self.workflow(slug).await;
        let a = self
            .post(
                "/runs",
                serde_json::json!({"customerId": "cus_1", "workflowId": wf}),
            )
            .await;
        assert_eq!(a.status, 201, "{:?}", a.body);
        a.body["id"].as_str().expect("id").to_owned()
    }
}

/// Sends `req` and collects the answer; `json` turns the response body into a value.
async fn answer(req: reqwest::RequestBuilder, json: impl FnOnce(&[u8]) -> Value) -> Answer {
    let resp = req.send().await.expect("request answered");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body");
    Answer {
        status,
        body: json(&bytes),
        headers,
    }
}
