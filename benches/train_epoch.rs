//! One training epoch with `Fit` on MNIST (the repository's `data/mnist`), for
//! `benches/train_vs_pytorch.py`, which runs it next to the same epoch in PyTorch.
//!
//! ```sh
//! cargo bench --bench train_epoch -- --net mlp --threads 0       # Fit, every core
//! cargo bench --bench train_epoch -- --net cnn --threads 1 --step  # the bare step too
//! ```
//!
//! `--samples N` trains on the first `N` images only (a shorter epoch on a busy machine).
//!
//! Networks (`--net`): `mlp` (784-128-64-10 ReLU), `cnn` (conv3x3(8, pad 1), ReLU, maxpool 2,
//! conv3x3(16, pad 1), ReLU, maxpool 2, dense 10), `mnist_mlp` and `mnist_cnn` (the
//! examples' networks, on their 55,000 training images), `lstm` (LSTM(28 -> 64) over the
//! 28 rows, the last state into dense 10). Every run: Adam 1e-3, batch 64, softmax
//! cross-entropy, seed 0, inputs standardized with MNIST's mean and deviation.
//!
//! Prints `fit_seconds=... fit_samples_per_s=...`; with `--step`, also the throughput of
//! [`Trainer::step`] (the step `Fit` runs, and the one the criterion benchmarks time) on one
//! fixed batch of 64, on the same number of threads: `step_samples_per_s=...`.

use nn_core::data::Mnist;
use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{Data, Fit, Targets, Trainer};
use nn_core::{Batch, BatchNetwork};
use rand::{rngs::StdRng, SeedableRng};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[path = "../tests/support/speed_networks.rs"]
mod speed_networks;
use speed_networks::{Cnn, Lstm, Mlp, MnistCnn, MnistMlp};

struct Args {
    net: String,
    threads: usize,
    step: bool,
    samples: Option<usize>,
    data: PathBuf,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        net: String::from("mlp"),
        threads: 0,
        step: false,
        samples: None,
        data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("`{flag}` expects a value"));
        match flag.as_str() {
            "--net" => a.net = value()?,
            "--threads" => {
                let v = value()?;
                a.threads = v
                    .parse()
                    .map_err(|_| format!("`--threads` expects a whole number, found `{v}`"))?;
            }
            "--step" => a.step = true,
            "--samples" => {
                let v = value()?;
                a.samples = Some(v.parse().ok().filter(|&n| n > 0).ok_or(format!(
                    "`--samples` expects a whole number of at least 1, found `{v}`"
                ))?);
            }
            "--data" => a.data = PathBuf::from(value()?),
            "--bench" => {} // added by `cargo bench`
            other => {
                return Err(format!(
                    "unknown flag `{other}`; see benches/train_epoch.rs"
                ))
            }
        }
    }
    Ok(a)
}

fn main() -> Result<(), String> {
    let a = args()?;
    let mnist = Mnist::load_normalized(&a.data).map_err(|e| e.to_string())?;
    let n = match a.net.as_str() {
        "mnist_mlp" | "mnist_cnn" => 55_000,
        _ => mnist.train.len(),
    }
    .min(a.samples.unwrap_or(usize::MAX));
    let idx: Vec<usize> = (0..n.min(mnist.train.len())).collect();
    let (x, y) = mnist.train.batch(&idx).map_err(|e| e.to_string())?;
    match a.net.as_str() {
        "mlp" => bench::<Mlp>(&a, &x, &y),
        "cnn" => bench::<Cnn>(&a, &x, &y),
        "mnist_mlp" => bench::<MnistMlp>(&a, &x, &y),
        "mnist_cnn" => bench::<MnistCnn>(&a, &x, &y),
        "lstm" => bench::<Lstm>(&a, &x, &y),
        other => Err(format!(
            "`--net` expects mlp, cnn, mnist_mlp, mnist_cnn or lstm, found `{other}`"
        )),
    }
}

trait New {
    fn new_seeded() -> Self;
}

macro_rules! new_seeded {
    ($($t:ident),*) => {$(
        impl New for $t<f32> {
            fn new_seeded() -> Self {
                $t::new(&mut StdRng::seed_from_u64(0))
            }
        }
    )*};
}
new_seeded!(Mlp, Cnn, MnistMlp, MnistCnn, Lstm);

fn bench<N: BatchNetwork<f32, 784, 10> + New>(
    a: &Args,
    x: &Batch<f32, 784>,
    y: &[usize],
) -> Result<(), String> {
    let mut net = N::new_seeded();
    let history = Fit::new(1)
        .batch_size(64)
        .threads(a.threads)
        .run(
            &mut net,
            &mut Adam::new(1e-3),
            &CrossEntropy,
            Data::classes(x, y),
            None,
            &mut [],
        )
        .map_err(|e| e.to_string())?;
    let epoch = history.last().ok_or("no epoch ran")?;
    let loss = epoch.train.loss;
    print!(
        "net={} samples={} threads={} fit_seconds={:.3} fit_samples_per_s={:.0} loss={loss:.4}",
        a.net,
        y.len(),
        a.threads,
        epoch.seconds,
        y.len() as f64 / epoch.seconds
    );
    if a.step {
        // The bare step on one batch of 64, as the criterion benchmarks time it.
        let xb = Batch::<f32, 784>::from_fn(64, |r, c| x[(r, c)]);
        let yb = &y[..64];
        let mut net = N::new_seeded();
        let mut adam = Adam::new(1e-3);
        let mut trainer = Trainer::new(64, a.threads, 0);
        let mut step = || {
            trainer
                .step(
                    &mut net,
                    &mut adam,
                    &CrossEntropy,
                    &xb,
                    Targets::Classes(yb),
                )
                .map_err(|e| e.to_string())
        };
        for _ in 0..10 {
            step()?;
        }
        // As many steps as a third of the epoch took, at least 20.
        let budget = Duration::from_secs_f64(epoch.seconds / 3.0);
        let start = Instant::now();
        let mut steps = 0usize;
        while steps < 20 || start.elapsed() < budget {
            step()?;
            steps += 1;
        }
        let seconds = start.elapsed().as_secs_f64();
        print!(" step_samples_per_s={:.0}", (steps * 64) as f64 / seconds);
    }
    println!();
    Ok(())
}
