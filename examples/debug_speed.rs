//! How much slower a debug build trains: `benches/debug_build_speed.sh` builds this example
//! in release, in the plain dev profile and in the dev profile with the dependencies
//! optimized, and runs them side by side.
//!
//! Trains a 784-128-10 ReLU classifier with `Fit` and Adam for one epoch on 4,096 random
//! images (seed 1), then prints `result: train_seconds=...`.

use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{Data, Fit};
use nn_core::{network, Batch};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::time::Instant;

network! {
    /// The README's digit classifier, smaller.
    pub struct Mlp {
        input: 784,
        fc1: dense(128, relu, init = he),
        out: dense(10),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = StdRng::seed_from_u64(1);
    let n = 4096;
    let x = Batch::<f32, 784>::from_fn(n, |_, _| rng.random_range(0.0..1.0));
    let y: Vec<usize> = (0..n).map(|_| rng.random_range(0..10)).collect();
    let mut net: Mlp = Mlp::new(&mut rng);
    let start = Instant::now();
    let history = Fit::new(1).batch_size(64).seed(1).run(
        &mut net,
        &mut Adam::new(1e-3),
        &CrossEntropy,
        Data::classes(&x, &y),
        None,
        &mut [],
    )?;
    let seconds = start.elapsed().as_secs_f64();
    let loss = history.epochs.last().map_or(f64::NAN, |e| e.train.loss);
    println!("result: train_seconds={seconds:.3} loss={loss:.4}");
    Ok(())
}
