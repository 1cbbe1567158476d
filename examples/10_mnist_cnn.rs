//! MNIST with a convolutional network: two stages of 3x3 convolution, ReLU and 2x2 max
//! pooling (16 then 32 filters), a 128-unit dense layer with dropout, and a 10-way softmax,
//! trained with Adam on mini-batches of softmax cross-entropy. The learning rate follows a
//! cosine from `--lr` at the first step down to 0 at the last,
//! `α_t = α · (1 + cos(π t / T)) / 2` over the run's `T` steps (`Fit::schedule` with
//! `Schedule::cosine`).
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
//! `--help` lists every flag with its default: `--data DIR` (the four IDX files, gzipped or
//! not; default: the copy in this repository), `--normalize data|none` (standardise with the
//! mean and standard deviation of the training images given, or not at all), `--val N`
//! (validation images held out, default 5,000; 0 trains on all 60,000), `--epochs N`,
//! `--seed N`, `--batch-size N`, `--lr X`.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/mnist_cli.rs"]
mod mnist_cli;
use nn_core::loss::CrossEntropy;
use nn_core::network;
use nn_core::optim::{Adam, Schedule};
use nn_core::train::{evaluate, Control, Data, EpochStats, Fit};
use rand::{rngs::StdRng, SeedableRng};

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

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = mnist_cli::TrainArgs::parse_with(
        "mnist_cnn",
        "MNIST with a convolutional network (conv16-pool-conv32-pool-dense128-dense10), Adam; ends with `result: test_accuracy=... train_seconds=...`",
        "8", "64", "0.001",
    );
    let mnist = mnist_cli::load(&args.data, args.val.val)?;
    let ((x_train, y_train), val, (x_test, y_test)) = mnist_cli::split(&mnist, args.val.val)?;

    let mut net: Cnn = Cnn::new(&mut StdRng::seed_from_u64(args.seed));
    println!("{}", Cnn::<f32>::summary());
    // One cosine over every step of the run: `--lr` at the first, near 0 at the last (a
    // period of at least 1 step, so that `--epochs 0` evaluates the untrained network).
    let steps = args.epochs * y_train.len().div_ceil(args.batch_size.min(y_train.len()));
    let fit = Fit::new(args.epochs)
        .batch_size(args.batch_size)
        .seed(args.seed)
        .schedule(Schedule::cosine(args.lr, 0.0, steps.max(1) as u64))
        .progress(true);
    let mut log = |e: &EpochStats, _: &mut Cnn| {
        println!("{}", mnist_cli::epoch_line(e));
        Control::Continue
    };
    let history = fit.run(
        &mut net,
        &mut Adam::new(args.lr),
        &CrossEntropy,
        Data::classes(&x_train, &y_train),
        val.as_ref().map(|(x, y)| Data::classes(x, y)),
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
