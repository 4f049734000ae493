//! Shared set-up of the client integration tests: a fresh emulator on
//! loopback and a client per key kind, with short backoffs so that retry
//! tests stay fast.
#![allow(dead_code)] // each test binary uses a different part

use drip_emulator::{Emulator, EmulatorHandle, RequestRecord};
use drip_runtime::{Client, RetryPolicy};
use std::io::{Read, Write};
use std::net::TcpListener;
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

// Raw loopback servers, for behaviours the emulator (rightly) never shows:
// redirects, foreign bodies, truncated responses, other servers' quirks.

/// A loopback server answering the n-th connection with `responses[n]` (the
/// last one repeats); returns its port and a receiver of the raw requests.
pub fn scripted_server(responses: Vec<String>) -> (u16, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let (head, body) = read_request(&mut stream);
            let raw = format!("{head}\r\n\r\n{}", String::from_utf8_lossy(&body));
            if tx.send(raw).is_err() {
                return;
            }
            let response = &responses[n.min(responses.len() - 1)];
            stream.write_all(response.as_bytes()).ok();
        }
    });
    (port, rx)
}

pub fn one_shot_server(response: &str) -> (u16, std::sync::mpsc::Receiver<String>) {
    scripted_server(vec![response.to_owned()])
}

pub fn json_response(status: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra_headers}\r\n{body}",
        body.len()
    )
}

/// Reads one HTTP/1.1 request: the head (request line and headers) and a
/// `Content-Length` body. Reading it whole before answering avoids a TCP
/// reset that would hide the answer from the client.
pub fn read_request(stream: &mut std::net::TcpStream) -> (String, Vec<u8>) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            return (String::from_utf8_lossy(&raw).into_owned(), Vec::new());
        }
        raw.extend_from_slice(&buf[..n]);
        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().unwrap_or(0))
            })
            .unwrap_or(0);
        while raw.len() < end + 4 + len {
            let n = stream.read(&mut buf).unwrap_or(0);
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buf[..n]);
        }
        let body_end = raw.len().min(end + 4 + len);
        return (head, raw[end + 4..body_end].to_vec());
    }
}
