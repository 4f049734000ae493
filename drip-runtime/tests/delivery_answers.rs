//! Delivery against an API whose 2xx answers do not look like the ones drip
//! knows: a loopback proxy in front of the emulator rewrites every answer
//! (timestamps as numbers, unknown fields, a status drip has never seen) and
//! replaces the answers to ending a run with plain text. The server stored
//! everything, so everything counts as delivered and nothing is dead-lettered.

use drip_emulator::Emulator;
use drip_runtime::config::Config;
use drip_runtime::model::{Event, RunStatus, ToolStatus};
use drip_runtime::runtime::{self, __test_hooks as hooks};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// Reads one HTTP/1.1 message head and its `Content-Length` body.
fn read_message(reader: &mut BufReader<TcpStream>) -> Option<(Vec<String>, Vec<u8>)> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let length = head
        .iter()
        .find_map(|h| {
            let (name, value) = h.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}

/// Every timestamp becomes a number, every object gains an unknown field,
/// every `status` becomes one drip does not know.
fn oddify(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key.ends_with("At") || key == "timestamp" {
                    *v = Value::from(1_733_300_000_000u64);
                } else if key == "status" && v.is_string() {
                    *v = Value::from("WARMING_UP");
                } else {
                    oddify(v);
                }
            }
            map.insert("futureField".into(), serde_json::json!({"nested": [1, 2]}));
        }
        Value::Array(items) => items.iter_mut().for_each(oddify),
        _ => {}
    }
}

fn relay(client: TcpStream, upstream: SocketAddr) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut client = client;
    while let Some((head, body)) = read_message(&mut reader) {
        let request_line = head[0].clone();
        let mut up = TcpStream::connect(upstream).unwrap();
        let mut forwarded = format!("{request_line}\r\n");
        for h in head.iter().skip(1) {
            if !h.to_ascii_lowercase().starts_with("connection:") {
                forwarded.push_str(&format!("{h}\r\n"));
            }
        }
        forwarded.push_str("Connection: close\r\n\r\n");
        up.write_all(forwarded.as_bytes()).unwrap();
        up.write_all(&body).unwrap();
        let Some((answer_head, answer)) = read_message(&mut BufReader::new(up)) else {
            return;
        };
        let status_line = answer_head[0].clone();
        let success = status_line
            .split(' ')
            .nth(1)
            .is_some_and(|s| s.starts_with('2'));
        let answer = if !success {
            answer
        } else if request_line.starts_with("PATCH") {
            b"OK".to_vec()
        } else {
            match serde_json::from_slice::<Value>(&answer) {
                Ok(mut json) => {
                    oddify(&mut json);
                    serde_json::to_vec(&json).unwrap()
                }
                Err(_) => answer,
            }
        };
        let reply = format!(
            "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            answer.len()
        );
        if client.write_all(reply.as_bytes()).is_err() || client.write_all(&answer).is_err() {
            return;
        }
    }
}

/// A loopback proxy to `upstream` that rewrites 2xx answers; returns its address.
fn odd_proxy(upstream: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            std::thread::spawn(move || relay(client, upstream));
        }
    });
    addr
}

#[test]
fn answers_drip_cannot_fully_read_still_count_as_delivered() {
    let emulator = Emulator::builder().start_blocking().unwrap();
    let upstream: SocketAddr = format!("127.0.0.1:{}", emulator.port()).parse().unwrap();
    let proxy = odd_proxy(upstream);
    let spool = std::env::temp_dir().join(format!("drip-answers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let guard = runtime::init(
        Config::new(emulator.secret_key())
            .base_url(format!("http://{proxy}/v1"))
            .spool_dir(&spool)
            .linger(Duration::from_millis(5))
            .max_backoff(Duration::from_millis(100))
            .shutdown_deadline(Duration::from_secs(30)),
    )
    .unwrap();

    let event = |key: String| {
        let mut e = Event::tool_call("search", Duration::from_millis(2), ToolStatus::Ok);
        e.idempotency_key = key;
        e
    };
    hooks::submit_stream_start("cus_odd", "odd-streamer", "odd-stream");
    for i in 0..30 {
        hooks::submit_stream_events("odd-stream", vec![event(format!("odd-stream-{i}"))]);
    }
    hooks::submit_stream_end("odd-stream", RunStatus::Completed);
    let events = (0..20).map(|i| event(format!("odd-rec-{i}"))).collect();
    hooks::submit_run("cus_odd", "odd-agent", "odd-rec", events);
    hooks::submit_usage("cus_odd", "tokens", 3.0, "odd-usage-1");

    let report = guard.shutdown();
    assert_eq!(
        report.rejected, 0,
        "nothing the server stored is refused: {report:?}"
    );
    assert_eq!(report.delivered(), 51, "{report:?}");
    assert_eq!(emulator.events().len(), 50);
    assert_eq!(emulator.usage().len(), 1);
    let stream = emulator
        .runs()
        .into_iter()
        .find(|r| r.external_run_id.as_deref() == Some("odd-stream"))
        .expect("the stream run was started");
    assert_eq!(stream.status, "COMPLETED");
    assert_eq!(stream.event_count, 30);
    emulator.shutdown();
    let _ = std::fs::remove_dir_all(&spool);
}
