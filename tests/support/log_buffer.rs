//! An in-memory writer for a `tracing_subscriber::fmt` layer, so a test can
//! read back every line drip logged. Included with `#[path]` by the tests
//! that check what reaches the logs.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Clones share one buffer: give one to the subscriber, read the other.
#[derive(Clone, Default)]
pub struct LogBuffer(pub Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The buffer behind the process's global subscriber, installed by the
/// first call (at `level`; later calls' levels are ignored): every line drip
/// logs from any thread, the transport's included.
#[allow(dead_code)] // not every test that includes this file logs globally
pub fn global(level: tracing::Level) -> &'static LogBuffer {
    static LINES: OnceLock<LogBuffer> = OnceLock::new();
    LINES.get_or_init(|| {
        let lines = LogBuffer::default();
        let writer = lines.clone();
        let _ = tracing::subscriber::set_global_default(
            tracing_subscriber::fmt()
                .with_max_level(level)
                .without_time()
                .with_writer(move || writer.clone())
                .finish(),
        );
        lines
    })
}
