//! The global on/off switch, read on every instrumented call.
//!
//! One word holds the base state (uninitialised / disabled / enabled) in its
//! low two bits and, above them, how many test overrides
//! ([`crate::testing::capture`], [`crate::testing::disabled`]) are alive in the
//! process. The hot path is one relaxed load compared against the two plain
//! states; anything else (not yet initialised, or a test override somewhere)
//! takes the cold path, which may look at thread-local state.

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

const UNINIT: usize = 0;
const DISABLED: usize = 1;
const ENABLED: usize = 2;
const BASE_MASK: usize = 0b11;
const OVERRIDE_UNIT: usize = 0b100;

static STATE: AtomicUsize = AtomicUsize::new(UNINIT);

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
        if let Some(on) = super::overrides::thread_override() {
            return on;
        }
        // A run started under a capture keeps counting as enabled on whatever
        // thread its tasks end up on.
        if super::current::current_run_is_captured() {
            return true;
        }
    }
    match state & BASE_MASK {
        ENABLED => true,
        DISABLED => false,
        _ => lazy_init(),
    }
}

/// Reads the environment once (through the delivery pipeline) and stores the result.
fn lazy_init() -> bool {
    static DONE: OnceLock<bool> = OnceLock::new();
    thread_local! {
        static INITIALISING: Cell<bool> = const { Cell::new(false) };
    }
    // If start-up itself reaches instrumented code, answer "off" instead of deadlocking.
    if INITIALISING.with(Cell::get) {
        return false;
    }
    DONE.get_or_init(|| {
        INITIALISING.with(|f| f.set(true));
        let on = crate::delivery::lazy_init_from_env();
        INITIALISING.with(|f| f.set(false));
        // An explicit `drip::init` / shutdown that raced us wins.
        let _ = STATE.fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
            (s & BASE_MASK == UNINIT).then_some(s | if on { ENABLED } else { DISABLED })
        });
        on
    });
    STATE.load(Ordering::Acquire) & BASE_MASK == ENABLED
}

/// Switches the SDK on (`drip::init`) or off (shutdown). Keeps test overrides.
pub(crate) fn set_enabled(on: bool) {
    let base = if on { ENABLED } else { DISABLED };
    let _ = STATE.fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
        Some((s & !BASE_MASK) | base)
    });
}

/// Whether any test override is alive anywhere in the process.
#[inline]
pub(crate) fn overrides_active() -> bool {
    STATE.load(Ordering::Relaxed) >= OVERRIDE_UNIT
}

/// A test override became alive somewhere: send `enabled()` to the cold path.
pub(super) fn override_started() {
    STATE.fetch_add(OVERRIDE_UNIT, Ordering::AcqRel);
}

/// A test override ended.
pub(super) fn override_ended() {
    STATE.fetch_sub(OVERRIDE_UNIT, Ordering::AcqRel);
}
