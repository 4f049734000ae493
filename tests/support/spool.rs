//! A test's own spool directory: emptied when made, removed when dropped.

use std::path::{Path, PathBuf};

pub struct Spool(pub PathBuf);

impl Spool {
    /// `drip-<test>-<name>-<pid>` under the temporary directory, empty.
    pub fn new(test: &str, name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("drip-{test}-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Spool(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A configuration delivering to `emulator` through this spool, handing
    /// work over and retrying quickly.
    #[allow(dead_code)] // not every test that includes this file uses it
    pub fn config(&self, emulator: &drip_emulator::EmulatorHandle) -> drip::Config {
        drip::Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(self.path())
            .linger(std::time::Duration::from_millis(5))
            .max_backoff(std::time::Duration::from_millis(100))
    }

    /// A configuration whose callers spill at once: a queue of one slot,
    /// policy `Spill`, short request timeouts against a server the test
    /// stalls, and time to deliver everything at shutdown.
    #[allow(dead_code)] // not every test that includes this file uses it
    pub fn spilling_config(&self, emulator: &drip_emulator::EmulatorHandle) -> drip::Config {
        drip::Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(self.path())
            .queue_capacity(1)
            .overflow(drip::OverflowPolicy::Spill)
            .request_timeout(std::time::Duration::from_millis(300))
            .shutdown_deadline(std::time::Duration::from_secs(5))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
