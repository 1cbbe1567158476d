//! The `network!` declarations of TFLite layers allocate nothing: `run` (arena on the
//! stack) and `run_in` (the caller's arena) of the three TinyML models, and of the operator
//! models with float32 activations (`float_net` float32 from end to end), ADD and constants,
//! make zero heap allocations. A counting global allocator wraps `System` and counts this
//! thread's allocations (tests run on parallel threads).

use nn_tinyml::{PersonDetect, Sine, Speech};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

include!("network_ops/float_chain.rs");
include!("network_ops/float_net.rs");
include!("network_ops/mixed_io.rs");
include!("network_ops/add_relu.rs");

thread_local! {
    /// Allocations (including reallocations) made by this thread.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// `System`, counting.
struct Counting;

fn bump() {
    // A const-initialized `Cell<usize>` has no destructor: this never allocates.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is forwarded unchanged to `System`.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn tflite_networks_allocate_nothing() {
    // The counter sees allocations: a Vec is one.
    assert_eq!(allocations(|| drop(black_box(vec![1u8; 8]))), 1);
    let mut y1 = [0i8; 1];
    assert_eq!(
        allocations(|| Sine::new().run(black_box(&[5]), &mut y1).unwrap()),
        0
    );
    let x = [3i8; Speech::INPUT_LEN];
    let mut y4 = [0i8; 4];
    assert_eq!(
        allocations(|| Speech::new().run(black_box(&x), &mut y4).unwrap()),
        0
    );
    let x = Box::new([7i8; PersonDetect::INPUT_LEN]);
    let mut arena = Box::new([0i8; PersonDetect::ARENA_BYTES]);
    let mut y2 = [0i8; 2];
    assert_eq!(
        allocations(|| PersonDetect::new()
            .run_in(&mut arena, black_box(&x), &mut y2)
            .unwrap()),
        0
    );
    // The networks computed something: softmax outputs sum to about 256 steps of 1/256.
    let total: i32 = y4.iter().map(|&v| i32::from(v) + 128).sum();
    assert!((250..=260).contains(&total), "{y4:?}");
}

#[test]
fn networks_with_float32_activations_allocate_nothing() {
    let x = [5i8; FloatChain::INPUT_LEN];
    let mut y5 = [0i8; FloatChain::OUTPUT_LEN];
    assert_eq!(
        allocations(|| FloatChain::new().run(black_box(&x), &mut y5).unwrap()),
        0
    );
    let x = [0.25f32; MixedIo::INPUT_LEN];
    let (mut arena, mut arena_f32) = ([0i8; MixedIo::ARENA_I8], [0f32; MixedIo::ARENA_F32]);
    let mut y3 = [0f32; MixedIo::OUTPUT_LEN];
    assert_eq!(
        allocations(|| MixedIo::new()
            .run_in(&mut arena, &mut arena_f32, black_box(&x), &mut y3)
            .unwrap()),
        0
    );
    let x = [9i8; AddRelu::INPUT_LEN];
    let mut y48 = [0i8; AddRelu::OUTPUT_LEN];
    assert_eq!(
        allocations(|| AddRelu::new().run(black_box(&x), &mut y48).unwrap()),
        0
    );
    let x: [f32; FloatNet::INPUT_LEN] = std::array::from_fn(|i| (i % 7) as f32 - 3.0);
    let mut y_run = [0f32; FloatNet::OUTPUT_LEN];
    assert_eq!(
        allocations(|| FloatNet::new().run(black_box(&x), &mut y_run).unwrap()),
        0
    );
    let (mut arena, mut arena_f32) = ([0i8; FloatNet::ARENA_I8], [0f32; FloatNet::ARENA_F32]);
    let mut y_in = [0f32; FloatNet::OUTPUT_LEN];
    assert_eq!(
        allocations(|| FloatNet::new()
            .run_in(&mut arena, &mut arena_f32, black_box(&x), &mut y_in)
            .unwrap()),
        0
    );
    assert_eq!(y_run, y_in);
    // The networks computed something: the float32 softmaxes sum to about 1.
    for y in [&y3[..], &y_run[..]] {
        let total: f32 = y.iter().sum();
        assert!((total - 1.0).abs() < 1e-5, "{y:?}");
    }
    let total: i32 = y5.iter().map(|&v| i32::from(v) + 128).sum();
    assert!((250..=260).contains(&total), "{y5:?}");
}
