//! What the MNIST examples share: the flags `--data DIR` and `--normalize data|none`
//! ([`DataArgs`]) and `--val N` ([`ValArgs`]), flattened into each example's parser; loading
//! and standardising a data set with the statistics of its own training images ([`load`]);
//! the split of the training file into training and validation images ([`split`]); and
//! the flags of an example that takes only these and `--epochs`, `--seed`, `--batch-size`
//! and `--lr` ([`TrainArgs`]).
//!
//! Standardising: `x ← (x - μ) / σ`, with `μ` and `σ` the mean and standard deviation of
//! every pixel of the training file's images, rounded to four decimals as the customary
//! MNIST constants are (on this repository's MNIST they are exactly those, 0.1307 and 0.3081,
//! so its runs standardise as before), applied to the training, validation and test images
//! alike. On another data set in MNIST's format (Fashion-MNIST, KMNIST, ...) they are that
//! data set's own. They do not depend on `--val`, so changing the held-out count does not
//! rescale the inputs (a global mean and deviation carry next to nothing of the 5,000
//! validation images).
//! The examples need `mod cli;` (`support/cli.rs`) beside this module.
#![allow(dead_code)] // each example uses the parts it needs

use nn_core::data::Mnist;
use nn_core::{Batch, Error};
use std::path::PathBuf;

/// Images (784 values each, as columns) with their labels.
pub type Labelled = (Batch<f32, 784>, Vec<usize>);

/// The data set flags.
#[derive(clap::Args, Debug, Clone)]
pub struct DataArgs {
    /// The folder of a data set in MNIST's IDX format: train-images-idx3-ubyte,
    /// train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each
    /// gzipped (.gz) or not
    #[arg(long, value_name = "DIR", default_value_os_t = default_data())]
    pub data: PathBuf,
    /// How pixels (0 to 1) are standardised: `data` subtracts the mean and divides by the
    /// standard deviation of the pixels of the training images given, `none` leaves them as
    /// they are
    #[arg(long, value_enum, default_value_t = Normalize::Data)]
    pub normalize: Normalize,
}

/// The held-out count flag, for the examples that validate during training.
#[derive(clap::Args, Debug, Clone)]
pub struct ValArgs {
    /// The number of training images held out for validation, the last ones of the training
    /// file; 0 trains on all of them and validates on none
    #[arg(long, value_name = "N", default_value_t = 5000, value_parser = crate::cli::count)]
    pub val: usize,
}

/// The flags of a mini-batch training example on MNIST: [`DataArgs`], [`ValArgs`] and
/// the training settings, whose defaults the example gives ([`TrainArgs::parse_with`]).
#[derive(clap::Parser, Debug, Clone)]
#[command(allow_negative_numbers = true)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub val: ValArgs,
    /// Passes over the training images
    #[arg(long, value_name = "N", value_parser = crate::cli::count)]
    pub epochs: usize,
    /// Seeds the initialisation, the shuffling and dropout
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = crate::cli::seed)]
    pub seed: u64,
    /// Images per mini-batch; above the training images, one batch of all of them
    #[arg(long, value_name = "N", value_parser = crate::cli::positive)]
    pub batch_size: usize,
    /// Adam's learning rate
    #[arg(long, value_name = "X", value_parser = crate::cli::positive_real)]
    pub lr: f64,
}

impl TrainArgs {
    /// The command line of the example `name` (described by `about`), with these defaults
    /// for `--epochs`, `--batch-size` and `--lr`; `--help` prints them, and a flag that does
    /// not fit exits with clap's error.
    pub fn parse_with(
        name: &'static str,
        about: &'static str,
        epochs: &'static str,
        batch_size: &'static str,
        lr: &'static str,
    ) -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let default = |v: &'static str| move |a: clap::Arg| a.required(false).default_value(v);
        let matches = Self::command()
            .name(name)
            .about(about)
            .mut_arg("epochs", default(epochs))
            .mut_arg("batch_size", default(batch_size))
            .mut_arg("lr", default(lr))
            .get_matches();
        Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// `--normalize`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalize {
    /// The mean and standard deviation of the training images given.
    Data,
    /// Pixels as they are, 0 to 1.
    None,
}

/// The MNIST copy in this repository.
pub fn default_data() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist"))
}

/// Loads the data set of `args` and standardises it as `args.normalize` says (see the
/// module header). Fails when the `held_out` validation images would leave no training
/// image, or when the training images have a single pixel value (a standard deviation of 0).
pub fn load(args: &DataArgs, held_out: usize) -> Result<Mnist, Box<dyn std::error::Error>> {
    let mut mnist = Mnist::load(&args.data)?;
    let n = mnist.train.len();
    if held_out >= n {
        return Err(format!(
            "`--val` expects fewer images than the {n} of the training set, found {held_out}"
        )
        .into());
    }
    if args.normalize == Normalize::Data {
        let (mean, std) = statistics(mnist.train.pixels());
        let (mean, std) = (round4(mean), round4(std));
        if std <= 0.0 {
            return Err(format!(
                "the training images of {} have a standard deviation of {std} (to four decimals), \
                 so they cannot be standardised; use `--normalize none`",
                args.data.display()
            )
            .into());
        }
        println!("standardised with mean {mean} and standard deviation {std} (the pixels of the {n} training images)");
        mnist.train.normalize(mean as f32, std as f32);
        mnist.test.normalize(mean as f32, std as f32);
    }
    Ok(mnist)
}

/// `x` rounded to four decimals.
fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// The mean and (population) standard deviation of `pixels`, summed in `f64`.
fn statistics(pixels: &[f32]) -> (f64, f64) {
    let n = pixels.len().max(1) as f64;
    let mean = pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / n;
    let var = pixels
        .iter()
        .map(|&p| (f64::from(p) - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, var.sqrt())
}

/// Splits `mnist` into training, validation and test images with their labels: the last
/// `held_out` training images validate (none when it is 0), the rest train; all of the test
/// images test.
pub fn split(
    mnist: &Mnist,
    held_out: usize,
) -> Result<(Labelled, Option<Labelled>, Labelled), Error> {
    let all: Vec<usize> = (0..mnist.train.len()).collect();
    let (train_idx, val_idx) = all.split_at(mnist.train.len().saturating_sub(held_out));
    let test_idx: Vec<usize> = (0..mnist.test.len()).collect();
    let val = if val_idx.is_empty() {
        None
    } else {
        Some(mnist.train.batch(val_idx)?)
    };
    Ok((
        mnist.train.batch(train_idx)?,
        val,
        mnist.test.batch(&test_idx)?,
    ))
}

/// One epoch's line: the training loss and accuracy, the validation figures when there are
/// any (none with `--val 0`), and the epoch's seconds.
pub fn epoch_line(e: &nn_core::train::EpochStats) -> String {
    let val = e.validation.as_ref().map_or(String::new(), |v| {
        format!(
            "  val loss {:.4} acc {:.4}",
            v.loss,
            v.accuracy.unwrap_or(0.0)
        )
    });
    format!(
        "epoch {:>2}  train loss {:.4} acc {:.4}{val}  {:.1}s",
        e.epoch,
        e.train.loss,
        e.train.accuracy.unwrap_or(0.0),
        e.seconds
    )
}
