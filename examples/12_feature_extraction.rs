//! Feature extraction, as the lecture describes transfer learning: train a convolutional body
//! (with a 5-way head) on the digits 0-4, remove the head, freeze the body, and train a new
//! head on the digits 5-9 from only 100 labelled images per class. The same head trained on a
//! randomly initialised frozen body shows what the learned features are worth.
//!
//! Ends with `result: transfer_accuracy=... random_body_accuracy=...` (on the test images of
//! the digits 5-9).
//!
//! ```sh
//! cargo run --release --example feature_extraction
//! cargo run --release --example feature_extraction -- --data DIR --epochs 2
//! ```
//!
//! Flags (`--help` lists them with their defaults): `--data DIR` (MNIST's IDX files; default:
//! the copy in this repository), `--normalize data|none`, `--epochs N` (of the body on 0-4),
//! `--seed N`.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/mnist_cli.rs"]
mod mnist_cli;

use clap::Parser;
use nn_core::data::MnistSet;
use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{evaluate, Data, Fit};
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, SeedableRng};

network! {
    /// The body and its first head, trained together on 0-4.
    pub struct Full {
        input: [1, 28, 28],
        conv1: conv2d(16, 3, relu, pad = 1, init = he),
        pool1: max_pool2d(2),
        conv2: conv2d(32, 3, relu, pad = 1, init = he),
        pool2: max_pool2d(2),
        flat: flatten,
        features: dense(64, relu, init = he),
        head: dense(5),
    }
}

network! {
    /// The same body without the head: it maps an image to 64 features.
    pub struct Body {
        input: [1, 28, 28],
        conv1: conv2d(16, 3, relu, pad = 1, init = he),
        pool1: max_pool2d(2),
        conv2: conv2d(32, 3, relu, pad = 1, init = he),
        pool2: max_pool2d(2),
        flat: flatten,
        features: dense(64, relu, init = he),
    }
}

network! {
    /// The new head, trained on the frozen body's features.
    pub struct Head {
        input: 64,
        out: dense(5),
    }
}

/// Transfer learning: a body trained on the digits 0-4, frozen, and a new head trained on
/// 5-9 from 100 images per class; ends with
/// `result: transfer_accuracy=... random_body_accuracy=...`.
#[derive(Parser)]
#[command(name = "feature_extraction", allow_negative_numbers = true)]
struct Args {
    #[command(flatten)]
    data: mnist_cli::DataArgs,
    /// Passes of the body over the training images of the digits 0-4
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = cli::count)]
    epochs: usize,
    /// Seeds the initialisations and the shuffling
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = cli::seed)]
    seed: u64,
}

/// The images of the digits `lo..lo+5` (at most `per_class` of each), labels shifted to 0-4.
fn digits(
    set: &MnistSet,
    lo: u8,
    per_class: usize,
) -> Result<(Batch<f32, 784>, Vec<usize>), nn_core::Error> {
    let mut count = [0usize; 10];
    let idx: Vec<usize> = (0..set.len())
        .filter(|&i| {
            let l = set.labels()[i];
            let keep = (lo..lo + 5).contains(&l) && count[l as usize] < per_class;
            count[l as usize] += usize::from(keep);
            keep
        })
        .collect();
    let (x, y) = set.batch(&idx)?;
    Ok((x, y.into_iter().map(|l| l - lo as usize).collect()))
}

/// Trains a fresh head on `body`'s features of the few labelled images; its test accuracy.
fn head_accuracy(
    body: &Body,
    few: &(Batch<f32, 784>, Vec<usize>),
    test: &(Batch<f32, 784>, Vec<usize>),
    seed: u64,
) -> Result<f64, Box<dyn std::error::Error>> {
    let (train_f, test_f) = (body.forward_batch(&few.0), body.forward_batch(&test.0));
    let mut head: Head = Head::new(&mut StdRng::seed_from_u64(seed));
    Fit::new(100).batch_size(50).seed(seed).run(
        &mut head,
        &mut Adam::new(1e-2),
        &CrossEntropy,
        Data::classes(&train_f, &few.1),
        None,
        &mut [],
    )?;
    Ok(
        evaluate(&head, &CrossEntropy, &Data::classes(&test_f, &test.1), 1000)?
            .accuracy
            .unwrap_or(0.0),
    )
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mnist = mnist_cli::load(&args.data, 0)?;
    let (x04, y04) = digits(&mnist.train, 0, usize::MAX)?;
    let mut full: Full = Full::new(&mut StdRng::seed_from_u64(args.seed));
    let history = Fit::new(args.epochs).batch_size(64).seed(args.seed).run(
        &mut full,
        &mut Adam::new(1e-3),
        &CrossEntropy,
        Data::classes(&x04, &y04),
        None,
        &mut [],
    )?;
    let test04 = digits(&mnist.test, 0, usize::MAX)?;
    let acc04 = evaluate(
        &full,
        &CrossEntropy,
        &Data::classes(&test04.0, &test04.1),
        1000,
    )?;
    println!(
        "body + head on 0-4: test accuracy {:.4} after {:.1}s",
        acc04.accuracy.unwrap_or(0.0),
        history.train_seconds()
    );

    // Remove the head: the body's tensors are the first ones of `Full`, in the same order.
    let mut body: Body = Body::zeros();
    for i in 0..body.tensor_count() {
        let (name, src) = (full.tensor_info(i), full.tensor(i));
        assert_eq!(
            name.map(|n| n.to_string()),
            body.tensor_info(i).map(|n| n.to_string())
        );
        if let (Some(dst), Some(src)) = (body.tensor_mut(i), src) {
            dst.copy_from_slice(src);
        }
    }
    let few = digits(&mnist.train, 5, 100)?;
    let test59 = digits(&mnist.test, 5, usize::MAX)?;
    let transfer = head_accuracy(&body, &few, &test59, args.seed)?;
    let random_body: Body = Body::new(&mut StdRng::seed_from_u64(args.seed + 1));
    let random = head_accuracy(&random_body, &few, &test59, args.seed)?;
    println!(
        "result: transfer_accuracy={transfer:.4} random_body_accuracy={random:.4} labelled_per_class=100"
    );
    Ok(())
}
