//! A network with two inputs: an MNIST image and a scalar shift `s ∈ {0, ..., 9}`; it
//! predicts `(digit + s) mod 10`, which neither input determines alone.
//!
//! The image goes through two dense layers, the shift (as `s / 9`) through one, and the two
//! codes are concatenated before the classifier:
//!
//! ```text
//! img (784) -> seen (256) -> digit (64) --\
//!                                          concat (96) -> h (128) -> out (10)
//! shift (1) -> code (32) -----------------/
//! ```
//!
//! Trains with `Fit::run_graph_augmented` and Adam on the 60,000 training images (a fresh
//! random shift per image and mini-batch, drawn by the augmentation, which shifts the label
//! with it) and ends with `result: test_accuracy=... shift_ignored_accuracy=... train_seconds=...`:
//! the accuracy on the test images with random shifts, and with the shift input held at 0
//! (close to chance when the network really uses it).
//!
//! ```sh
//! cargo run --release --example two_inputs
//! cargo run --release --example two_inputs -- --epochs 5 --data DIR
//! ```
//!
//! Flags (`--help` lists them with their defaults): `--data DIR`, `--normalize data|none`, `--epochs N`, `--seed N`.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/mnist_cli.rs"]
mod mnist_cli;

use clap::Parser;
use nn_core::data::MnistSet;
use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{evaluate_graph, Control, EpochStats, Fit, GraphData, Targets, Weighted};
use nn_core::{network, Batch, Error};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! {
    /// `(digit + shift) mod 10` from an image and a shift.
    pub struct ShiftedDigit {
        img: input(784),
        shift: input(1),
        seen: dense(256, relu, init = he)(img),
        digit: dense(64, relu, init = he),
        code: dense(32, relu, init = he)(shift),
        both: concat(digit, code),
        h: dense(128, relu, init = he),
        out: dense(10),
    }
}

/// Random shifts for `labels` and the shifted labels.
fn shifted(labels: &[usize], rng: &mut StdRng) -> (Batch<f32, 1>, Vec<usize>) {
    let shifts: Vec<usize> = labels.iter().map(|_| rng.random_range(0..10)).collect();
    let s = Batch::<f32, 1>::from_iterator(labels.len(), shifts.iter().map(|&s| s as f32 / 9.0));
    let y = labels
        .iter()
        .zip(&shifts)
        .map(|(d, s)| (d + s) % 10)
        .collect();
    (s, y)
}

/// Test accuracy on random shifts; with `blind`, the network is shown shift 0 instead.
fn accuracy(net: &ShiftedDigit, set: &MnistSet, seed: u64, blind: bool) -> Result<f64, Error> {
    let idx: Vec<usize> = (0..set.len()).collect();
    let (x, digits) = set.batch(&idx)?;
    let (mut s, y) = shifted(&digits, &mut StdRng::seed_from_u64(seed));
    if blind {
        s.fill(0.0);
    }
    let m = evaluate_graph(
        net,
        &Weighted::new(1.0, CrossEntropy),
        GraphData::new(&(x, s), Targets::Classes(&y)),
        1000,
    )?;
    Ok(m.total.accuracy.unwrap_or(0.0))
}

fn run(
    data: &mnist_cli::DataArgs,
    epochs: usize,
    seed: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let mnist = mnist_cli::load(data, 0)?;
    let mut net = ShiftedDigit::new(&mut StdRng::seed_from_u64(seed));
    let all: Vec<usize> = (0..mnist.train.len()).collect();
    let (images, digits) = mnist.train.batch(&all)?;
    // The shift input is drawn afresh for every image of every mini-batch (below), and the
    // label with it: the stored shifts are placeholders.
    let x = (images, Batch::<f32, 1>::zeros(all.len()));
    let mut report = |e: &EpochStats, _: &mut ShiftedDigit| {
        println!("epoch {}: train loss {:.4}", e.epoch, e.train.loss);
        Control::Continue
    };
    let history = Fit::new(epochs)
        .batch_size(128)
        .seed(seed)
        .run_graph_augmented(
            &mut net,
            &mut Adam::new(1e-3),
            &Weighted::new(1.0, CrossEntropy),
            GraphData::new(&x, Targets::Classes(&digits)),
            None,
            &mut [&mut report],
            |(_, shift), y, rng| {
                for (s, label) in shift.iter_mut().zip(&mut y.labels) {
                    let k = rng.random_range(0..10);
                    *s = k as f32 / 9.0;
                    *label = (*label + k) % 10;
                }
            },
        )?;
    let seconds = history.train_seconds();
    let acc = accuracy(&net, &mnist.test, seed ^ 0x7E57, false)?;
    let blind = accuracy(&net, &mnist.test, seed ^ 0x7E57, true)?;
    println!("result: test_accuracy={acc:.4} shift_ignored_accuracy={blind:.4} train_seconds={seconds:.1}");
    Ok(())
}

/// An image and a shift predict `(digit + shift) mod 10`; ends with
/// `result: test_accuracy=... shift_ignored_accuracy=... train_seconds=...`.
#[derive(Parser)]
#[command(name = "two_inputs", allow_negative_numbers = true)]
struct Args {
    #[command(flatten)]
    data: mnist_cli::DataArgs,
    /// Passes over the 60,000 training images
    #[arg(long, value_name = "N", default_value_t = 15, value_parser = cli::count)]
    epochs: usize,
    /// Seeds the initialisation, the shuffling and the shifts
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = cli::seed)]
    seed: u64,
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args.data, args.epochs, args.seed) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
