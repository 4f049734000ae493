//! One runtime's destination in tests that run several runtimes side by
//! side: its own emulator and spool directory (removed on drop). Included
//! with `#[path]`.

use drip::Config;
use drip_emulator::{Emulator, EmulatorHandle};
use std::time::Duration;

pub struct Tenant {
    pub emulator: EmulatorHandle,
    pub spool: std::path::PathBuf,
}

impl Tenant {
    /// An emulator and an empty spool directory named after `test` and `name`.
    pub fn new(test: &str, name: &str) -> Tenant {
        let emulator = Emulator::builder().start_blocking().expect("emulator");
        let spool = std::env::temp_dir().join(format!("drip-{test}-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&spool);
        Tenant { emulator, spool }
    }

    /// A configuration delivering to this tenant, handing work over quickly.
    pub fn config(&self) -> Config {
        Config::new(self.emulator.secret_key())
            .base_url(self.emulator.base_url())
            .spool_dir(&self.spool)
            .linger(Duration::from_millis(5))
    }
}

impl Drop for Tenant {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.spool);
    }
}
