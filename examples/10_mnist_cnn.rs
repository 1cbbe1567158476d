//! MNIST with a convolutional network: two stages of 3x3 convolution, ReLU and 2x2 max
//! pooling (16 then 32 filters), a 128-unit dense layer with dropout, and a 10-way softmax,
//! trained with Adam on mini-batches of softmax cross-entropy.
//!
//! Trains on 55,000 training images, validates on the other 5,000 after every epoch, and
//! reports accuracy on the 10,000 test images. Ends with
//! `result: test_accuracy=... train_seconds=...`.
//!
//! ```sh
//! cargo run --release --example mnist_cnn
//! cargo run --release --example mnist_cnn -- --data DIR   # any data set in MNIST's format
//! ```
//!
//! Flags: `--data DIR` (the four IDX files, gzipped or not; default: the copy in this
//! repository), `--epochs N`, `--seed N`, `--batch-size N`, `--lr X`.

use nn_core::data::{Mnist, MnistSet};
use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{evaluate, Control, Data, EpochStats, Fit};
use nn_core::{network, Batch, Error};
use rand::{rngs::StdRng, SeedableRng};
use std::path::PathBuf;

network! {
    /// The digit classifier: every intermediate size is computed (and checked) by the macro.
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

struct Args {
    data: PathBuf,
    epochs: usize,
    seed: u64,
    batch_size: usize,
    lr: f64,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist"),
        epochs: 6,
        seed: 1,
        batch_size: 64,
        lr: 1e-3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("`{flag}` needs a value"));
        let num = |v: String| {
            v.parse::<f64>()
                .map_err(|_| format!("`{flag}` expects a number, found `{v}`"))
        };
        match flag.as_str() {
            "--data" => a.data = PathBuf::from(value()?),
            "--epochs" => a.epochs = num(value()?)? as usize,
            "--seed" => a.seed = num(value()?)? as u64,
            "--batch-size" => a.batch_size = num(value()?)? as usize,
            "--lr" => a.lr = num(value()?)?,
            "--help" | "-h" => {
                return Err(String::from("see the header of examples/10_mnist_cnn.rs"))
            }
            other => {
                return Err(format!(
                "unknown flag `{other}`; expected --data, --epochs, --seed, --batch-size or --lr"
            ))
            }
        }
    }
    Ok(a)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let mnist = Mnist::load_normalized(&args.data)?;
    let all: Vec<usize> = (0..mnist.train.len()).collect();
    let (train_idx, val_idx) = all.split_at(mnist.train.len().saturating_sub(5000));
    let (x_train, y_train) = mnist.train.batch(train_idx)?;
    let (x_val, y_val) = mnist.train.batch(val_idx)?;
    let (x_test, y_test) = test_set(&mnist.test)?;

    let mut net: Cnn = Cnn::new(&mut StdRng::seed_from_u64(args.seed));
    println!("{}", Cnn::<f32>::summary());
    let fit = Fit::new(args.epochs)
        .batch_size(args.batch_size)
        .seed(args.seed)
        .progress(true);
    let mut log = |e: &EpochStats, _: &mut Cnn| {
        let v = e.validation.unwrap_or_default();
        println!(
            "epoch {:>2}  train loss {:.4} acc {:.4}  val loss {:.4} acc {:.4}  {:.1}s",
            e.epoch,
            e.train.loss,
            e.train.accuracy.unwrap_or(0.0),
            v.loss,
            v.accuracy.unwrap_or(0.0),
            e.seconds
        );
        Control::Continue
    };
    let history = fit.run(
        &mut net,
        &mut Adam::new(args.lr),
        &CrossEntropy,
        Data::classes(&x_train, &y_train),
        Some(Data::classes(&x_val, &y_val)),
        &mut [&mut log],
    )?;
    let test = evaluate(&net, &CrossEntropy, &Data::classes(&x_test, &y_test), 1000)?;
    println!(
        "result: test_accuracy={:.4} train_seconds={:.1} epochs={}",
        test.accuracy.unwrap_or(0.0),
        history.train_seconds(),
        args.epochs
    );
    Ok(())
}

fn test_set(set: &MnistSet) -> Result<(Batch<f32, 784>, Vec<usize>), Error> {
    let idx: Vec<usize> = (0..set.len()).collect();
    set.batch(&idx)
}
