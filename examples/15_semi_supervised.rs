//! Semi-supervised embedding (Weston, Ratle and Collobert, *Deep learning via semi-supervised
//! embedding*, ICML 2008), the lecture's "additional embedding objectives": MNIST with 100
//! labelled images per class (the first 100 of each digit in the training file) and the other
//! 59,000 training images unlabelled.
//!
//! The same network, from the same initial weights and with the same labelled batches, is
//! trained twice for the same number of Adam steps: on the labels alone, and on the labels
//! plus the embedding loss ([`PairEmbedding`]) on its last hidden layer `emb`, which
//! `output: (emb, out)` exposes beside the logits:
//!
//! ```text
//! Σ_labelled CE(out(x_i), y_i) / n + λ Σ_pairs L(emb(x_i), emb(x_j)) / p
//! L = ‖emb(x_i) − emb(x_j)‖²                neighbours
//!     max(0, m − ‖emb(x_i) − emb(x_j)‖)²    non-neighbours
//! ```
//!
//! Neighbours, as in the paper: the `k` nearest neighbours of each image of a pool of
//! unlabelled images, by exact Euclidean distance on the pixels (`support/knn.rs`);
//! non-neighbours: two images of the pool drawn at random (most such pairs show different
//! digits). Every step takes a batch of labelled images and a batch of pairs, half
//! neighbours, and runs them as one batch through one forward and one backward pass: the
//! embedding gradient enters at `emb`, the cross-entropy gradient at `out`, and `emb` gets
//! their sum.
//!
//! Ends with `result: supervised_accuracy=... embedding_accuracy=...` on the 10,000 test
//! images.
//!
//! ```sh
//! cargo run --release --example semi_supervised
//! cargo run --release --example semi_supervised -- --seed 2 --lambda 1 --margin 10 --pool 12000
//! ```
//!
//! Flags (`--help` lists them with their defaults): `--data DIR`, `--normalize data|none`,
//! `--seed N`, `--steps N` (Adam steps of each run), `--lambda X` (the
//! embedding loss's weight), `--margin X`, `--pool N` (unlabelled images in the neighbour
//! graph), `--k N` (neighbours per image), `--pairs N` (pairs per step), `--batch N`
//! (labelled images per step).

#[path = "support/cli.rs"]
mod cli;
#[path = "support/knn.rs"]
mod knn;
#[path = "support/mnist_cli.rs"]
mod mnist_cli;

use clap::Parser;
use nn_core::data::{Mnist, PIXELS};
use nn_core::loss::{CrossEntropy, LossExt, Pair, PairEmbedding, Reduction};
use nn_core::optim::Adam;
use nn_core::train::argmax_columns;
use nn_core::{network, Batch};
use rand::seq::SliceRandom;
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::time::Instant;

/// Width of the embedded hidden layer.
const EMB: usize = 64;

network! {
    /// A digit classifier whose last hidden layer is an output too, for the embedding loss.
    pub struct Net {
        input: 784,
        h1: dense(256, relu, init = he),
        emb: dense(EMB, relu, init = he),
        out: dense(10),
        output: (emb, out),
    }
}

/// Semi-supervised embedding on MNIST with 100 labels per digit; ends with
/// `result: supervised_accuracy=... embedding_accuracy=...`.
#[derive(Parser)]
#[command(name = "semi_supervised", allow_negative_numbers = true)]
struct Args {
    #[command(flatten)]
    data: mnist_cli::DataArgs,
    /// Seeds the initialisation, the batches and the pairs
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = cli::seed)]
    seed: u64,
    /// Adam steps of each run
    #[arg(long, value_name = "N", default_value_t = 3000, value_parser = cli::positive)]
    steps: usize,
    /// λ, the embedding loss's weight
    #[arg(long, value_name = "X", default_value_t = 0.3, value_parser = |v: &str| cli::non_negative(v).map(|x| x as f32))]
    lambda: f32,
    /// m, the margin of the non-neighbour pairs' loss
    #[arg(long, value_name = "X", default_value_t = 15.0, value_parser = cli::positive_real)]
    margin: f64,
    /// Unlabelled images in the neighbour graph (more than --k)
    #[arg(long, value_name = "N", default_value_t = 30_000, value_parser = cli::positive)]
    pool: usize,
    /// Neighbours per image
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = cli::positive)]
    k: usize,
    /// Pairs per step, half of them neighbours (at least 2)
    #[arg(long, value_name = "N", default_value_t = 128, value_parser = cli::positive)]
    pairs: usize,
    /// Labelled images per step
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = cli::positive)]
    batch: usize,
}

fn parse_args() -> Result<Args, String> {
    let a = Args::parse();
    if a.pool <= a.k || a.pairs < 2 {
        return Err(format!(
            "`--pairs` expects at least 2, found {}, and `--pool` more images than `--k`, found {} and {}",
            a.pairs, a.pool, a.k
        ));
    }
    Ok(a)
}

/// The neighbour pairs `(i, j)`: each pool image with its `k` nearest other pool images
/// (indices into the training set).
fn neighbour_pairs(mnist: &Mnist, pool: &[usize], k: usize) -> Vec<(usize, usize)> {
    let pixels = mnist.train.pixels();
    let data: Vec<f32> = pool
        .iter()
        .flat_map(|&i| pixels[i * PIXELS..(i + 1) * PIXELS].iter().copied())
        .collect();
    let index = knn::Knn::new(&data, PIXELS);
    let nearest = index.nearest(&data, k, |q, r| q == r);
    nearest
        .iter()
        .enumerate()
        .flat_map(|(q, list)| list.iter().map(move |&(_, r)| (pool[q], pool[r as usize])))
        .collect()
}

/// The unlabelled data of the embedding loss: neighbour pairs (training-set indices) and the
/// pool non-neighbour pairs are drawn from.
#[derive(Clone, Copy)]
struct Unlabelled<'a> {
    neighbours: &'a [(usize, usize)],
    pool: &'a [usize],
}

/// One run: `steps` Adam steps from `Net::new(seed)`, the labelled batches drawn from
/// `seed`; with `pairs` (neighbour pairs, and the pool to draw non-neighbours from) the
/// embedding loss joins the cross-entropy. Returns the test accuracy.
fn train(
    mnist: &Mnist,
    labelled: &[usize],
    pairs: Option<Unlabelled<'_>>,
    a: &Args,
) -> Result<f64, nn_core::Error> {
    let mut net = Net::new(&mut StdRng::seed_from_u64(a.seed));
    let mut grads = Net::zeros();
    let mut opt = Adam::new(1e-3);
    let mut label_rng = StdRng::seed_from_u64(a.seed ^ 0x1abe1);
    let mut pair_rng = StdRng::seed_from_u64(a.seed ^ 0x9a125);
    let loss = PairEmbedding::new(a.margin);
    let p = if pairs.is_some() { a.pairs } else { 0 };
    let n = a.batch + 2 * p;
    let kinds: Vec<Pair> = (0..p).map(|j| Pair::from(j < p / 2)).collect();
    let mut trace = NetBatchTrace::with_batch_size(n);
    let (mut x, mut y) = (Batch::<f32, PIXELS>::zeros(n), Vec::with_capacity(n));
    let mut dl_demb = Batch::<f32, EMB>::zeros(n);
    let mut dl_dout = Batch::<f32, 10>::zeros(n);
    let mut idx = vec![0usize; n];
    let mut order = labelled.to_vec();
    let mut cursor = order.len();
    let (mut ce_sum, mut emb_sum) = (0.0f64, 0.0f64);
    for step in 1..=a.steps {
        for slot in &mut idx[..a.batch] {
            if cursor == order.len() {
                order.shuffle(&mut label_rng);
                cursor = 0;
            }
            *slot = order[cursor];
            cursor += 1;
        }
        if let Some(Unlabelled { neighbours, pool }) = pairs {
            for j in 0..p {
                let (i, k) = if kinds[j] == Pair::Neighbours {
                    neighbours[pair_rng.random_range(0..neighbours.len())]
                } else {
                    let mut draw = || pool[pair_rng.random_range(0..pool.len())];
                    (draw(), draw())
                };
                idx[a.batch + j] = i;
                idx[a.batch + p + j] = k;
            }
        }
        mnist.train.batch_into(&idx, &mut x, &mut y)?;
        net.forward_batch_trace_into(&x, &mut trace);
        let out = trace.out_x.columns(0, a.batch).into_owned();
        let (ce, dce) = CrossEntropy.batch_value_and_grad(&out, &y[..a.batch], Reduction::Mean)?;
        dl_dout.columns_mut(0, a.batch).copy_from(&dce);
        ce_sum += f64::from(ce);
        if p > 0 {
            let h = &trace.emb_x;
            let (ha, hb) = (
                h.columns(a.batch, p).into_owned(),
                h.columns(a.batch + p, p).into_owned(),
            );
            let (l, ga, gb) = loss.batch_value_and_grad(&ha, &hb, &kinds, Reduction::Mean)?;
            dl_demb.columns_mut(a.batch, p).copy_from(&(ga * a.lambda));
            dl_demb
                .columns_mut(a.batch + p, p)
                .copy_from(&(gb * a.lambda));
            emb_sum += f64::from(l);
        }
        net.backward_batch_params(&x, &mut trace, &dl_demb, &dl_dout, &mut grads)?;
        opt.step(&mut net, &grads)?;
        if step % 500 == 0 {
            let emb = if p > 0 {
                format!(", embedding loss {:.4}", emb_sum / 500.0)
            } else {
                String::new()
            };
            println!("  step {step}: cross-entropy {:.4}{emb}", ce_sum / 500.0);
            (ce_sum, emb_sum) = (0.0, 0.0);
        }
    }
    let all: Vec<usize> = (0..mnist.test.len()).collect();
    let (xt, yt) = mnist.test.batch(&all)?;
    let (_, logits) = net.forward_batch(&xt);
    let hits = argmax_columns(&logits)
        .zip(&yt)
        .filter(|(p, y)| p == *y)
        .count();
    Ok(hits as f64 / yt.len() as f64)
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let a = parse_args()?;
    let mnist = mnist_cli::load(&a.data, 0)?;
    // The first 100 images of each digit are labelled; every other image is unlabelled.
    let mut count = [0usize; 10];
    let (mut labelled, mut unlabelled) = (Vec::new(), Vec::new());
    for (i, &l) in mnist.train.labels().iter().enumerate() {
        if count[l as usize] < 100 {
            count[l as usize] += 1;
            labelled.push(i);
        } else {
            unlabelled.push(i);
        }
    }
    unlabelled.shuffle(&mut StdRng::seed_from_u64(a.seed));
    let pool = &unlabelled[..a.pool.min(unlabelled.len())];

    let start = Instant::now();
    let neighbours = neighbour_pairs(&mnist, pool, a.k);
    let agree = neighbours
        .iter()
        .filter(|&&(i, j)| mnist.train.labels()[i] == mnist.train.labels()[j])
        .count();
    println!(
        "{} labelled images, {} unlabelled; {} neighbour pairs from the {} nearest of {} \
         unlabelled images in {:.1}s ({:.1}% show the same digit; the labels are used for \
         this figure only)",
        labelled.len(),
        unlabelled.len(),
        neighbours.len(),
        a.k,
        pool.len(),
        start.elapsed().as_secs_f64(),
        100.0 * agree as f64 / neighbours.len() as f64
    );

    let start = Instant::now();
    println!("labels alone:");
    let supervised = train(&mnist, &labelled, None, &a)?;
    println!(
        "  test accuracy {supervised:.4} ({:.1}s)",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    println!(
        "labels + embedding loss (λ = {}, m = {}):",
        a.lambda, a.margin
    );
    let embedding = train(
        &mnist,
        &labelled,
        Some(Unlabelled {
            neighbours: &neighbours,
            pool,
        }),
        &a,
    )?;
    println!(
        "  test accuracy {embedding:.4} ({:.1}s)",
        start.elapsed().as_secs_f64()
    );
    println!(
        "result: supervised_accuracy={supervised:.4} embedding_accuracy={embedding:.4} \
         gain_points={:.2}",
        100.0 * (embedding - supervised)
    );
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
