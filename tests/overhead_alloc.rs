//! What `#[drip::tool]` allocates on the caller's thread: nothing when the
//! SDK is disabled or the call is outside any run, and nothing of its own
//! inside a run (only the run's event buffer grows, by doubling).
//!
//! Allocations are counted per thread by a counting global allocator, so the
//! transport thread and the emulator do not disturb the figures.

use drip::Config;
use drip_emulator::Emulator;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::task::{Context, Poll, Waker};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: the allocator also runs while thread-locals are torn down.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: forwards every request to the system allocator unchanged; only
// counts calls in a const-initialised thread-local that never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// Allocations made on this thread by `f`.
fn allocations_in(f: impl FnOnce()) -> u64 {
    let before = allocations();
    f();
    allocations() - before
}

/// Polls a future that never waits to completion without any executor (an
/// executor would allocate on its own).
fn ready<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the future was expected to complete in one poll"),
    }
}

#[drip::tool]
async fn tool_async(x: u64) -> u64 {
    black_box(x).wrapping_mul(31)
}

#[drip::tool]
fn tool_sync(x: u64) -> u64 {
    black_box(x).wrapping_mul(31)
}

/// Calls of each kind per run: 800 events, below the 1,000 a record-mode run
/// buffers before it switches to streaming.
const CALLS: u64 = 400;

fn calls() {
    for i in 0..CALLS {
        black_box(ready(tool_async(i)));
        black_box(tool_sync(i));
    }
}

/// Allocations made by the calls inside a run, counted inside it.
#[drip::run(customer = "cus_alloc", workflow = "alloc-async")]
async fn run_async() -> u64 {
    allocations_in(calls)
}

#[drip::run(customer = "cus_alloc", workflow = "alloc-sync")]
fn run_sync() -> u64 {
    allocations_in(calls)
}

// One test: the SDK's on/off state is per process.
#[test]
fn tool_calls_allocate_nothing_of_their_own() {
    // SAFETY: the only test in this binary, before any other thread reads the environment.
    unsafe {
        std::env::remove_var("DRIP_API_KEY");
        std::env::remove_var("DRIP_DISABLED");
    }

    // Disabled (no key): the call is one atomic load and nothing else.
    assert!(!drip::__private::enabled());
    assert_eq!(allocations_in(calls), 0, "disabled tool calls allocated");

    let emulator = Emulator::builder().start_blocking().expect("emulator");
    let spool = std::env::temp_dir().join(format!("drip-alloc-{}", std::process::id()));
    let guard = drip::init(
        Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool),
    )
    .expect("drip::init");
    assert!(drip::__private::enabled());

    // Outside any run: nothing recorded, and after the one-time warning nothing allocated.
    calls();
    assert_eq!(
        allocations_in(calls),
        0,
        "tool calls outside a run allocated"
    );

    // Inside a run: 800 calls; the run's buffer is reserved with the first
    // (16 slots) and doubles up to 1,024 (6 reallocations), but no call
    // allocates for itself (≥ 800).
    for (mode, allocated) in [("async", ready(run_async())), ("sync", run_sync())] {
        assert!(
            allocated <= 7,
            "{} tool calls inside a {mode} run allocated {allocated} times",
            2 * CALLS
        );
    }

    // And the calls were really recorded and delivered.
    let report = drip::shutdown(std::time::Duration::from_secs(10));
    drop(guard);
    assert_eq!(report.sent, 4 * CALLS, "{report:?}");
    let _ = std::fs::remove_dir_all(&spool);
}
