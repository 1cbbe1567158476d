//! W5 of the peer comparison (`benches/compare_peers.py`): an LSTM with 32 inputs, 64 hidden
//! units, over 50 steps, in `f32`, returning the last hidden state.
//!
//! - W5 forward, batch 1: one sequence (time per sequence; 2,457,600 FLOP in the two products
//!   of the 50 steps, `2·4H·(I + H)·SEQ`).
//! - W5 training step, batch 32: batch forward, squared error on the last state, backward
//!   through time, Adam.
//!
//! Run: `cargo bench --bench lstm` (one thread; criterion prints time and throughput).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nn_core::cell::Lstm;
use nn_core::layer::{BatchOp, Layer, Op};
use nn_core::optim::Adam;
use nn_core::{init::Init, nalgebra::SVector, Batch};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::hint::black_box;

const I: usize = 32;
const H: usize = 64;
const SEQ: usize = 50;
/// The peers' W5 layer: `Lstm<T, I, H, 4H, SEQ, SEQ·I, H>`.
type W5 = Lstm<f32, I, H, { 4 * H }, SEQ, { SEQ * I }, H>;
const FLOP_PER_SEQUENCE: u64 = (2 * 4 * H * (I + H) * SEQ) as u64;

fn forward(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(0);
    let lstm = W5::new(Init::LeCun, &mut rng);
    let x = SVector::<f32, { SEQ * I }>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let (mut y, mut cache) = (SVector::zeros(), W5::empty_cache());
    let mut g = c.benchmark_group("lstm");
    g.throughput(Throughput::Elements(FLOP_PER_SEQUENCE));
    g.bench_function("W5 forward, batch 1 (FLOP/s)", |b| {
        b.iter(|| {
            lstm.op_forward(black_box(&x), &mut y, &mut cache);
            black_box(&y);
        })
    });
    g.finish();
}

fn training_step(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(0);
    let mut lstm = W5::new(Init::LeCun, &mut rng);
    let x = Batch::<f32, { SEQ * I }>::from_fn(32, |_, _| rng.random_range(-1.0..1.0));
    let target = Batch::<f32, H>::from_fn(32, |_, _| rng.random_range(-1.0..1.0));
    let (mut y, mut cache) = (Batch::<f32, H>::zeros(32), W5::empty_batch_cache());
    let mut grads = W5::zeros();
    let mut adam = Adam::new(1e-3);
    let mut g = c.benchmark_group("lstm");
    g.throughput(Throughput::Elements(1));
    g.bench_function("W5 training step, batch 32 (steps/s)", |b| {
        b.iter(|| {
            lstm.op_forward_batch(&x, &mut y, &mut cache, true);
            let dy = (&y - &target) * (2.0 / 32.0);
            lstm.op_backward_batch(&x, &y, &cache, &dy, &mut grads, None);
            adam.step(&mut lstm, &grads).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, forward, training_step);
criterion_main!(benches);
