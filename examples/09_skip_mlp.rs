//! Skip connections: a deep, narrow MLP of sigmoid layers trains with them and hardly
//! without them.
//!
//! Both networks have the same 12 hidden layers of 64 sigmoid units and the same number of
//! parameters. In `Skip`, each block's output is added to its input,
//! `h_k = h_{k-1} + σ(W_k h_{k-1} + b_k)`, so the backward chain rule has a path through the
//! sums that no sigmoid derivative (at most 1/4) shrinks; in `Plain`, `h_k = σ(W_k h_{k-1} + b_k)`
//! and the gradient at the first layers is a product of twelve such factors.
//!
//! Trains both with Adam for the same number of epochs on 55,000 MNIST images and ends with
//! `result: skip_accuracy=... plain_accuracy=... train_seconds=...` on the 10,000 test images.
//!
//! ```sh
//! cargo run --release --example skip_mlp
//! cargo run --release --example skip_mlp -- --epochs 3 --data DIR
//! ```
//!
//! Flags (`--help` lists them with their defaults): `--data DIR`, `--normalize data|none`, `--epochs N`, `--seed N`.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/mnist_cli.rs"]
mod mnist_cli;

use clap::Parser;
use nn_core::data::Mnist;
use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{evaluate, Data, Fit};
use nn_core::{network, BatchNetwork};
use rand::{rngs::StdRng, SeedableRng};
use std::time::Instant;

network! {
    /// Twelve sigmoid blocks, each added to its input.
    pub struct Skip {
        input: 784,
        h0: dense(64, tanh),
        b1: dense(64, sigmoid), h1: add(h0, b1),
        b2: dense(64, sigmoid), h2: add(h1, b2),
        b3: dense(64, sigmoid), h3: add(h2, b3),
        b4: dense(64, sigmoid), h4: add(h3, b4),
        b5: dense(64, sigmoid), h5: add(h4, b5),
        b6: dense(64, sigmoid), h6: add(h5, b6),
        b7: dense(64, sigmoid), h7: add(h6, b7),
        b8: dense(64, sigmoid), h8: add(h7, b8),
        b9: dense(64, sigmoid), h9: add(h8, b9),
        b10: dense(64, sigmoid), h10: add(h9, b10),
        b11: dense(64, sigmoid), h11: add(h10, b11),
        b12: dense(64, sigmoid), h12: add(h11, b12),
        out: dense(10),
    }
}

network! {
    /// The same layers without the additions.
    pub struct Plain {
        input: 784,
        h0: dense(64, tanh),
        b1: dense(64, sigmoid),
        b2: dense(64, sigmoid),
        b3: dense(64, sigmoid),
        b4: dense(64, sigmoid),
        b5: dense(64, sigmoid),
        b6: dense(64, sigmoid),
        b7: dense(64, sigmoid),
        b8: dense(64, sigmoid),
        b9: dense(64, sigmoid),
        b10: dense(64, sigmoid),
        b11: dense(64, sigmoid),
        b12: dense(64, sigmoid),
        out: dense(10),
    }
}

/// Trains `net` and returns its test accuracy.
fn train<N: BatchNetwork<f32, 784, 10>>(
    net: &mut N,
    mnist: &Mnist,
    epochs: usize,
    seed: u64,
) -> Result<f64, Box<dyn std::error::Error>> {
    let all: Vec<usize> = (0..mnist.train.len()).collect();
    let (train_idx, val_idx) = all.split_at(mnist.train.len().saturating_sub(5000));
    let (x, y) = mnist.train.batch(train_idx)?;
    let (xv, yv) = mnist.train.batch(val_idx)?;
    let fit = Fit::new(epochs).batch_size(128).seed(seed);
    let history = fit.run(
        net,
        &mut Adam::new(1e-3),
        &CrossEntropy,
        Data::classes(&x, &y),
        Some(Data::classes(&xv, &yv)),
        &mut [],
    )?;
    for e in &history.epochs {
        let val = e
            .validation
            .as_ref()
            .and_then(|m| m.accuracy)
            .unwrap_or(0.0);
        println!(
            "  epoch {}: train loss {:.4}, validation accuracy {:.4}",
            e.epoch, e.train.loss, val
        );
    }
    let idx: Vec<usize> = (0..mnist.test.len()).collect();
    let (xt, yt) = mnist.test.batch(&idx)?;
    Ok(
        evaluate(net, &CrossEntropy, &Data::classes(&xt, &yt), 1000)?
            .accuracy
            .unwrap_or(0.0),
    )
}

/// A deep sigmoid MLP with and without skip connections; ends with
/// `result: skip_accuracy=... plain_accuracy=... train_seconds=...`.
#[derive(Parser)]
#[command(name = "skip_mlp", allow_negative_numbers = true)]
struct Args {
    #[command(flatten)]
    data: mnist_cli::DataArgs,
    /// Passes over the training images, for each network
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = cli::count)]
    epochs: usize,
    /// Seeds the initialisation and the shuffling
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = cli::seed)]
    seed: u64,
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let Args { data, epochs, seed } = Args::parse();
    let mnist = mnist_cli::load(&data, 0)?;
    assert_eq!(Skip::<f32>::PARAMETERS, Plain::<f32>::PARAMETERS);
    let start = Instant::now();
    println!("skip ({} parameters):", Skip::<f32>::PARAMETERS);
    let skip = train(
        &mut Skip::new(&mut StdRng::seed_from_u64(seed)),
        &mnist,
        epochs,
        seed,
    )?;
    println!("plain ({} parameters):", Plain::<f32>::PARAMETERS);
    let plain = train(
        &mut Plain::new(&mut StdRng::seed_from_u64(seed)),
        &mnist,
        epochs,
        seed,
    )?;
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "result: skip_accuracy={skip:.4} plain_accuracy={plain:.4} train_seconds={seconds:.1}"
    );
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
