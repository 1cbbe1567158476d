//! After the first step, a training step allocates nothing, on one thread or several, and a
//! whole `Fit` epoch after the first (its steps, the smaller last batch, the validation pass)
//! allocates nothing either. Counted with a global allocator over every thread, so this
//! binary holds one test (the harness would allocate while reporting others).
//!
//! The network here has one dense layer, so every product runs on kernels without packing
//! buffers. A product with a transposed left operand (a dense layer's `Wᵀ Δ`, needed once a
//! dense layer has a trainable layer before it) still goes to matrixmultiply, which
//! allocates its packing buffers on every call; deeper networks are covered once the
//! kernels keep those buffers.

#[path = "support/heap.rs"]
mod heap;

#[global_allocator]
static A: heap::Counting = heap::Counting;

use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{Control, Data, EpochStats, Fit, Targets, Trainer};
use nn_core::{network, Batch};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! {
    /// One dense layer and dropout: every product on the packing-free kernels.
    struct Linear {
        input: 20,
        fc: dense(4, relu),
        drop: dropout(0.2),
    }
}

fn data<const IN: usize>(n: usize) -> (Batch<f32, IN>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(3);
    let x = Batch::<f32, IN>::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
    let y = (0..n).map(|i| i % 4).collect();
    (x, y)
}

/// Steps on full batches and a smaller one, after one of each: no allocation.
fn steps_allocate_nothing<N: nn_core::BatchNetwork<f32, 20, 4>>(mut net: N, threads: usize) {
    let (x, y) = data::<20>(64);
    let (xs, ys) = data::<20>(40);
    let mut adam = Adam::new(1e-3);
    let mut trainer = Trainer::new(64, threads, 0);
    assert_eq!(trainer.threads(), threads);
    let mut step = |x: &Batch<f32, 20>, y: &[usize]| -> f64 {
        trainer
            .step(&mut net, &mut adam, &CrossEntropy, x, Targets::Classes(y))
            .unwrap()
            .loss
    };
    step(&x, &y);
    step(&xs, &ys);
    let before = heap::allocations();
    let mut sum = 0.0;
    for _ in 0..20 {
        sum += step(&x, &y);
        sum += step(&xs, &ys);
    }
    let allocated = heap::allocations() - before;
    assert!(sum.is_finite());
    assert_eq!(allocated, 0, "40 steps on {threads} thread(s)");
}

/// The allocation count at the end of every epoch, through a callback (which itself
/// allocates nothing: the vector has room).
fn epoch_allocations<const IN: usize, N>(net: &mut N, threads: usize) -> Vec<usize>
where
    N: nn_core::BatchNetwork<f32, IN, 4>,
{
    let (x, y) = data::<IN>(200); // batches of 32: 6 full and one of 8
    let (vx, vy) = data::<IN>(70);
    let mut counts = Vec::with_capacity(8);
    let mut record = |_: &EpochStats, _: &mut N| {
        counts.push(heap::allocations());
        Control::Continue
    };
    Fit::new(4)
        .batch_size(32)
        .threads(threads)
        .run(
            net,
            &mut Adam::new(1e-3),
            &CrossEntropy,
            Data::classes(&x, &y),
            Some(Data::classes(&vx, &vy)),
            &mut [&mut record],
        )
        .unwrap();
    counts
}

fn check_epochs<const IN: usize, N: nn_core::BatchNetwork<f32, IN, 4>>(
    new: impl Fn() -> N,
    name: &str,
) {
    for threads in [1, 2] {
        let c = epoch_allocations(&mut new(), threads);
        assert_eq!(
            (c[2] - c[1], c[3] - c[2]),
            (0, 0),
            "{name}, epochs 3 and 4 on {threads} thread(s): allocations so far after each epoch {c:?}"
        );
    }
}

fn linear() -> Linear {
    Linear::new(&mut StdRng::seed_from_u64(1))
}

#[test]
fn training_allocates_nothing_after_the_first_step() {
    // The harness's main thread records this test after starting its thread; on a busy
    // machine that can fall into a measurement. Let it finish first.
    std::thread::sleep(std::time::Duration::from_millis(300));
    // The counter counts.
    let before = heap::allocations();
    let b = std::hint::black_box(Box::new(1u8));
    assert_eq!(heap::allocations() - before, 1);
    drop(b);

    for threads in [1, 2, 4] {
        steps_allocate_nothing(linear(), threads);
    }
    check_epochs(linear, "one dense layer");
}
