//! A counting global allocator that tracks, per thread, the bytes in use and their peak,
//! so a test can measure the peak heap of a call while other tests run on other threads.
//! A test binary includes this file and declares
//! `#[global_allocator] static A: heap::Counting = heap::Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Allocations (and reallocations) on every thread since the start.
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

/// The number of allocations and reallocations so far, on every thread (for code that
/// runs on worker threads; a test reading it must be the only test of its binary).
#[allow(dead_code)]
pub fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::SeqCst)
}

thread_local! {
    /// Bytes this thread allocated and has not freed (negative when it frees others').
    static CURRENT: Cell<isize> = const { Cell::new(0) };
    /// The highest `CURRENT` since the last `peak_heap` started.
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

/// `System`, counting bytes per thread.
pub struct Counting;

fn add(delta: isize) {
    // Const-initialized cells without destructors: no allocation, safe during teardown.
    let _ = CURRENT.try_with(|c| {
        let now = c.get() + delta;
        c.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

// SAFETY: every call is forwarded unchanged to `System`; the counting touches only
// thread-local cells.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size() as isize);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(new_size as isize - layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Runs `f`; returns the most heap (bytes) this thread held meanwhile beyond what it held
/// before, and `f`'s result.
#[allow(dead_code)]
pub fn peak_heap<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let base = CURRENT.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let r = f();
    let peak = PEAK.with(Cell::get);
    ((peak - base).max(0) as usize, r)
}
