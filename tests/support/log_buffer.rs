//! An in-memory writer for a `tracing_subscriber::fmt` layer, so a test can
//! read back every line drip logged. Included with `#[path]` by the tests
//! that check what reaches the logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

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
