//! Which run the code on this thread is executing under.
//!
//! One thread-local stack serves async and sync code alike: a run's future
//! (see [`super::propagate::InRun`]) pushes its run for the duration of each
//! poll, and a sync run pushes it for the duration of the call. Whatever was
//! entered last is on top, so a sync run called from an async run, or an
//! async run driven from a sync one, nests correctly. This is what a tokio
//! task-local does internally, without tying lookups to tokio.

use super::run::RunState;
use std::cell::RefCell;
use std::sync::Arc;

thread_local! {
    static STACK: RefCell<Vec<Arc<RunState>>> = const { RefCell::new(Vec::new()) };
}

/// The run the calling code executes under, if any.
#[inline]
pub(crate) fn current() -> Option<Arc<RunState>> {
    STACK
        .try_with(|s| s.borrow().last().cloned())
        .ok()
        .flatten()
}

/// Whether the calling code executes under a run whose records go to a test capture.
pub(crate) fn current_run_is_captured() -> bool {
    STACK
        .try_with(|s| s.borrow().last().is_some_and(|r| r.sink.is_capture()))
        .unwrap_or(false)
}

/// Makes `run` the current run until the returned guard drops (also on unwind).
pub(crate) fn enter(run: Arc<RunState>) -> Entered {
    let pushed = STACK.try_with(|s| s.borrow_mut().push(run)).is_ok();
    Entered { pushed }
}

/// Pops the run pushed by [`enter`].
pub(crate) struct Entered {
    pushed: bool,
}

impl Drop for Entered {
    fn drop(&mut self) {
        if self.pushed {
            let _ = STACK.try_with(|s| s.borrow_mut().pop());
        }
    }
}
