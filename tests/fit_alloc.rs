//! After the first step, a training step allocates nothing, on one thread or several, and a
//! whole `Fit` epoch after the first (its steps, the smaller last batch, the validation pass)
//! allocates nothing either, for every network of the README's speed table: the MLP, the
//! small CNN, `mnist_mlp`'s and `mnist_cnn`'s networks and the LSTM classifier; so does the
//! step of a network with two inputs and two outputs (`GraphTrainer`), and its
//! `Fit::run_graph` epochs allocate only their history's per-output figures, the same count
//! for 4 steps as for 40. Counted with a
//! global allocator over every thread, so this binary holds one test (the harness would
//! allocate while reporting others).

#[path = "support/heap.rs"]
mod heap;

#[global_allocator]
static A: heap::Counting = heap::Counting;

use nn_core::loss::{CrossEntropy, SquaredError};
use nn_core::optim::Adam;
use nn_core::train::{
    evaluate, Control, Data, EpochStats, Fit, GraphData, GraphTrainer, Targets, Trainer, Weighted,
};
use nn_core::{network, Batch, BatchNetwork};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! {
    /// One dense layer and dropout.
    struct Linear {
        input: 20,
        fc: dense(4, relu),
        drop: dropout(0.2),
    }
}

network! {
    /// Two inputs, two outputs, dropout in the shared trunk.
    struct TwoByTwo {
        a: input(30),
        b: input(6),
        both: concat(a, b),
        trunk: dense(16, relu),
        drop: dropout(0.2),
        class: dense(4)(drop),
        value: dense(2)(drop),
        output: (class, value),
    }
}

/// Graph steps on full batches of 64 and a smaller one of 40, after one of each: no
/// allocation (the shards' buffers and the sum's scratch are kept).
fn graph_steps_allocate_nothing(threads: usize) {
    let mut net: TwoByTwo = seeded(TwoByTwo::new)();
    let heads = (
        Weighted::new(1.0, CrossEntropy),
        Weighted::new(0.1, SquaredError),
    );
    let batch = |n: usize, seed: u64| {
        let (a, labels) = data::<30, 4>(n, seed);
        let (b, _) = data::<6, 4>(n, seed + 1);
        let (v, _) = data::<2, 4>(n, seed + 2);
        ((a, b), labels, v)
    };
    let (full, small) = (batch(64, 3), batch(40, 6));
    let mut adam = Adam::new(1e-3);
    let mut trainer = GraphTrainer::new(64, threads, 0);
    assert_eq!(trainer.threads(), threads);
    let mut step = |(x, labels, v): &(_, Vec<usize>, Batch<f32, 2>)| -> f64 {
        let y = (Targets::Classes(&labels[..]), Targets::Values(v));
        trainer
            .step(&mut net, &mut adam, &heads, x, y)
            .unwrap()
            .loss
    };
    step(&full);
    step(&small);
    let before = heap::allocations();
    let mut sum = 0.0;
    for _ in 0..10 {
        sum += step(&full) + step(&small);
    }
    let allocated = heap::allocations() - before;
    assert!(sum.is_finite());
    assert_eq!(allocated, 0, "graph steps on {threads} thread(s)");
}

/// The allocations of each of epochs 3 and 4 of `Fit::run_graph` (with validation) on
/// `samples` training samples in batches of 32.
fn graph_epoch_allocations(samples: usize, threads: usize) -> [usize; 2] {
    let mut net: TwoByTwo = seeded(TwoByTwo::new)();
    let heads = (
        Weighted::new(1.0, CrossEntropy),
        Weighted::new(0.1, SquaredError),
    );
    let set = |n: usize, seed: u64| {
        let (a, labels) = data::<30, 4>(n, seed);
        let (b, _) = data::<6, 4>(n, seed + 1);
        let (v, _) = data::<2, 4>(n, seed + 2);
        ((a, b), labels, v)
    };
    let ((x, labels, v), (vx, vlabels, vv)) = (set(samples, 5), set(70, 8));
    let mut counts = Vec::with_capacity(8);
    let mut record = |_: &EpochStats, _: &mut TwoByTwo| {
        counts.push(heap::allocations());
        Control::Continue
    };
    Fit::new(4)
        .batch_size(32)
        .threads(threads)
        .run_graph(
            &mut net,
            &mut Adam::new(1e-3),
            &heads,
            GraphData::new(&x, (Targets::Classes(&labels[..]), Targets::Values(&v))),
            Some(GraphData::new(
                &vx,
                (Targets::Classes(&vlabels[..]), Targets::Values(&vv)),
            )),
            &mut [&mut record],
        )
        .unwrap();
    [counts[2] - counts[1], counts[3] - counts[2]]
}

#[path = "support/speed_networks.rs"]
mod speed_networks;
use speed_networks::{Cnn, Lstm, Mlp, MnistCnn, MnistMlp};

fn data<const IN: usize, const OUT: usize>(n: usize, seed: u64) -> (Batch<f32, IN>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Batch::<f32, IN>::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
    let y = (0..n).map(|i| i % OUT).collect();
    (x, y)
}

/// Steps on full batches of 64 and a smaller one of 40, after one of each: no allocation.
fn steps_allocate_nothing<const IN: usize, const OUT: usize, N>(
    mut net: N,
    threads: usize,
    rounds: usize,
    name: &str,
) where
    N: BatchNetwork<f32, IN, OUT>,
{
    let (x, y) = data::<IN, OUT>(64, 3);
    let (xs, ys) = data::<IN, OUT>(40, 4);
    let mut adam = Adam::new(1e-3);
    let mut trainer = Trainer::new(64, threads, 0);
    assert_eq!(trainer.threads(), threads, "{name}");
    let mut step = |x: &Batch<f32, IN>, y: &[usize]| -> f64 {
        trainer
            .step(&mut net, &mut adam, &CrossEntropy, x, Targets::Classes(y))
            .unwrap()
            .loss
    };
    step(&x, &y);
    step(&xs, &ys);
    let before = heap::allocations();
    let mut sum = 0.0;
    for _ in 0..rounds {
        sum += step(&x, &y);
        sum += step(&xs, &ys);
    }
    let allocated = heap::allocations() - before;
    assert!(sum.is_finite());
    assert_eq!(
        allocated,
        0,
        "{name}: {} steps on {threads} thread(s)",
        2 * rounds
    );
}

/// The allocation count at the end of every epoch, through a callback (which itself
/// allocates nothing: the vector has room).
fn epoch_allocations<const IN: usize, const OUT: usize, N>(
    net: &mut N,
    threads: usize,
) -> Vec<usize>
where
    N: BatchNetwork<f32, IN, OUT>,
{
    let (x, y) = data::<IN, OUT>(104, 5); // batches of 32: 3 full and one of 8
    let (vx, vy) = data::<IN, OUT>(70, 6);
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

/// Epochs 3 and 4 of `Fit` allocate nothing, on 1 and 2 threads.
fn check_epochs<const IN: usize, const OUT: usize, N: BatchNetwork<f32, IN, OUT>>(
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

/// Steps on 1 and 2 threads (and 4 for the small network), then whole epochs.
fn check<const IN: usize, const OUT: usize, N: BatchNetwork<f32, IN, OUT>>(
    new: impl Fn() -> N,
    name: &str,
    threads: &[usize],
    rounds: usize,
) {
    for &t in threads {
        steps_allocate_nothing(new(), t, rounds, name);
    }
    check_epochs(new, name);
}

fn seeded<N>(new: impl Fn(&mut StdRng) -> N) -> impl Fn() -> N {
    move || new(&mut StdRng::seed_from_u64(1))
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

    check(seeded(Linear::new), "one dense layer", &[1, 2, 4], 20);
    check(seeded(Mlp::new), "MLP 784-128-64-10", &[1, 2], 3);
    check(seeded(Cnn::new), "the small CNN", &[1, 2], 2);
    check(seeded(MnistMlp::new), "mnist_mlp's network", &[1, 2], 2);
    check(seeded(MnistCnn::new), "mnist_cnn's network", &[1, 2], 1);
    check(seeded(Lstm::new), "the LSTM classifier", &[1, 2], 2);
    for threads in [1, 2] {
        graph_steps_allocate_nothing(threads);
        // 4 steps an epoch (3 full batches and one of 8), then 40: no allocation per step.
        let (few, many) = (
            graph_epoch_allocations(104, threads),
            graph_epoch_allocations(1256, threads),
        );
        assert_eq!(few, many, "graph epochs 3 and 4 on {threads} thread(s)");
        // 2 today: the per-output figures of training and validation in the history.
        assert!(few[0] <= 8, "graph epoch 3 on {threads} thread(s): {few:?}");
    }

    // `evaluate` through one evaluator reuses its buffers: a second pass allocates nothing.
    let net: Mlp = seeded(Mlp::new)();
    let (x, y) = data::<784, 10>(100, 7);
    let d = Data::classes(&x, &y);
    let mut eval = nn_core::train::Evaluator::new();
    let first = eval.run(&net, &CrossEntropy, &d, 32).unwrap();
    let before = heap::allocations();
    let again = eval.run(&net, &CrossEntropy, &d, 32).unwrap();
    assert_eq!(heap::allocations() - before, 0, "a second evaluation");
    assert_eq!(first, again);
    assert_eq!(evaluate(&net, &CrossEntropy, &d, 32).unwrap(), first);
}
