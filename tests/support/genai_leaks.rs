//! Shared by the GenAI integration tests (`drip-tracing`, `drip-openai`,
//! `drip-rig`, included with `#[path]`): drip's own log lines captured, and
//! the check that planted markers reached no request body, spool file or log.

use std::path::Path;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;

#[path = "log_buffer.rs"]
mod log_buffer;

/// Log output of drip's crates, at TRACE.
pub use log_buffer::LogBuffer as Logs;

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// A fmt layer writing every event of a `drip*` target here.
    pub fn layer<S>(&self) -> impl Layer<S> + use<S>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        let writer = self.clone();
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .with_filter(filter_fn(|meta| meta.target().starts_with("drip")))
    }
}

/// Every file under `dir`, as text.
pub fn files_text(dir: &Path) -> String {
    let mut text = String::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return text;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            text.push_str(&files_text(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    text
}

/// Asserts no marker is in any request the emulator received, in `spooled`
/// or in `logs`.
pub fn assert_absent(
    markers: &[&str],
    emulator: &drip_emulator::EmulatorHandle,
    spooled: &str,
    logs: &Logs,
) {
    let logs = logs.text();
    for marker in markers {
        for request in emulator.requests() {
            assert!(
                !request.body_text().contains(marker),
                "{marker} sent to {}",
                request.path_and_query
            );
        }
        assert!(!spooled.contains(marker), "{marker} spooled");
        assert!(!logs.contains(marker), "{marker} logged: {logs}");
    }
}
