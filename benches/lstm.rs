//! W5 of the peer comparison (`benches/compare_peers.py`): an LSTM with 32 inputs, 64 hidden
//! units, over 50 steps, in `f32`, returning the last hidden state.
//!
//! - W5 forward, batch 1: one sequence (time per sequence; 2,457,600 FLOP in the two products
//!   of the 50 steps, `2·4H·(I + H)·SEQ`).
//! - W5 training step, batch 32: batch forward, squared error on the last state, backward
//!   through time, Adam: the step `Fit` runs
//!   ([`Trainer::step`](nn_core::train::Trainer::step)), on one thread.
//!
//! Run: `cargo bench --bench lstm` (one thread; criterion prints time and throughput).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nn_core::loss::SquaredError;
use nn_core::optim::Adam;
use nn_core::train::{Targets, Trainer};
use nn_core::{nalgebra::SVector, network, Batch};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::hint::black_box;

const I: usize = 32;
const H: usize = 64;
const SEQ: usize = 50;
const FLOP_PER_SEQUENCE: u64 = (2 * 4 * H * (I + H) * SEQ) as u64;

network! {
    /// The peers' W5 network: one LSTM layer over 50 steps of 32 values, its last state out.
    pub struct W5 {
        input: [50, 32],
        lstm: lstm(64, seq = last),
    }
}

fn forward(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(0);
    let net: W5 = W5::new(&mut rng);
    let x = SVector::<f32, { SEQ * I }>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let mut g = c.benchmark_group("lstm");
    g.throughput(Throughput::Elements(FLOP_PER_SEQUENCE));
    g.bench_function("W5 forward, batch 1 (FLOP/s)", |b| {
        b.iter(|| net.forward(black_box(&x)))
    });
    g.finish();
}

fn training_step(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(0);
    let mut net: W5 = W5::new(&mut rng);
    let x = Batch::<f32, { SEQ * I }>::from_fn(32, |_, _| rng.random_range(-1.0..1.0));
    let target = Batch::<f32, H>::from_fn(32, |_, _| rng.random_range(-1.0..1.0));
    let mut adam = Adam::new(1e-3);
    // The step `Fit` runs, on one thread (`Fit::threads(1)`).
    let mut trainer = Trainer::new(32, 1, 0);
    let mut g = c.benchmark_group("lstm");
    g.throughput(Throughput::Elements(1));
    g.bench_function("W5 training step, batch 32 (steps/s)", |b| {
        b.iter(|| {
            trainer
                .step(
                    &mut net,
                    &mut adam,
                    &SquaredError,
                    black_box(&x),
                    Targets::Values(&target),
                )
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, forward, training_step);
criterion_main!(benches);
