//! Per-thread test overrides: a capture (record into a test's sink, count as
//! enabled) or a forced "disabled". Innermost wins.

use super::sink::CaptureStore;
use super::switch;
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// One entry of the per-thread override stack.
#[derive(Clone)]
pub(crate) enum Override {
    Capture(Arc<CaptureStore>),
    Disabled,
}

thread_local! {
    static STACK: RefCell<Vec<(u64, Override)>> = const { RefCell::new(Vec::new()) };
}

/// Installs `o` on this thread; the returned id removes it again.
fn push(o: Override) -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    STACK.with(|s| s.borrow_mut().push((id, o)));
    switch::override_started();
    id
}

/// Removes the override `id` from this thread (it need not be the innermost).
fn remove(id: u64) {
    let removed = STACK
        .try_with(|s| {
            let mut s = s.borrow_mut();
            let before = s.len();
            s.retain(|(i, _)| *i != id);
            before != s.len()
        })
        .unwrap_or(false);
    if removed {
        switch::override_ended();
    }
}

/// `Some(true)` under a capture, `Some(false)` under a forced disable, `None` otherwise.
pub(crate) fn thread_override() -> Option<bool> {
    STACK
        .try_with(|s| {
            s.borrow()
                .last()
                .map(|(_, o)| matches!(o, Override::Capture(_)))
        })
        .ok()
        .flatten()
}

/// The innermost capture on this thread, unless a forced disable sits above it.
pub(crate) fn thread_capture() -> Option<Arc<CaptureStore>> {
    STACK
        .try_with(|s| match s.borrow().last() {
            Some((_, Override::Capture(store))) => Some(Arc::clone(store)),
            _ => None,
        })
        .ok()
        .flatten()
}

/// Installs an override for a scope (one poll of a carried future).
#[derive(Debug)]
pub(crate) struct Scoped {
    id: u64,
}

impl Scoped {
    pub(crate) fn new(o: Override) -> Self {
        Scoped { id: push(o) }
    }
}

impl Drop for Scoped {
    fn drop(&mut self) {
        remove(self.id);
    }
}
