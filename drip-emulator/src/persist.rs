//! `--persist FILE`: JSON snapshots, written atomically (temp file + rename), debounced
//! after mutations and written once more at shutdown.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::error::EmulatorError;
use crate::shared::Shared;
use crate::store::Store;

/// How long to wait after a mutation before writing, so bursts make one write.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// Loads a snapshot; a missing file is an empty store.
pub(crate) fn load(path: &Path) -> Result<Store, EmulatorError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Store::default()),
        Err(e) => {
            return Err(EmulatorError::Persist {
                path: path.to_owned(),
                reason: e.to_string(),
            });
        }
    };
    let mut store: Store = serde_json::from_slice(&bytes).map_err(|e| EmulatorError::Persist {
        path: path.to_owned(),
        reason: format!("not a drip-emulator snapshot: {e}"),
    })?;
    // Event metadata is kept as raw text; make sure it is what a `Value` field accepted.
    if let Some(bad) = store.events.iter().find(|e| {
        e.metadata
            .as_deref()
            .is_some_and(|m| serde_json::from_str::<serde_json::Value>(m.get()).is_err())
    }) {
        return Err(EmulatorError::Persist {
            path: path.to_owned(),
            reason: format!(
                "not a drip-emulator snapshot: event {} has invalid metadata",
                bad.id
            ),
        });
    }
    store.reindex();
    Ok(store)
}

/// Writes the current store to `path` atomically.
pub(crate) fn save(shared: &Shared, path: &Path) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(&*shared.store()).map_err(std::io::Error::other)?;
    let tmp = temp_path(path);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Writes a snapshot shortly after each burst of mutations, forever.
pub(crate) async fn run(shared: Arc<Shared>, path: PathBuf) {
    loop {
        shared.dirty.notified().await;
        tokio::time::sleep(DEBOUNCE).await;
        if let Err(e) = save(&shared, &path) {
            tracing::warn!(path = %path.display(), error = %e, "drip-emulator could not write its snapshot");
        }
    }
}
