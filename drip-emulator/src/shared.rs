//! State shared by the server tasks and every handle clone.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

use crate::faults::FaultState;
use crate::request_log::LoggedRequest;
use crate::store::Store;

pub(crate) struct Shared {
    store: Mutex<Store>,
    pub(crate) public_key: String,
    pub(crate) secret_key: String,
    pub(crate) faults: Arc<Mutex<FaultState>>,
    requests: Mutex<Vec<LoggedRequest>>,
    logging: AtomicBool,
    pub(crate) persist_path: Option<PathBuf>,
    /// Woken after every mutation when persisting.
    pub(crate) dirty: Notify,
}

impl Shared {
    pub(crate) fn new(
        store: Store,
        public_key: String,
        secret_key: String,
        persist_path: Option<PathBuf>,
    ) -> Self {
        Self {
            store: Mutex::new(store),
            public_key,
            secret_key,
            faults: Arc::default(),
            requests: Mutex::default(),
            logging: AtomicBool::new(true),
            persist_path,
            dirty: Notify::new(),
        }
    }

    /// The store, recovering from a poisoned lock (a panicking handler must not take the
    /// emulator down for every later test).
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records that the store changed (schedules a snapshot when persisting).
    pub(crate) fn changed(&self) {
        if self.persist_path.is_some() {
            self.dirty.notify_one();
        }
    }

    pub(crate) fn requests(&self) -> MutexGuard<'_, Vec<LoggedRequest>> {
        self.requests.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn logging(&self) -> bool {
        self.logging.load(Ordering::Relaxed)
    }

    pub(crate) fn set_logging(&self, on: bool) {
        self.logging.store(on, Ordering::Relaxed);
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultState> {
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }
}
