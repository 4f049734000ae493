//! Every line drip logs is under the one `drip` target prefix (`drip`,
//! `drip::context`, `drip::privacy`, `drip::client`), so
//! `RUST_LOG=drip=debug` catches all of them and nothing else.

#[path = "support/log_buffer.rs"]
mod log_buffer;
use log_buffer::LogBuffer as Lines;

#[drip::tool]
fn orphan() -> u32 {
    1
}

#[tokio::test]
async fn context_privacy_and_client_lines_share_the_drip_prefix() {
    let lines = Lines::default();
    let writer = lines.clone();
    let _subscriber = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .without_time()
            .with_writer(move || writer.clone())
            .finish(),
    );

    let emulator = drip_emulator::Emulator::start().await.expect("emulator");
    // A tool outside any run (the SDK on through a capture): the context warns.
    let _cap = drip::testing::capture();
    orphan();
    // A field named like a secret: the privacy rules drop it and say so.
    let mut m = drip::Metadata::new();
    m.insert("api_password", "hunter2");
    let _ = drip::privacy::sanitize_metadata(m);
    // One request: the client logs its response.
    let client = drip::Client::builder()
        .api_key(emulator.public_key())
        .base_url(emulator.base_url())
        .build()
        .expect("client");
    client.list_workflows().await.expect("workflows");

    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let targets: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(|t| t.trim_end_matches(':'))
        .filter(|t| t.starts_with("drip"))
        .collect();
    for expected in ["drip::context", "drip::privacy", "drip::client"] {
        assert!(targets.contains(&expected), "{expected} in {text}");
    }
    let outside: Vec<_> = targets
        .iter()
        .filter(|t| !(**t == "drip" || t.starts_with("drip::") || t.starts_with("drip_emulator")))
        .collect();
    assert!(outside.is_empty(), "targets outside `drip`: {outside:?}");
}
