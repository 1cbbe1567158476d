//! Neural networks versus nearest neighbour, the lecture's comparison: exact k-nearest
//! neighbour on the raw pixels of the 60,000 MNIST training images against an MLP and a CNN
//! trained here on the same images, each judged by its test accuracy on the 10,000 test
//! images, the bytes it must keep, and its time per query on one core.
//!
//! - **kNN.** `k` is chosen on held-out training images: the last 5,000 query the first
//!   55,000, `k` from 1 to 10 by majority vote, the best held-out accuracy wins (the smallest
//!   `k` on a tie). Then every test image queries all 60,000. Distances are exact, in `f32`:
//!   `‖r‖² - 2 q·r` by blocked matrix products (`support/knn.rs`; the neighbours of 20 test
//!   images are checked against distances summed directly in `f64`). It must keep the training
//!   set: 784 pixels of one byte and one label byte per image (`knn_bytes`; the `f32` copy
//!   the products read is four times that).
//! - **MLP**: 784-256-128-10 ReLU, Adam, 3 epochs of batch 64 on all 60,000 images.
//! - **CNN**: `mnist_cnn`'s network (conv3x3(16), pool, conv3x3(32), pool, dense(128),
//!   dropout 0.3, dense(10)), Adam, 1 epoch.
//!
//! The nets keep their `f32` parameters (`*_bytes`). Times per query: `*_us_per_query` is
//! one query at a time (kNN: the 60,000 distances of one image, over the first 200 test
//! images; the nets: the heap-free single-sample `forward`, over all 10,000), the serving
//! case of the lecture's car; `*_batch_us_per_query` is the whole test set in batches (kNN
//! in blocks of 512 queries, the nets in batches of [`NET_BATCH`]), divided by 10,000. The example
//! runs on one thread (`taskset -c 0` pins it to one core), and times are the thread's CPU
//! time (Linux's `/proc/thread-self/schedstat`, in nanoseconds), so other jobs on a shared
//! machine do not add their share of the core to it; elsewhere, wall-clock time.
//!
//! Ends with `result: knn_k=... knn_accuracy=... knn_bytes=... knn_us_per_query=...
//! knn_batch_us_per_query=... mlp_accuracy=... mlp_bytes=... mlp_us_per_query=...
//! mlp_batch_us_per_query=... cnn_accuracy=... cnn_bytes=... cnn_us_per_query=...
//! cnn_batch_us_per_query=...`.
//!
//! ```sh
//! cargo run --release --example nn_vs_knn
//! taskset -c 0 cargo run --release --example nn_vs_knn -- --mlp-epochs 5 --cnn-epochs 2
//! ```
//!
//! Flags (`--help` lists them with their defaults): `--data DIR`, `--normalize data|none`,
//! `--seed N`, `--mlp-epochs N`, `--cnn-epochs N`.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/knn.rs"]
mod knn;
#[path = "support/mnist_cli.rs"]
mod mnist_cli;

use clap::Parser;
use nn_core::data::{Mnist, MnistSet, PIXELS};
use nn_core::loss::CrossEntropy;
use nn_core::nalgebra::SVector;
use nn_core::optim::Adam;
use nn_core::train::{argmax_columns, Data, Fit};
use nn_core::{network, Batch, BatchNetwork};
use rand::{rngs::StdRng, SeedableRng};
use std::time::Instant;

/// A stopwatch of this thread's CPU time where Linux reports it, of wall-clock time
/// otherwise.
struct Clock {
    wall: Instant,
    cpu_ns: Option<u64>,
}

impl Clock {
    fn start() -> Self {
        Self {
            wall: Instant::now(),
            cpu_ns: thread_cpu_ns(),
        }
    }

    /// Seconds since `start`.
    fn seconds(&self) -> f64 {
        match (self.cpu_ns, thread_cpu_ns()) {
            (Some(a), Some(b)) => b.saturating_sub(a) as f64 * 1e-9,
            _ => self.wall.elapsed().as_secs_f64(),
        }
    }
}

/// The nanoseconds this thread has run on a CPU (the first field of
/// `/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

network! {
    /// The multilayer perceptron.
    pub struct Mlp {
        input: 784,
        fc1: dense(256, relu, init = he),
        fc2: dense(128, relu, init = he),
        out: dense(10),
    }
}

network! {
    /// The convolutional network of `examples/10_mnist_cnn.rs`.
    pub struct Cnn {
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

/// Held-out training images for choosing `k`.
const HELD_OUT: usize = 5_000;
/// The largest `k` tried.
const K_MAX: usize = 10;
/// Test images per batch of the nets' batched forward.
const NET_BATCH: usize = 100;
/// Test images queried one at a time for kNN's single-query time.
const SINGLE_QUERIES: usize = 200;
/// Test images whose neighbours are checked against directly summed distances.
const DIRECT_CHECKS: usize = 20;

/// k-nearest neighbour against an MLP and a CNN on MNIST: accuracy, bytes kept and time per
/// query; ends with `result: knn_k=... knn_accuracy=... ...`.
#[derive(Parser)]
#[command(name = "nn_vs_knn", allow_negative_numbers = true)]
struct Args {
    #[command(flatten)]
    data: mnist_cli::DataArgs,
    /// Seeds the nets' initialisation and shuffling
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = cli::seed)]
    seed: u64,
    /// The MLP's passes over the training images
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = cli::count)]
    mlp_epochs: usize,
    /// The CNN's passes over the training images
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = cli::count)]
    cnn_epochs: usize,
}

/// The fraction of `predicted` equal to `labels`.
fn accuracy(predicted: impl Iterator<Item = usize>, labels: &[u8]) -> f64 {
    let hits = predicted
        .zip(labels)
        .filter(|&(p, &y)| p == y as usize)
        .count();
    hits as f64 / labels.len() as f64
}

/// What one model measured.
struct Measured {
    accuracy: f64,
    bytes: usize,
    us_per_query: f64,
    batch_us_per_query: f64,
}

/// Exact kNN: `k` chosen on held-out training images, then the test set against all of the
/// training set.
fn knn(mnist: &Mnist) -> (usize, Measured) {
    let (train, test) = (&mnist.train, &mnist.test);
    let pixels = train.pixels();
    let fit = train.len() - HELD_OUT;
    let start = Instant::now();
    let index = knn::Knn::new(&pixels[..fit * PIXELS], PIXELS);
    let held = index.nearest(&pixels[fit * PIXELS..], K_MAX, |_, _| false);
    let labels = train.labels();
    let (mut k, mut best) = (1, 0.0);
    for kk in 1..=K_MAX {
        let acc = accuracy(
            held.iter().map(|n| knn::vote(n, labels, kk)),
            &labels[fit..],
        );
        println!("  k = {kk:>2}: held-out accuracy {acc:.4}");
        if acc > best {
            (k, best) = (kk, acc);
        }
    }
    println!(
        "kNN: k = {k} chosen on {HELD_OUT} held-out training images against the other {fit} \
         ({:.1}s)",
        start.elapsed().as_secs_f64()
    );
    let index = knn::Knn::new(pixels, PIXELS);
    let clock = Clock::start();
    let nearest = index.nearest(test.pixels(), k, |_, _| false);
    let batch_seconds = clock.seconds();
    let acc = accuracy(
        nearest.iter().map(|n| knn::vote(n, labels, k)),
        test.labels(),
    );
    let clock = Clock::start();
    let mut agree = 0;
    for (q, expected) in nearest.iter().enumerate().take(SINGLE_QUERIES) {
        let one = index.nearest(&test.pixels()[q * PIXELS..(q + 1) * PIXELS], k, |_, _| {
            false
        });
        let same =
            |a: &[(f32, u32)], b: &[(f32, u32)]| a.iter().map(|n| n.1).eq(b.iter().map(|n| n.1));
        agree += usize::from(same(&one[0], expected));
    }
    let single_seconds = clock.seconds();
    println!(
        "kNN: test accuracy {acc:.4}; {} queries in blocks in {batch_seconds:.1}s, \
         {SINGLE_QUERIES} one at a time in {single_seconds:.1}s (the same neighbours for \
         {agree} of them); the f32 copy for the products takes {} bytes",
        test.len(),
        index.bytes()
    );
    // The products' neighbours against distances summed directly in f64, pixel by pixel.
    let checked = nearest
        .iter()
        .take(DIRECT_CHECKS)
        .enumerate()
        .filter(|&(q, found)| {
            let query = &test.pixels()[q * PIXELS..(q + 1) * PIXELS];
            let mut all: Vec<(f64, usize)> = pixels
                .chunks_exact(PIXELS)
                .map(|r| {
                    let d = r.iter().zip(query).map(|(a, b)| f64::from(a - b).powi(2));
                    d.sum::<f64>()
                })
                .zip(0..)
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0));
            all.iter()
                .take(k)
                .map(|e| e.1 as u32)
                .eq(found.iter().map(|n| n.1))
        })
        .count();
    println!(
        "kNN: the {k} neighbours of the first {DIRECT_CHECKS} test images equal those of \
         distances summed directly in f64 for {checked} of them"
    );
    let measured = Measured {
        accuracy: acc,
        bytes: train.len() * (PIXELS + 1),
        us_per_query: 1e6 * single_seconds / SINGLE_QUERIES as f64,
        batch_us_per_query: 1e6 * batch_seconds / test.len() as f64,
    };
    (k, measured)
}

/// Trains `net` for `epochs` on all training images, then measures it on the test images.
fn net<N>(
    name: &str,
    net: &mut N,
    forward: impl Fn(&N, &SVector<f32, PIXELS>) -> SVector<f32, 10>,
    parameters: usize,
    epochs: usize,
    seed: u64,
    mnist: &Mnist,
) -> Result<Measured, Box<dyn std::error::Error>>
where
    N: BatchNetwork<f32, PIXELS, 10> + nn_core::Parameters<f32> + Clone,
{
    let all = |set: &MnistSet| set.batch(&(0..set.len()).collect::<Vec<_>>());
    let (x, y) = all(&mnist.train)?;
    let history = Fit::new(epochs).batch_size(64).seed(seed).run(
        net,
        &mut Adam::new(1e-3),
        &CrossEntropy,
        Data::classes(&x, &y),
        None,
        &mut [],
    )?;
    let (xt, _) = all(&mnist.test)?;
    let clock = Clock::start();
    let mut single = Vec::with_capacity(xt.ncols());
    for q in 0..xt.ncols() {
        let out = forward(net, &SVector::from_column_slice(xt.column(q).as_slice()));
        single.push(out.argmax().0);
    }
    let single_seconds = clock.seconds();
    let clock = Clock::start();
    let mut batched = Vec::with_capacity(xt.ncols());
    for c0 in (0..xt.ncols()).step_by(NET_BATCH) {
        let n = (xt.ncols() - c0).min(NET_BATCH);
        let xb: Batch<f32, PIXELS> = xt.columns(c0, n).into_owned();
        batched.extend(argmax_columns(&net.forward_batch(&xb)));
    }
    let batch_seconds = clock.seconds();
    let agree = single.iter().zip(&batched).filter(|(a, b)| a == b).count();
    let acc = accuracy(single.into_iter(), mnist.test.labels());
    println!(
        "{name}: {parameters} parameters, {epochs} epoch(s) in {:.1}s, test accuracy {acc:.4} \
         ({agree} of {} predictions equal one at a time and in batches)",
        history.train_seconds(),
        xt.ncols()
    );
    Ok(Measured {
        accuracy: acc,
        bytes: parameters * 4,
        us_per_query: 1e6 * single_seconds / xt.ncols() as f64,
        batch_us_per_query: 1e6 * batch_seconds / xt.ncols() as f64,
    })
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let a = Args::parse();
    let mnist = mnist_cli::load(&a.data, 0)?;
    let timing = if thread_cpu_ns().is_some() {
        "this thread's CPU time"
    } else {
        "wall-clock time"
    };
    println!("times per query are {timing}");
    let (k, knn) = knn(&mnist);
    let mut mlp: Mlp = Mlp::new(&mut StdRng::seed_from_u64(a.seed));
    let mlp = net(
        "MLP",
        &mut mlp,
        Mlp::forward,
        Mlp::<f32>::PARAMETERS,
        a.mlp_epochs,
        a.seed,
        &mnist,
    )?;
    let mut cnn: Cnn = Cnn::new(&mut StdRng::seed_from_u64(a.seed));
    let cnn = net(
        "CNN",
        &mut cnn,
        Cnn::forward,
        Cnn::<f32>::PARAMETERS,
        a.cnn_epochs,
        a.seed,
        &mnist,
    )?;
    let mut line = format!("result: knn_k={k}");
    for (name, m) in [("knn", &knn), ("mlp", &mlp), ("cnn", &cnn)] {
        line += &format!(
            " {name}_accuracy={:.4} {name}_bytes={} {name}_us_per_query={:.1} \
             {name}_batch_us_per_query={:.2}",
            m.accuracy, m.bytes, m.us_per_query, m.batch_us_per_query
        );
    }
    println!("{line}");
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
