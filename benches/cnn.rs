//! W4 of the peer comparison (`benches/compare_peers.py`): a small CNN in `f32`,
//! 1x28x28 -> conv3x3(8, pad 1) -> ReLU -> maxpool2 -> conv3x3(16, pad 1) -> ReLU -> maxpool2
//! -> flatten -> dense(10).
//!
//! - W4 forward, batch 1: one sample's forward (580,160 FLOP: 112,896 + 451,584 + 15,680
//!   for the two convolutions and the dense layer; criterion's throughput is FLOP/s).
//! - W4 forward, batch 64 (samples/s).
//! - W4 training step, batch 64: forward, softmax cross-entropy, backward, Adam (steps/s).
//! - `mnist_cnn`'s network (1x28x28 -> conv3x3(16, pad 1) -> pool -> conv3x3(32, pad 1) ->
//!   pool -> dense(128) -> dropout -> dense(10)): the same training step, batch 64.
//!
//! The training steps time the step `Fit` runs, [`Trainer::step`] (forward, the mean loss's
//! gradient, backward, the finiteness check, Adam), on one thread, with the buffers it keeps
//! from step to step.
//!
//! Run: `cargo bench --bench cnn` (one thread).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{Targets, Trainer};
use nn_core::{nalgebra::SVector, network, Batch, BatchNetwork};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::hint::black_box;

network! {
    /// The peers' W4 network.
    pub struct W4 {
        input: [1, 28, 28],
        c1: conv2d(8, 3, relu, pad = 1, init = he),
        p1: max_pool2d(2),
        c2: conv2d(16, 3, relu, pad = 1, init = he),
        p2: max_pool2d(2),
        flat: flatten,
        out: dense(10),
    }
}

network! {
    /// `examples/10_mnist_cnn.rs`'s network.
    pub struct MnistCnn {
        input: [1, 28, 28],
        conv1: conv2d(16, 3, relu, pad = 1, init = he),
        pool1: max_pool2d(2),
        conv2: conv2d(32, 3, relu, pad = 1, init = he),
        pool2: max_pool2d(2),
        flat: flatten,
        fc: dense(128, relu, init = he),
        drop: dropout(0.3),
        out: dense(10),
    }
}

/// Multiply-adds times two of the convolutions and the dense layer, for one sample.
const FLOP_PER_SAMPLE: u64 = 2 * (784 * 8 * 9 + 196 * 16 * 72 + 784 * 10);

/// The same for `mnist_cnn`'s network: two convolutions and two dense layers.
const MNIST_CNN_FLOP: u64 = 2 * (784 * 16 * 9 + 196 * 32 * 144 + 1568 * 128 + 128 * 10);

fn forward(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(0);
    let net: W4 = W4::new(&mut rng);
    let x = SVector::<f32, 784>::from_fn(|_, _| rng.random());
    let mut g = c.benchmark_group("cnn");
    g.throughput(Throughput::Elements(FLOP_PER_SAMPLE));
    g.bench_function("W4 forward, batch 1 (FLOP/s)", |b| {
        b.iter(|| net.forward(black_box(&x)))
    });
    // The same sample through the planned workspace (the path of networks too large for
    // stack locals), against the stack locals `forward` keeps for a network this small.
    let mut workspace = vec![0.0f32; W4::<f32>::WORKSPACE_LEN];
    g.bench_function("W4 forward_in, batch 1 (FLOP/s)", |b| {
        b.iter(|| net.forward_in(black_box(&x), &mut workspace))
    });
    let xb = Batch::<f32, 784>::from_fn(64, |_, _| rng.random());
    g.throughput(Throughput::Elements(64 * FLOP_PER_SAMPLE));
    let mut trace = net.forward_batch_trace(&xb);
    g.bench_function("W4 forward, batch 64 (FLOP/s)", |b| {
        b.iter(|| net.forward_batch_into(black_box(&xb), &mut trace).sum())
    });
    g.finish();
}

/// Benchmarks the step `Fit` runs ([`Trainer::step`], one thread, as `Fit::threads(1)`) on
/// `N` at batch 64; `flop` is one sample's forward FLOP.
fn bench_step<N: BatchNetwork<f32, 784, 10>>(c: &mut Criterion, name: &str, mut net: N, flop: u64) {
    let mut rng = StdRng::seed_from_u64(1);
    let x = Batch::<f32, 784>::from_fn(64, |_, _| rng.random());
    let labels: Vec<usize> = (0..64).map(|_| rng.random_range(0..10)).collect();
    let mut adam = Adam::new(1e-3);
    let mut trainer = Trainer::new(64, 1, 0);
    let mut g = c.benchmark_group("cnn");
    // Forward, then the backward's two products per layer (weights and inputs): 3x.
    g.throughput(Throughput::Elements(3 * 64 * flop));
    g.bench_function(name, |b| {
        b.iter(|| {
            trainer
                .step(
                    &mut net,
                    &mut adam,
                    &CrossEntropy,
                    black_box(&x),
                    Targets::Classes(&labels),
                )
                .unwrap()
        })
    });
    g.finish();
}

fn training_step(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(0);
    let w4: W4 = W4::new(&mut rng);
    bench_step(
        c,
        "W4 training step, batch 64 (FLOP/s)",
        w4,
        FLOP_PER_SAMPLE,
    );
    let cnn: MnistCnn = MnistCnn::new(&mut rng);
    bench_step(
        c,
        "mnist_cnn training step, batch 64 (FLOP/s)",
        cnn,
        MNIST_CNN_FLOP,
    );
}

criterion_group!(benches, forward, training_step);
criterion_main!(benches);
