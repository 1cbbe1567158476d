//! W1-W3 of the peer comparison (`benches/compare_peers.py`): a 784-128-64-10 ReLU MLP in `f32`.
//!
//! - W1: one sample's forward (time per sample; 218,368 FLOP).
//! - W2: a batch-64 forward (samples/s; 13,975,552 FLOP per batch).
//! - W3: one batch-64 training step: forward, softmax cross-entropy, backward, Adam; the
//!   step `Fit` runs ([`Trainer::step`](nn_core::train::Trainer::step)), on one thread.
//!
//! Run: `cargo bench --bench mlp` (one thread; criterion prints time and throughput).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{Targets, Trainer};
use nn_core::{nalgebra::SVector, network, Batch};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::hint::black_box;

network! {
    /// The peers' MLP.
    pub struct Mlp {
        input: 784,
        fc1: dense(128, relu, init = he),
        fc2: dense(64, relu, init = he),
        fc3: dense(10),
    }
}

const FLOP_PER_SAMPLE: u64 = 2 * (784 * 128 + 128 * 64 + 64 * 10);

fn w1_w2(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(0);
    let net: Mlp = Mlp::new(&mut rng);
    let x = SVector::<f32, 784>::from_fn(|_, _| rng.random());
    let mut g = c.benchmark_group("mlp");
    g.throughput(Throughput::Elements(FLOP_PER_SAMPLE));
    g.bench_function("W1 forward, batch 1 (FLOP/s)", |b| {
        b.iter(|| net.forward(black_box(&x)))
    });
    let xb = Batch::<f32, 784>::from_fn(64, |_, _| rng.random());
    g.throughput(Throughput::Elements(64));
    let mut trace = net.forward_batch_trace(&xb);
    g.bench_function("W2 forward, batch 64 (samples/s)", |b| {
        b.iter(|| net.forward_batch_into(black_box(&xb), &mut trace).sum())
    });

    g.finish();
}

fn w3(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(0);
    let mut net: Mlp = Mlp::new(&mut rng);
    let x = Batch::<f32, 784>::from_fn(64, |_, _| rng.random());
    let labels: Vec<usize> = (0..64).map(|_| rng.random_range(0..10)).collect();
    let mut adam = Adam::new(1e-3);
    // The step `Fit` runs, on one thread (`Fit::threads(1)`).
    let mut trainer = Trainer::new(64, 1, 0);
    let mut g = c.benchmark_group("mlp");
    g.throughput(Throughput::Elements(1));
    g.bench_function("W3 training step, batch 64 (steps/s)", |b| {
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

criterion_group!(benches, w1_w2, w3);
criterion_main!(benches);
