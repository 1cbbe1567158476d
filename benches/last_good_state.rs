//! What keeping the last good state costs a training step: `Fit` epochs of 16 steps
//! (batch 64, the 784-128-64-10 MLP of W1-W3) with
//!
//! - Momentum, which moves nothing before the gradient;
//! - Nesterov as it is, which keeps a copy of `β` during the look-ahead so that a step given
//!   up there restores the parameters bit for bit;
//! - Nesterov without that copy (the look-ahead undone by subtracting `αΔβ` again, which
//!   rounds), written here with the public API exactly as the library did before.
//!
//! The three run side by side in one process; the ratios are the figures to read.
//! Run: `cargo bench --bench last_good_state`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nn_core::loss::CrossEntropy;
use nn_core::optim::{Momentum, Nesterov, Optimizer};
use nn_core::train::{Data, Fit};
use nn_core::{network, Batch, Error, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! {
    /// The peers' MLP (W1-W3).
    pub struct Mlp {
        input: 784,
        fc1: dense(128, relu, init = he),
        fc2: dense(64, relu, init = he),
        fc3: dense(10),
    }
}

/// Nesterov without the copy of `β`: `β + αΔβ` in place, the step from there.
struct NesterovNoCopy {
    alpha: f32,
    eta: f32,
    t: u64,
    velocity: Mlp,
}

impl Optimizer<f32, Mlp> for NesterovNoCopy {
    fn before_gradient(&mut self, params: &mut Mlp) -> Result<(), Error> {
        let alpha = self.alpha;
        params.zip_mut(&self.velocity, |_, p, v| {
            p.iter_mut().zip(v).for_each(|(p, &v)| *p += alpha * v)
        });
        Ok(())
    }
    fn step(&mut self, params: &mut Mlp, grads: &Mlp) -> Result<(), Error> {
        let (alpha, eta) = (self.alpha, self.eta);
        for i in 0..params.tensor_count() {
            let (Some(p), Some(g), Some(v)) = (
                params.tensor_mut(i),
                grads.tensor(i),
                self.velocity.tensor_mut(i),
            ) else {
                continue;
            };
            for ((p, &g), v) in p.iter_mut().zip(g).zip(v.iter_mut()) {
                *v = alpha * *v - eta * g;
                *p -= eta * g;
            }
        }
        self.t += 1;
        Ok(())
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn reset(&mut self) {
        self.t = 0;
        self.velocity.fill(0.0);
    }
}

fn epochs(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(0);
    let x = Batch::<f32, 784>::from_fn(1024, |_, _| rng.random());
    let y: Vec<usize> = (0..1024).map(|_| rng.random_range(0..10)).collect();
    let fit = Fit::new(1).batch_size(64);
    let mut g = c.benchmark_group("last good state");
    g.throughput(Throughput::Elements(16));
    let mut epoch = |name: &str, opt: &mut dyn FnMut(&mut Mlp)| {
        let mut net: Mlp = Mlp::new(&mut StdRng::seed_from_u64(1));
        g.bench_function(name, |b| b.iter(|| opt(&mut net)));
    };
    let data = Data::classes(&x, &y);
    let mut momentum = Momentum::new(0.01, 0.9);
    epoch("momentum, 16 steps (steps/s)", &mut |net| {
        fit.run(net, &mut momentum, &CrossEntropy, data, None, &mut [])
            .unwrap();
    });
    let mut nesterov = Nesterov::new(0.01, 0.9);
    epoch("nesterov, copy of β kept, 16 steps (steps/s)", &mut |net| {
        fit.run(net, &mut nesterov, &CrossEntropy, data, None, &mut [])
            .unwrap();
    });
    let mut no_copy = NesterovNoCopy {
        alpha: 0.9,
        eta: 0.01,
        t: 0,
        velocity: Mlp::zeros(),
    };
    epoch(
        "nesterov without the copy, 16 steps (steps/s)",
        &mut |net| {
            fit.run(net, &mut no_copy, &CrossEntropy, data, None, &mut [])
                .unwrap();
        },
    );
    g.finish();
}

criterion_group!(benches, epochs);
criterion_main!(benches);
