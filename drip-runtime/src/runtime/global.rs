//! The one global slot, the per-thread scoped overrides, and the on/off word
//! every instrumented call reads — the shape of tracing-core's `dispatcher`:
//! one process-wide default, a thread-local stack of scoped runtimes in front
//! of it, and a fast-path flag so that a disabled SDK costs one relaxed load.
//!
//! The word holds the global state (uninitialised / disabled / enabled) in its
//! low two bits and, above them, how many scoped overrides
//! ([`Runtime::enter`](super::Runtime::enter), `testing::capture`,
//! `testing::disabled`) are alive in the process. The hot path compares one
//! relaxed load against the two plain states; anything else takes the cold
//! path, which may look at thread-local state.

use super::Runtime;
use crate::padded::CachePadded;
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{OnceLock, PoisonError, RwLock};

const UNINIT: usize = 0;
const DISABLED: usize = 1;
const ENABLED: usize = 2;
const BASE_MASK: usize = 0b11;
const OVERRIDE_UNIT: usize = 0b100;

/// The global state and the number of live overrides (see the module docs):
/// read by every instrumented call, so alone on its cache line.
static STATE: CachePadded<AtomicUsize> = CachePadded(AtomicUsize::new(UNINIT));

/// The runtime `drip::init` installed, and the last one after it stopped (so
/// `stats()` after shutdown still answers).
static SLOT: RwLock<Slot> = RwLock::new(Slot {
    current: None,
    last: None,
});

/// Items handed over while no runtime existed at all (before any `init`).
static ORPHANS: AtomicU64 = AtomicU64::new(0);

/// Tool calls and events that found no run to attach to — and so no
/// runtime to count them: a process total, read by `stats()`.
static OUTSIDE_RUN: AtomicU64 = AtomicU64::new(0);

struct Slot {
    current: Option<Runtime>,
    last: Option<Runtime>,
}

thread_local! {
    /// How many runs are entered on this thread (kept by the run context):
    /// a run started under a scoped runtime records on any thread.
    static RUN_DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Scoped overrides on this thread, innermost last: a runtime, or `None`
    /// for a forced "disabled".
    static SCOPES: RefCell<Vec<(u64, Option<Runtime>)>> = const { RefCell::new(Vec::new()) };
}

/// Whether instrumented code should record anything here and now.
#[inline(always)]
pub(crate) fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        ENABLED => true,
        DISABLED => false,
        state => enabled_cold(state),
    }
}

#[cold]
#[inline(never)]
fn enabled_cold(state: usize) -> bool {
    if state >= OVERRIDE_UNIT {
        if let Some(scoped) = thread_scope() {
            return scoped.is_some();
        }
        // A run started under a scoped runtime keeps recording into it on
        // whatever thread its tasks end up on.
        if RUN_DEPTH.get() != 0 {
            return true;
        }
    }
    match state & BASE_MASK {
        ENABLED => true,
        DISABLED => false,
        _ => lazy_init(),
    }
}

/// Warns once when the environment holds a key but `init` never ran, and
/// records the SDK as off until `init` does.
fn lazy_init() -> bool {
    static DONE: OnceLock<()> = OnceLock::new();
    thread_local! {
        static INITIALISING: Cell<bool> = const { Cell::new(false) };
    }
    // A log subscriber that reaches instrumented code gets "off", not a deadlock.
    if INITIALISING.with(Cell::get) {
        return false;
    }
    DONE.get_or_init(|| {
        INITIALISING.with(|f| f.set(true));
        if !crate::config::Config::from_env().is_disabled() {
            tracing::warn!(
                target: "drip",
                "drip is not delivering: DRIP_API_KEY is set but drip::init was never called, so instrumented code records nothing. Call `let _guard = drip::init(drip::Config::from_env())?;` at the start of main and keep the guard until the program exits"
            );
        }
        INITIALISING.with(|f| f.set(false));
        // An explicit `drip::init` / shutdown that raced us wins.
        let _ = STATE.fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
            (s & BASE_MASK == UNINIT).then_some(s | DISABLED)
        });
    });
    STATE.load(Ordering::Acquire) & BASE_MASK == ENABLED
}

fn set_base(on: bool) {
    let base = if on { ENABLED } else { DISABLED };
    let _ = STATE.fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
        Some((s & !BASE_MASK) | base)
    });
}

/// The number of runs entered on this thread (one thread-local load).
#[inline(always)]
pub(crate) fn run_depth() -> usize {
    RUN_DEPTH.get()
}

/// Records how many runs are entered on this thread.
#[inline(always)]
pub(crate) fn set_run_depth(depth: usize) {
    RUN_DEPTH.set(depth);
}

/// Whether any scoped override is alive anywhere in the process.
#[inline]
pub(crate) fn overrides_active() -> bool {
    STATE.load(Ordering::Relaxed) >= OVERRIDE_UNIT
}

/// Installs `runtime` as the process's default.
pub(crate) fn install(runtime: Runtime) {
    let mut slot = SLOT.write().unwrap_or_else(PoisonError::into_inner);
    slot.last = Some(runtime.clone());
    slot.current = Some(runtime);
    set_base(true);
}

/// Marks the SDK explicitly off (`init` with a disabled configuration).
pub(crate) fn disable() {
    set_base(false);
}

/// Removes `runtime` from the slot if it is the installed one; returns whether it was.
pub(crate) fn uninstall(runtime: &Runtime) -> bool {
    let mut slot = SLOT.write().unwrap_or_else(PoisonError::into_inner);
    let was = slot.current.as_ref().is_some_and(|c| c.same(runtime));
    if was {
        slot.current = None;
        set_base(false);
    }
    was
}

/// The process's default runtime, if one is installed.
pub(crate) fn global() -> Option<Runtime> {
    SLOT.read()
        .unwrap_or_else(PoisonError::into_inner)
        .current
        .clone()
}

/// The installed runtime, else the last one that was.
pub(crate) fn global_or_last() -> Option<Runtime> {
    let slot = SLOT.read().unwrap_or_else(PoisonError::into_inner);
    slot.current.clone().or_else(|| slot.last.clone())
}

/// The runtime new work started here belongs to: this thread's innermost
/// scoped runtime, else the global one. `None` when neither exists or a
/// forced "disabled" is innermost.
pub(crate) fn current() -> Option<Runtime> {
    if overrides_active()
        && let Some(scoped) = thread_scope()
    {
        return scoped;
    }
    global()
}

/// `Some(innermost)` when this thread has a scoped override.
pub(crate) fn thread_scope() -> Option<Option<Runtime>> {
    SCOPES
        .try_with(|s| s.borrow().last().map(|(_, rt)| rt.clone()))
        .ok()
        .flatten()
}

/// Counts items that found no runtime at all.
pub(crate) fn orphan(items: u64) {
    static LOGGED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    ORPHANS.fetch_add(items, Ordering::Relaxed);
    if items > 0 && !LOGGED.swap(true, Ordering::Relaxed) {
        tracing::warn!(target: "drip", items, "drip dropped billing items recorded after shutdown (or before init); they are counted in drip::stats().dropped");
    }
}

pub(crate) fn orphans() -> u64 {
    ORPHANS.load(Ordering::Relaxed)
}

/// One more call or event recorded outside any run.
#[inline]
pub(crate) fn count_outside_run() {
    OUTSIDE_RUN.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn outside_run() -> u64 {
    OUTSIDE_RUN.load(Ordering::Relaxed)
}

/// A scoped override on this thread; removed when dropped (on this thread).
#[derive(Debug)]
pub(crate) struct Scope {
    id: u64,
}

impl Scope {
    /// Makes `runtime` (or, with `None`, "disabled") this thread's innermost scope.
    pub(crate) fn push(runtime: Option<Runtime>) -> Scope {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        SCOPES.with(|s| s.borrow_mut().push((id, runtime)));
        STATE.fetch_add(OVERRIDE_UNIT, Ordering::AcqRel);
        Scope { id }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let id = self.id;
        // Taken out before it drops: a runtime's drop must not run under the borrow.
        let removed = SCOPES
            .try_with(|s| {
                let mut s = s.borrow_mut();
                let at = s.iter().position(|(i, _)| *i == id)?;
                Some(s.remove(at))
            })
            .ok()
            .flatten();
        if removed.is_some() {
            STATE.fetch_sub(OVERRIDE_UNIT, Ordering::AcqRel);
        }
        drop(removed);
    }
}
