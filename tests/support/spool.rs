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
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
