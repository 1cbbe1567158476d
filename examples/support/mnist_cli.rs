//! What the MNIST training examples share: the split of the 60,000 training images into
//! training (all but the last 5,000) and validation (the last 5,000) with the 10,000 test
//! images as one batch, and the flags `--data DIR`, `--epochs N`, `--seed N`,
//! `--batch-size N`, `--lr X`.

use nn_core::data::Mnist;
use nn_core::{Batch, Error};
use std::path::PathBuf;

/// Images (784 values each, as columns) with their labels.
pub type Labelled = (Batch<f32, 784>, Vec<usize>);

/// Splits `mnist` into `[training, validation, test]` images with their labels: the last
/// 5,000 training images validate, the rest train; all of the test images test.
pub fn split(mnist: &Mnist) -> Result<[Labelled; 3], Error> {
    let all: Vec<usize> = (0..mnist.train.len()).collect();
    let (train_idx, val_idx) = all.split_at(mnist.train.len().saturating_sub(5000));
    let test_idx: Vec<usize> = (0..mnist.test.len()).collect();
    Ok([
        mnist.train.batch(train_idx)?,
        mnist.train.batch(val_idx)?,
        mnist.test.batch(&test_idx)?,
    ])
}

/// A flag's value as a whole number of at least `min` (`128`, `1e3`), or a message that
/// names the flag, what it expects and what it found. Values above the data (a batch size
/// of `1e12`) pass here; `Fit` caps a batch size at the number of training samples.
pub fn whole(flag: &str, v: &str, min: u64) -> Result<u64, String> {
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x.fract() == 0.0 && x >= min as f64 && x < u64::MAX as f64 => {
            Ok(x as u64)
        }
        _ => Err(format!(
            "`{flag}` expects a whole number of at least {min}, found `{v}`"
        )),
    }
}

/// [`whole`] as a `usize` (saturating on 32-bit targets, where a count that large could not
/// be used anyway).
pub fn count(flag: &str, v: &str, min: u64) -> Result<usize, String> {
    whole(flag, v, min).map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// The flags of a mini-batch training example.
#[allow(dead_code)] // used by the examples that take only these flags
pub struct TrainArgs {
    pub data: PathBuf,
    pub epochs: usize,
    pub seed: u64,
    pub batch_size: usize,
    pub lr: f64,
}

#[allow(dead_code)] // used by the examples that take only these flags
impl TrainArgs {
    /// Defaults: the MNIST copy in this repository, seed 1, and the given `epochs`,
    /// `batch_size` and learning rate `lr`.
    pub fn defaults(epochs: usize, batch_size: usize, lr: f64) -> Self {
        Self {
            data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist"),
            epochs,
            seed: 1,
            batch_size,
            lr,
        }
    }

    /// These defaults overridden by the command line; `--help` points at the header of
    /// `file`.
    pub fn parse(mut self, file: &str) -> Result<Self, String> {
        let a = &mut self;
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = || it.next().ok_or(format!("`{flag}` needs a value"));
            let num = |v: String| {
                v.parse::<f64>()
                    .map_err(|_| format!("`{flag}` expects a number, found `{v}`"))
            };
            match flag.as_str() {
                "--data" => a.data = PathBuf::from(value()?),
                "--epochs" => a.epochs = count(&flag, &value()?, 0)?,
                "--seed" => a.seed = whole(&flag, &value()?, 0)?,
                "--batch-size" => a.batch_size = count(&flag, &value()?, 1)?,
                "--lr" => a.lr = num(value()?)?,
                "--help" | "-h" => return Err(format!("see the header of {file}")),
                other => {
                    return Err(format!(
                    "unknown flag `{other}`; expected --data, --epochs, --seed, --batch-size or --lr"
                ))
                }
            }
        }
        Ok(self)
    }
}
