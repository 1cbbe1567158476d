//! W1-W3 of the peer comparison (`../shared/peers`): a 784-128-64-10 ReLU MLP in `f32`.
//!
//! - W1: one sample's forward (time per sample; 218,368 FLOP).
//! - W2: a batch-64 forward (samples/s; 13,975,552 FLOP per batch).
//! - W3: one batch-64 training step: forward, softmax cross-entropy, backward, Adam.
//!
//! Run: `cargo bench --bench mlp` (one thread; criterion prints time and throughput).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
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
    g.bench_function("W2 forward, batch 64 (samples/s)", |b| {
        b.iter(|| net.forward_batch(black_box(&xb)))
    });
    g.finish();
}

criterion_group!(benches, w1_w2);
criterion_main!(benches);
