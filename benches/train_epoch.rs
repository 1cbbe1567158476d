//! One training epoch with `Fit` on MNIST (the repository's `data/mnist`), for
//! `benches/train_vs_pytorch.py`, which runs it next to the same epoch in PyTorch.
//!
//! ```sh
//! cargo bench --bench train_epoch -- --net mlp --threads 0       # Fit, every core
//! cargo bench --bench train_epoch -- --net cnn --threads 1 --step  # the bare step too
//! cargo bench --bench train_epoch -- --net mlp --threads 1 --step --rounds 5
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
//! Prints `fit_seconds=... fit_samples_per_s=...` (the epoch's own figure,
//! [`EpochStats::seconds`]: from the epoch's first shuffle to its last step, so shuffling,
//! gathering each batch's samples from the data set, the steps and the loss and accuracy
//! bookkeeping; no validation pass, as this run has no validation set, and not the buffers
//! `Fit` sets up once before its first epoch).
//!
//! With `--step`, also the throughput of [`Trainer::step`] (the step `Fit` runs, and the one
//! the criterion benchmarks time) on one fixed batch of 64, on the same number of threads:
//! `step_samples_per_s=...`. Then `--rounds R` (default 3) rounds each train one epoch from
//! the same fresh network and then time the bare step for a third of that epoch's time, and
//! the best round of each counts, so a load that comes and goes on a shared machine hits
//! both alike. The first product of each matrix shape picks its kernel by timing once per
//! process (see `nn_core::kernels`): the first round's epoch pays for that, the later ones
//! do not, as a program's later epochs do not. On one thread (`--threads 1`) the best
//! throughputs by the thread's CPU time are printed too (`fit_cpu_samples_per_s=...
//! step_cpu_samples_per_s=...`, Linux only): they leave out the time the thread waited for a
//! core, and move less than the wall-clock figures when other programs load the machine.

use nn_core::data::Mnist;
use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{Data, EpochStats, Fit, Targets, Trainer};
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
    rounds: usize,
    samples: Option<usize>,
    data: PathBuf,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        net: String::from("mlp"),
        threads: 0,
        step: false,
        rounds: 3,
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
            "--rounds" => {
                let v = value()?;
                a.rounds = v.parse().ok().filter(|&n| n > 0).ok_or(format!(
                    "`--rounds` expects a whole number of at least 1, found `{v}`"
                ))?;
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
    // One epoch from a fresh network: the same work every time it is called.
    let epoch = || -> Result<(EpochStats, Option<f64>), String> {
        let mut net = N::new_seeded();
        let cpu = thread_cpu_seconds();
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
        let cpu = cpu.zip(thread_cpu_seconds()).map(|(a, b)| b - a);
        Ok((*history.last().ok_or("no epoch ran")?, cpu))
    };
    let n = y.len() as f64;
    if !a.step {
        let (e, _) = epoch()?;
        println!(
            "net={} samples={} threads={} fit_seconds={:.3} fit_samples_per_s={:.0} loss={:.4}",
            a.net,
            y.len(),
            a.threads,
            e.seconds,
            n / e.seconds,
            e.train.loss
        );
        return Ok(());
    }
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
    // Rounds of one epoch, then the bare step for a third of that epoch's time (at least 20
    // steps): a load that comes and goes hits both alike, and the best round of each counts.
    let (mut fit, mut bare) = (Best::default(), Best::default());
    let mut loss = 0.0;
    for _ in 0..a.rounds {
        let (e, cpu) = epoch()?;
        loss = e.train.loss;
        fit.add(n, e.seconds, cpu);
        let budget = Duration::from_secs_f64(e.seconds / 3.0);
        let (start, cpu) = (Instant::now(), thread_cpu_seconds());
        let mut steps = 0usize;
        while steps < 20 || start.elapsed() < budget {
            step()?;
            steps += 1;
        }
        let cpu = cpu.zip(thread_cpu_seconds()).map(|(a, b)| b - a);
        bare.add((steps * 64) as f64, start.elapsed().as_secs_f64(), cpu);
    }
    print!(
        "net={} samples={} threads={} rounds={} fit_seconds={:.3} fit_samples_per_s={:.0} step_samples_per_s={:.0} loss={loss:.4}",
        a.net,
        y.len(),
        a.threads,
        a.rounds,
        n / fit.wall,
        fit.wall,
        bare.wall
    );
    if a.threads == 1 && fit.cpu > 0.0 && bare.cpu > 0.0 {
        print!(
            " fit_cpu_samples_per_s={:.0} step_cpu_samples_per_s={:.0}",
            fit.cpu, bare.cpu
        );
    }
    println!();
    Ok(())
}

/// The best throughput (samples per second) of the rounds, by wall-clock time and by the
/// thread's CPU time.
#[derive(Default)]
struct Best {
    wall: f64,
    cpu: f64,
}

impl Best {
    fn add(&mut self, samples: f64, seconds: f64, cpu: Option<f64>) {
        self.wall = self.wall.max(samples / seconds);
        if let Some(c) = cpu.filter(|&c| c > 0.0) {
            self.cpu = self.cpu.max(samples / c);
        }
    }
}

/// The calling thread's time on a core so far (Linux: `/proc/thread-self/schedstat`, in
/// nanoseconds), which leaves out the time it waited for one: on a machine loaded by other
/// programs, a one-thread run's throughput by CPU time moves less than by wall-clock time.
fn thread_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}
