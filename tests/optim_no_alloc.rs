//! After the first step (which may allocate an optimizer's state), optimizer steps, weight
//! decay and gradient clipping allocate nothing. Checked with a counting global allocator
//! that counts only on the thread that asks (tests run on parallel threads).

use nn_core::layer::Dense;
use nn_core::loss::{LossExt, SquaredError};
use nn_core::nalgebra::SVector;
use nn_core::optim::{
    clip_global_norm, Adam, Lbfgs, Momentum, Nadam, Nesterov, Optimizer, Rprop, Schedule, Sgd,
    WeightDecay,
};
use nn_core::{network, Parameters};
use rand::{rngs::StdRng, SeedableRng};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: the thread-locals may be gone while a thread shuts down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The number of allocations `f` makes on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> (usize, R) {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (COUNT.with(Cell::get), r)
}

type P = Dense<f64, 3, 2>;

/// `∇L` of `L = Σ (p - 1)²` written into `g`; allocates nothing.
fn quad_grad(p: &P, g: &mut P) -> f64 {
    let mut loss = 0.0;
    g.zip_mut(p, |_, g, p| {
        for (g, p) in g.iter_mut().zip(p) {
            *g = 2.0 * (p - 1.0);
            loss += (p - 1.0) * (p - 1.0);
        }
    });
    loss
}

/// `stateful`: whether the first step allocates the optimizer's state.
fn check<O: Optimizer<f64, P>>(name: &str, mut opt: O, stateful: bool) {
    let mut p = P::zeros();
    p.fill(0.25);
    let mut g = P::zeros();
    quad_grad(&p, &mut g);
    let (first, ()) = allocations(|| opt.step(&mut p, &g).unwrap());
    assert_eq!(
        first > 0,
        stateful,
        "{name}: {first} allocations in the first step"
    );
    let (n, ()) = allocations(|| {
        for _ in 0..5 {
            quad_grad(&p, &mut g);
            opt.step(&mut p, &g).unwrap();
        }
    });
    assert_eq!(n, 0, "{name}: {n} allocations in 5 steps after the first");
}

#[test]
fn the_counter_sees_allocations() {
    let (n, v) = allocations(|| vec![1u8; 10]);
    assert_eq!((n, v.len()), (1, 10));
}

#[test]
fn stochastic_optimizers_allocate_only_on_the_first_step() {
    check("sgd", Sgd::new(Schedule::exponential(0.1, 0.9)), false);
    check("momentum", Momentum::new(0.1, 0.9), true);
    check("adam", Adam::new(0.01), true);
    check("nadam", Nadam::new(0.01), true);
    check("rprop", Rprop::default(), true);
}

#[test]
fn nesterov_lookahead_and_step_allocate_nothing_after_the_first() {
    let mut p = P::zeros();
    let mut g = P::zeros();
    let mut opt = Nesterov::new(0.1, 0.9);
    opt.step_with(&mut p, &mut g, |p, g| {
        quad_grad(p, g);
    })
    .unwrap();
    let (n, ()) = allocations(|| {
        for _ in 0..5 {
            opt.lookahead(&mut p).unwrap();
            quad_grad(&p, &mut g);
            opt.step(&mut p, &g).unwrap();
            opt.step_with(&mut p, &mut g, |p, g| {
                quad_grad(p, g);
            })
            .unwrap();
        }
    });
    assert_eq!(n, 0);
}

#[test]
fn lbfgs_allocates_only_at_construction() {
    let mut p = P::zeros();
    let (n, mut lbfgs) = allocations(|| Lbfgs::new(&p));
    assert!(n > 0);
    let (n, ()) = allocations(|| {
        for _ in 0..10 {
            lbfgs.minimize_step(&mut p, quad_grad).unwrap();
        }
    });
    assert_eq!(n, 0);
    assert!(lbfgs.steps() > 0);
}

#[test]
fn decay_and_clipping_allocate_nothing() {
    let mut p = P::zeros();
    p.fill(2.0);
    let mut g = P::zeros();
    let (n, ()) = allocations(|| {
        quad_grad(&p, &mut g);
        WeightDecay::l2(0.1).apply(&mut g, &p).unwrap();
        WeightDecay::l1(0.1).apply(&mut g, &p).unwrap();
        clip_global_norm(&mut g, 0.5).unwrap();
    });
    assert_eq!(n, 0);
}

network! {
    /// A small classifier trained with Adam in f32.
    struct Net { input: 4, hidden: dense(16, relu, init = he), out: dense(3) }
}

#[test]
fn a_network_training_step_allocates_nothing_after_the_first() {
    let mut net: Net<f32> = Net::new(&mut StdRng::seed_from_u64(5));
    let (mut grads, mut adam) = (Net::zeros(), Adam::new(1e-3));
    let x = SVector::<f32, 4>::from([0.5, -1.0, 0.25, 2.0]);
    let y = SVector::<f32, 3>::from([0.0, 1.0, 0.0]);
    let train = |net: &mut Net<f32>, grads: &mut Net<f32>, adam: &mut Adam<Net<f32>>| {
        let trace = net.forward_trace(&x);
        let (loss, dl_df) = SquaredError.value_and_grad(trace.output(), &y).unwrap();
        net.backward(&x, &trace, &dl_df, grads);
        WeightDecay::l2(1e-4).apply(grads, net).unwrap();
        clip_global_norm(grads, 1.0).unwrap();
        adam.step(net, grads).unwrap();
        loss
    };
    let first = train(&mut net, &mut grads, &mut adam);
    let (n, last) = allocations(|| {
        let mut l = first;
        for _ in 0..20 {
            l = train(&mut net, &mut grads, &mut adam);
        }
        l
    });
    assert_eq!(n, 0, "{n} allocations in 20 training steps");
    assert!(last < first);
}

network! {
    /// Every image layer's batch path: convolutions (strided, grouped, dilated), batch
    /// norm, max and average pooling, global average pooling.
    struct ImageNet {
        input: [2, 14, 14],
        c1: conv2d(4, 3, relu, pad = 1, init = he),
        bn: batch_norm(relu),
        p1: max_pool2d(2),
        c2: conv2d(6, 3, stride = 2, pad = 2, dilation = 2, groups = 2, init = he),
        p2: avg_pool2d(2),
        c3: conv2d(3, 1),
        gap: global_avg_pool,
    }
}

#[test]
fn a_cnn_batch_training_step_allocates_nothing_after_the_first() {
    use nn_core::loss::{CrossEntropy, Reduction};
    use nn_core::{Batch, BatchNetwork};
    let mut rng = StdRng::seed_from_u64(6);
    let mut net: ImageNet<f32> = ImageNet::new(&mut rng);
    let x = Batch::<f32, 392>::from_fn(16, |i, j| ((i * 7 + j * 13) % 17) as f32 / 17.0);
    let labels: Vec<usize> = (0..16).map(|i| i % 3).collect();
    let mut trace = <ImageNet<f32> as BatchNetwork<f32, 392, 3>>::new_trace(16);
    let (mut grads, mut adam, mut dl_df) = (ImageNet::zeros(), Adam::new(1e-2), Batch::zeros(16));
    let mut train = || {
        net.forward_train(&x, &mut trace);
        let out = <ImageNet<f32> as BatchNetwork<f32, 392, 3>>::trace_output(&trace);
        let loss = CrossEntropy
            .batch_grad_into(out, &labels[..], Reduction::Mean, &mut dl_df)
            .unwrap();
        net.backward_params(&x, &mut trace, &dl_df, &mut grads)
            .unwrap();
        adam.step(&mut net, &grads).unwrap();
        net.update_state(&trace);
        loss
    };
    let first = train();
    let (n, last) = allocations(|| {
        let mut l = first;
        for _ in 0..20 {
            l = train();
        }
        l
    });
    assert_eq!(n, 0, "{n} allocations in 20 batch training steps");
    assert!(last < first, "the loss went from {first} to {last}");
}
