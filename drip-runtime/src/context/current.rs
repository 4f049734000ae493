//! Which run the code on this thread is executing under.
//!
//! One thread-local stack serves async and sync code alike: a run's future
//! (see [`super::propagate::InRun`]) pushes its run for the duration of each
//! poll, and a sync run pushes it for the duration of the call. Whatever was
//! entered last is on top, so a sync run called from an async run, or an
//! async run driven from a sync one, nests correctly. This is what a tokio
//! task-local does internally, without tying lookups to tokio.
//!
//! Next to the stack sits its depth in a plain `Cell` (kept in the runtime's
//! thread state, whose on/off check reads it too). The stack owns `Arc`s,
//! so every access to it checks the thread-local's lifecycle and a `RefCell`
//! flag; the depth needs no destructor and is a single load. Instrumented code
//! outside any run — the common case for a library used with and without
//! runs — asks only the depth.

use super::run::RunState;
use crate::runtime::{run_depth, set_run_depth};
use std::cell::RefCell;
use std::sync::Arc;

thread_local! {
    static STACK: RefCell<Vec<Arc<RunState>>> = const { RefCell::new(Vec::new()) };
}

/// Whether the calling code executes under any run (one thread-local load).
#[inline(always)]
fn in_run() -> bool {
    run_depth() != 0
}

/// The run the calling code executes under, if any.
#[inline]
pub(crate) fn current() -> Option<Arc<RunState>> {
    if !in_run() {
        return None;
    }
    top()
}

#[inline]
fn top() -> Option<Arc<RunState>> {
    STACK
        .try_with(|s| s.borrow().last().cloned())
        .ok()
        .flatten()
}

/// Makes `run` the current run until the returned guard drops (also on unwind).
pub(crate) fn enter(run: Arc<RunState>) -> Entered {
    let pushed = STACK
        .try_with(|s| {
            let mut s = s.borrow_mut();
            s.push(run);
            set_run_depth(s.len());
        })
        .is_ok();
    Entered { pushed }
}

/// Pops the run pushed by [`enter`].
pub(crate) struct Entered {
    pushed: bool,
}

impl Drop for Entered {
    fn drop(&mut self) {
        if self.pushed {
            let _ = STACK.try_with(|s| {
                let mut s = s.borrow_mut();
                s.pop();
                set_run_depth(s.len());
            });
        }
    }
}
