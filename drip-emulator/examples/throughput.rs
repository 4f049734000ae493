//! Measures `/run-events/batch` throughput over loopback with the request log off.
//!
//! ```text
//! cargo run --release -p drip-emulator --example throughput -- [batches] [events_per_batch] [connections]
//! ```

use std::time::Instant;

use drip_emulator::Emulator;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let batches = args.next().transpose()?.unwrap_or(200);
    let per_batch = args.next().transpose()?.unwrap_or(1000);
    let connections = args.next().transpose()?.unwrap_or(4);

    let emulator = Emulator::start().await?;
    emulator.set_request_logging(false);
    let http = reqwest::Client::builder().no_proxy().build()?;
    let post = |path: &str, body: String| {
        http.post(format!("{}{path}", emulator.base_url()))
            .bearer_auth(emulator.public_key())
            .header("content-type", "application/json")
            .body(body)
    };
    let workflow: serde_json::Value = serde_json::from_slice(
        &post("/workflows", r#"{"name":"bench","slug":"bench"}"#.into())
            .send()
            .await?
            .bytes()
            .await?,
    )?;
    let body = format!(
        r#"{{"customerId":"cus_bench","workflowId":"{}"}}"#,
        workflow["id"].as_str().unwrap_or_default()
    );
    let run: serde_json::Value =
        serde_json::from_slice(&post("/runs", body).send().await?.bytes().await?)?;
    let run_id = run["id"].as_str().unwrap_or_default().to_owned();

    // Bodies are built before the clock starts: this measures the server, not the client.
    let bodies: Vec<String> = (0..batches)
        .map(|b| {
            let events: Vec<String> = (0..per_batch)
                .map(|i| {
                    format!(
                        r#"{{"runId":"{run_id}","eventType":"llm.call","quantity":{i},"units":"tokens","costUnits":0.001,"idempotencyKey":"bench-{b}-{i}","metadata":{{"model":"gpt-4o","input_tokens":12,"output_tokens":40}},"timestamp":"2026-01-31T12:00:00.000Z"}}"#
                    )
                })
                .collect();
            format!(r#"{{"events":[{}]}}"#, events.join(","))
        })
        .collect();
    let bytes: usize = bodies.iter().map(String::len).sum();

    let cpu_before = process_cpu_seconds();
    let started = Instant::now();
    let mut queue = bodies.into_iter();
    let mut in_flight = tokio::task::JoinSet::new();
    loop {
        while in_flight.len() < connections {
            let Some(body) = queue.next() else { break };
            let request = post("/run-events/batch", body);
            in_flight.spawn(async move { request.send().await.map(|r| r.status()) });
        }
        match in_flight.join_next().await {
            Some(result) => {
                let status = result??;
                if !status.is_success() {
                    return Err(format!("batch answered {status}").into());
                }
            }
            None => break,
        }
    }
    let elapsed = started.elapsed();
    let cpu = process_cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let stored = emulator.event_count();
    let total = batches * per_batch;
    println!(
        "{total} events in {batches} batches ({:.1} MB) in {:.3} s: {:.0} events/s; stored {stored}",
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    // Wall time depends on what else the machine runs; CPU time does not.
    if let Some(cpu) = cpu {
        println!(
            "process CPU time (client and server together): {cpu:.3} s, {:.0} events per CPU-second",
            total as f64 / cpu
        );
    }
    if stored != total {
        return Err(format!("expected {total} stored events, found {stored}").into());
    }
    Ok(())
}

/// User + system CPU seconds of this process (Linux `/proc/self/stat`), if available.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on every mainstream Linux configuration.
    Some((utime + stime) / 100.0)
}
