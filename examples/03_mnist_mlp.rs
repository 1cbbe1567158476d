//! MNIST with a multi-layer perceptron: 784-512-256-10, ReLU, dropout 0.2 after each hidden
//! layer, softmax cross-entropy, Adam whose learning rate follows one cosine over the run
//! (`Fit::schedule`), `η_t = η (1 + cos(π t / T)) / 2` at step `t` of the run's `T` steps.
//!
//! Trains on 55,000 training images, validates on the other 5,000 after every epoch, and
//! reports accuracy on the 10,000 test images. Ends with
//! `result: test_accuracy=... train_seconds=...`.
//!
//! ```sh
//! cargo run --release --example mnist_mlp
//! cargo run --release --example mnist_mlp -- --optimizer sgd --lr 0.1 --epochs 10
//! cargo run --release --example mnist_mlp -- --data DIR   # any data set in MNIST's format
//! ```
//!
//! `--help` lists every flag with its default: `--data DIR` (the four IDX files, gzipped or
//! not; default: the copy in this repository), `--normalize data|none` (standardise with the
//! mean and standard deviation of the training images given, or not at all), `--val N`
//! (validation images held out, default 5,000; 0 trains on all 60,000), `--epochs N`,
//! `--seed N`, `--batch-size N`, `--lr X`, `--weight-decay X` (L2, the lecture's λW added to
//! the weight gradients), `--decoupled-weight-decay X` (AdamW's `W ← W - ηλW`),
//! `--schedule cosine|constant` (the rate over the run, for every mini-batch optimizer),
//! `--optimizer sgd|momentum|nesterov|adam|nadam|rprop|lbfgs`,
//! `--augment` (random shifts, rotations and scalings of every mini-batch), `--ensemble K`
//! (bagging: K Adam-trained networks on bootstrap samples, averaging their probabilities),
//! `--plot FILE.png` (training and validation curves), `--save FILE.safetensors` (the trained
//! weights, PyTorch names; embed them with `#[weights = "..."]`).
//! Rprop and L-BFGS are full-batch methods: they train on a 5,000-image subset.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/mnist_cli.rs"]
mod mnist_cli;
#[path = "support/plot.rs"]
mod plot;

use clap::builder::PossibleValuesParser;
use clap::Parser;
use nn_core::data::MnistSet;
use nn_core::loss::CrossEntropy;
use nn_core::optim::{Adam, Lbfgs, Momentum, Nadam, Nesterov, Rprop, Schedule, Sgd};
use nn_core::train::{
    bagging, evaluate, top_k_accuracy, Augment, ConfusionMatrix, Data, EpochStats, Fit, History,
    Predict,
};
use nn_core::{network, Batch, Error};
use rand::{rngs::StdRng, SeedableRng};
use std::path::PathBuf;
use std::time::Instant;

network! {
    /// The digit classifier.
    pub struct Mlp {
        input: 784,
        fc1: dense(512, relu, init = he),
        drop1: dropout(0.2),
        fc2: dense(256, relu, init = he),
        drop2: dropout(0.2),
        fc3: dense(10),
    }
}

/// MNIST with a 784-512-256-10 ReLU MLP (dropout 0.2), softmax cross-entropy; ends with
/// `result: test_accuracy=... train_seconds=...`.
#[derive(Parser)]
#[command(name = "mnist_mlp", allow_negative_numbers = true)]
struct Args {
    #[command(flatten)]
    data: mnist_cli::DataArgs,
    #[command(flatten)]
    val: mnist_cli::ValArgs,
    /// Passes over the training images (full-batch optimizers: 20 steps each)
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = cli::count)]
    epochs: usize,
    /// Seeds the initialisation, the shuffling and dropout
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = cli::seed)]
    seed: u64,
    /// Images per mini-batch; above the training images, one batch of all of them
    #[arg(long, value_name = "N", default_value_t = 128, value_parser = cli::positive)]
    batch_size: usize,
    /// The learning rate [default: 0.1 for sgd, 0.05 for momentum and nesterov, 0.001
    /// otherwise]
    #[arg(long, value_name = "X", value_parser = cli::positive_real)]
    lr: Option<f64>,
    /// L2 weight decay λ: λW is added to the weight gradients
    #[arg(long, value_name = "X", default_value_t = 0.0, value_parser = cli::non_negative)]
    weight_decay: f64,
    /// Decoupled (AdamW-style) weight decay λ: W ← W - ηλW before every step
    #[arg(long, value_name = "X", default_value_t = 0.0, value_parser = cli::non_negative)]
    decoupled_weight_decay: f64,
    /// The learning rate over the run (mini-batch optimizers): `cosine` anneals it from
    /// `--lr` at the first step to 0 at the last, `constant` keeps `--lr`
    #[arg(long, default_value = "cosine", value_parser = PossibleValuesParser::new(["cosine", "constant"]))]
    schedule: String,
    /// The optimizer; rprop and lbfgs are full-batch methods, trained on the first 5,000
    /// images
    #[arg(long, default_value = "adam", value_parser = PossibleValuesParser::new(["sgd", "momentum", "nesterov", "adam", "nadam", "rprop", "lbfgs"]))]
    optimizer: String,
    /// Random shifts, rotations and scalings of every mini-batch (adam only)
    #[arg(long)]
    augment: bool,
    /// Bagging: K Adam-trained networks on bootstrap samples, probabilities averaged (0: one
    /// network, no bagging)
    #[arg(long, value_name = "K", default_value_t = 0, value_parser = cli::count)]
    ensemble: usize,
    /// Writes the training and validation curves to this PNG file
    #[arg(long, value_name = "FILE.png")]
    plot: Option<PathBuf>,
    /// Writes the trained weights (safetensors, PyTorch names) to this file
    #[arg(long, value_name = "FILE.safetensors")]
    save: Option<PathBuf>,
    /// Also prints the test set's top-3 accuracy and confusion matrix (one network, not
    /// with --ensemble)
    #[arg(long)]
    metrics: bool,
}

fn print_epoch(e: &EpochStats) {
    println!("{}", mnist_cli::epoch_line(e));
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mnist = mnist_cli::load(&args.data, args.val.val)?;
    let ((x_train, y_train), val, (x_test, y_test)) = mnist_cli::split(&mnist, args.val.val)?;

    let mut net: Mlp = Mlp::new(&mut StdRng::seed_from_u64(args.seed));
    println!("{}", Mlp::<f32>::summary());
    if args.batch_size > y_train.len() {
        println!(
            "--batch-size {} is more than the {} training images: capped at {} (one batch per epoch)",
            args.batch_size,
            y_train.len(),
            y_train.len()
        );
    }
    let train = Data::classes(&x_train, &y_train);
    let val = val.as_ref().map(|(x, y)| Data::classes(x, y));
    let lr = args.lr.unwrap_or(match args.optimizer.as_str() {
        "sgd" => 0.1,
        "momentum" | "nesterov" => 0.05,
        _ => 1e-3,
    });
    let mut fit = Fit::new(args.epochs)
        .batch_size(args.batch_size)
        .seed(args.seed)
        .progress(true);
    if args.weight_decay > 0.0 {
        fit = fit.weight_decay(args.weight_decay); // the lecture's λW added to the gradient
    }
    if args.decoupled_weight_decay > 0.0 {
        fit = fit.decoupled_weight_decay(args.decoupled_weight_decay);
    }
    if args.schedule == "cosine" {
        // One cosine over every step of the run: `--lr` at the first, near 0 at the last (a
        // period of at least 1 step, so that `--epochs 0` evaluates the untrained network).
        let steps = args.epochs * y_train.len().div_ceil(args.batch_size.min(y_train.len()));
        fit = fit.schedule(Schedule::cosine(lr, 0.0, steps.max(1) as u64));
    }
    let mut log = |e: &EpochStats, _: &mut Mlp| {
        print_epoch(e);
        nn_core::train::Control::Continue
    };
    if args.ensemble > 0 {
        return ensemble(&args, &fit, train, &x_test, &y_test);
    }
    let start = Instant::now();
    let history: History = match args.optimizer.as_str() {
        "sgd" => {
            let opt = Sgd::new(lr);
            fit.run(&mut net, &mut { opt }, &CrossEntropy, train, val, &mut [&mut log])?
        }
        "momentum" => {
            let opt = Momentum::new(lr, 0.9);
            fit.run(&mut net, &mut { opt }, &CrossEntropy, train, val, &mut [&mut log])?
        }
        "nesterov" => {
            let opt = Nesterov::new(lr, 0.9);
            fit.run(&mut net, &mut { opt }, &CrossEntropy, train, val, &mut [&mut log])?
        }
        "adam" if args.augment => {
            let opt = Adam::new(lr);
            let jitter = Augment::mnist();
            fit.run_augmented(&mut net, &mut { opt }, &CrossEntropy, train, val, &mut [&mut log], |x, rng| {
                // The batch holds 784 = 28 x 28 pixels per column, so this cannot fail.
                let _ = jitter.apply(x, rng);
            })?
        }
        "adam" => {
            let opt = Adam::new(lr);
            fit.run(&mut net, &mut { opt }, &CrossEntropy, train, val, &mut [&mut log])?
        }
        "nadam" => {
            let opt = Nadam::new(lr);
            fit.run(&mut net, &mut { opt }, &CrossEntropy, train, val, &mut [&mut log])?
        }
        "rprop" | "lbfgs" => full_batch(&args, &mut net, &mnist.train)?,
        other => return Err(format!("unknown optimizer `{other}`; expected sgd, momentum, nesterov, adam, nadam, rprop or lbfgs").into()),
    };
    let train_seconds = if history.epochs.is_empty() {
        start.elapsed().as_secs_f64()
    } else {
        history.train_seconds()
    };
    if let Some(path) = &args.save {
        nn_core::io::save_safetensors(&net, path)?;
        println!("weights written to {}", path.display());
    }
    if let Some(path) = &args.plot {
        plot::curves(path, &format!("mnist_mlp, {}", args.optimizer), &history)?;
        println!("curves written to {}", path.display());
    }
    let test = evaluate(&net, &CrossEntropy, &Data::classes(&x_test, &y_test), 1000)?;
    if args.metrics {
        let out = net.predict_outputs(&x_test, 1000);
        println!(
            "test top-3 accuracy {:.4}; confusion matrix (rows: the true digit):\n{}",
            top_k_accuracy(&out, &y_test, 3)?,
            ConfusionMatrix::from_outputs(&out, &y_test)?
        );
    }
    println!(
        "result: test_accuracy={:.4} train_seconds={:.1} optimizer={} epochs={}",
        test.accuracy.unwrap_or(0.0),
        train_seconds,
        args.optimizer,
        args.epochs
    );
    Ok(())
}

/// Rprop or L-BFGS on the full batch of the first 5,000 training images: one step per
/// iteration, `--epochs` x 20 iterations.
fn full_batch(
    args: &Args,
    net: &mut Mlp,
    train: &MnistSet,
) -> Result<History, Box<dyn std::error::Error>> {
    use nn_core::loss::{LossExt, Reduction};
    let idx: Vec<usize> = (0..5000.min(train.len())).collect();
    let (x, y) = train.batch(&idx)?;
    let mut trace = net.forward_batch_trace(&x);
    let mut dl_df = Batch::<f32, 10>::zeros(x.ncols());
    let mut loss_and_grad = |net: &Mlp, grads: &mut Mlp| -> Result<f64, Error> {
        net.forward_batch_trace_into(&x, &mut trace);
        let l =
            CrossEntropy.batch_grad_into(trace.output(), &y[..], Reduction::Mean, &mut dl_df)?;
        net.backward_batch_params(&x, &mut trace, &dl_df, grads)?;
        Ok(f64::from(l))
    };
    let iterations = args.epochs * 20;
    let start = Instant::now();
    let mut grads = Mlp::zeros();
    if args.optimizer == "rprop" {
        let mut opt = Rprop::new(args.lr.unwrap_or(1e-3));
        for i in 1..=iterations {
            let l = loss_and_grad(net, &mut grads)?;
            opt.step(net, &grads)?;
            if i % 20 == 0 {
                println!("iteration {i:>4}  full-batch loss {l:.4}");
            }
        }
    } else {
        let mut opt = Lbfgs::new(net);
        let mut previous = f64::INFINITY;
        for i in 1..=iterations {
            // A data error cannot happen here (the labels were checked when loaded); NaN
            // would make L-BFGS stop with a typed error anyway.
            let l = opt.minimize_step(net, |p, g| loss_and_grad(p, g).unwrap_or(f64::NAN))?;
            if i % 20 == 0 {
                println!("iteration {i:>4}  full-batch loss {l:.4}");
            }
            // In f32 the line search eventually cannot see a decrease; then L-BFGS has
            // converged as far as this precision allows.
            if l >= previous {
                println!("iteration {i:>4}  no further decrease (loss {l:.6}): stopping");
                break;
            }
            previous = l;
        }
    }
    println!(
        "full-batch training on {} images: {:.1}s",
        idx.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(History::default())
}

/// Bagging: `--ensemble K` networks on bootstrap samples, probabilities averaged.
fn ensemble(
    args: &Args,
    fit: &Fit,
    train: Data<'_, f32, 784, 10>,
    x_test: &Batch<f32, 784>,
    y_test: &[usize],
) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let lr = args.lr.unwrap_or(1e-3);
    let fit = fit.clone().progress(false);
    let members = bagging(
        args.ensemble,
        &fit,
        train,
        args.seed,
        &CrossEntropy,
        |s| Mlp::new(&mut StdRng::seed_from_u64(s)),
        |_| Adam::new(lr),
    )?;
    let seconds = start.elapsed().as_secs_f64();
    for (j, net) in members.members.iter().enumerate() {
        let m = evaluate(net, &CrossEntropy, &Data::classes(x_test, y_test), 1000)?;
        println!("member {j}: test accuracy {:.4}", m.accuracy.unwrap_or(0.0));
    }
    let acc = members.accuracy(x_test, y_test)?;
    println!("result: test_accuracy={acc:.4} train_seconds={seconds:.1} optimizer=adam epochs={} ensemble={}", args.epochs, args.ensemble);
    Ok(())
}
