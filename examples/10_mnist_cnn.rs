//! MNIST with a convolutional network: two stages of 3x3 convolution, ReLU and 2x2 max
//! pooling (16 then 32 filters), a 128-unit dense layer with dropout, and a 10-way softmax,
//! trained with Adam on mini-batches of softmax cross-entropy. The learning rate follows a
//! cosine from `--lr` at the first step down to 0 at the last,
//! `α_t = α · (1 + cos(π t / T)) / 2` over the run's `T` steps.
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
use nn_core::optim::{Adam, Optimizer};
use nn_core::train::{evaluate, Control, Data, EpochStats, Fit};
use nn_core::Error;
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

/// Adam whose step size follows the cosine schedule over `total` steps.
struct Cosine {
    adam: Adam<Cnn>,
    base: f64,
    total: u64,
}

impl Optimizer<f32, Cnn> for Cosine {
    fn step(&mut self, params: &mut Cnn, grads: &Cnn) -> Result<(), Error> {
        let t = self.adam.steps().min(self.total) as f64 / self.total.max(1) as f64;
        self.adam.alpha = self.base * 0.5 * (1.0 + (std::f64::consts::PI * t).cos());
        self.adam.step(params, grads)
    }
    fn steps(&self) -> u64 {
        self.adam.steps()
    }
    fn reset(&mut self) {
        self.adam.reset()
    }
    fn before_gradient(&mut self, params: &mut Cnn) -> Result<(), Error> {
        self.adam.before_gradient(params)
    }
    fn abandon_step(&mut self, params: &mut Cnn) {
        self.adam.abandon_step(params)
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
        &mut Cosine {
            adam: Adam::new(args.lr),
            base: args.lr,
            total: (args.epochs * y_train.len().div_ceil(args.batch_size.min(y_train.len())))
                as u64,
        },
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
