//! Metrics beyond top-1 accuracy, computed from a network's outputs (`OUT x n`, one sample
//! per column, as [`Predict::predict_outputs`](super::Predict::predict_outputs) or
//! [`evaluate`](super::evaluate)'s network give them) and the targets:
//!
//! - top-k accuracy: the fraction of samples whose label is among the `k` largest outputs
//!   (ties broken towards the lower index, as `argmax` does);
//! - the confusion matrix `C[a][p]`: how many samples of class `a` were predicted `p`;
//! - for regression, over all `OUT · n` values `e = f - y`: `RMSE = sqrt(Σ e² / (OUT n))`
//!   and `MAE = Σ |e| / (OUT n)`.

use crate::{Batch, Error, Scalar};
use core::fmt;
use std::vec;
use std::vec::Vec;

fn check_labels<const OUT: usize>(n: usize, labels: &[usize]) -> Result<(), Error> {
    crate::__private::check_batch(n, labels.len(), "labels")?;
    match labels.iter().find(|&&c| c >= OUT) {
        Some(&class) => Err(Error::ClassOutOfRange {
            class,
            classes: OUT,
        }),
        None => Ok(()),
    }
}

/// The fraction of samples whose label is among the `k` largest outputs. Fails when the
/// labels do not fit the outputs, on no samples, and for `k` of 0.
///
/// ```
/// use nn_core::{Batch, train::top_k_accuracy};
/// // Three samples of 3 classes, one column each.
/// let out = Batch::<f64, 3>::from_column_slice(&[0.1, 0.7, 0.2, 0.5, 0.3, 0.2, 0.2, 0.3, 0.5]);
/// let labels = [2, 1, 0];
/// assert_eq!(top_k_accuracy(&out, &labels, 1).unwrap(), 0.0);
/// assert!((top_k_accuracy(&out, &labels, 2).unwrap() - 2.0 / 3.0).abs() < 1e-12);
/// assert_eq!(top_k_accuracy(&out, &labels, 3).unwrap(), 1.0);
/// assert!(top_k_accuracy(&out, &labels, 0).is_err());
/// ```
pub fn top_k_accuracy<T: Scalar, const OUT: usize>(
    out: &Batch<T, OUT>,
    labels: &[usize],
    k: usize,
) -> Result<f64, Error> {
    check_labels::<OUT>(out.ncols(), labels)?;
    if k == 0 {
        return Err(Error::InvalidConfig {
            what: "top-k accuracy's k",
            expected: "at least 1",
            found: 0.0,
        });
    }
    if labels.is_empty() {
        return Err(Error::EmptyData {
            what: "outputs to score",
        });
    }
    let hits = out
        .as_slice()
        .chunks_exact(OUT.max(1))
        .zip(labels)
        .filter(|(col, &y)| {
            // Outputs ranked above the label's: larger, or equal at a lower index.
            let above = col
                .iter()
                .enumerate()
                .filter(|&(i, &v)| v > col[y] || (v == col[y] && i < y))
                .count();
            above < k
        })
        .count();
    Ok(hits as f64 / labels.len() as f64)
}

/// Counts of (actual class, predicted class) pairs; `Display` prints the table with the
/// actual classes as rows.
///
/// ```
/// use nn_core::{Batch, train::ConfusionMatrix};
/// let out = Batch::<f32, 3>::from_column_slice(&[0.9, 0.0, 0.1, 0.1, 0.8, 0.1, 0.2, 0.7, 0.1, 0.0, 0.1, 0.9]);
/// let labels = [0, 1, 2, 2]; // the third sample, a 2, is predicted 1
/// let m = ConfusionMatrix::from_outputs(&out, &labels).unwrap();
/// assert_eq!(m.count(2, 1), 1);
/// assert_eq!(m.count(2, 2), 1);
/// assert_eq!(m.accuracy(), 0.75);
/// assert_eq!(m.recall(2), Some(0.5));
/// assert_eq!(m.precision(1), Some(0.5));
/// let text = m.to_string();
/// assert_eq!(text.lines().nth(4), Some("     2 |    0    1    1 | 0.5000"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix {
    classes: usize,
    counts: Vec<usize>,
}

impl ConfusionMatrix {
    /// All zero, for `classes` classes.
    pub fn new(classes: usize) -> Self {
        Self {
            classes,
            counts: vec![0; classes * classes],
        }
    }

    /// The matrix of the outputs' largest entries against the labels.
    pub fn from_outputs<T: Scalar, const OUT: usize>(
        out: &Batch<T, OUT>,
        labels: &[usize],
    ) -> Result<Self, Error> {
        let mut m = Self::new(OUT);
        m.add_outputs(out, labels)?;
        Ok(m)
    }

    /// Adds a batch's outputs (their largest entries) against its labels; changes nothing
    /// on an error (labels that do not fit the outputs or this matrix).
    pub fn add_outputs<T: Scalar, const OUT: usize>(
        &mut self,
        out: &Batch<T, OUT>,
        labels: &[usize],
    ) -> Result<(), Error> {
        check_labels::<OUT>(out.ncols(), labels)?;
        crate::__private::check_batch(self.classes, OUT, "classes of the confusion matrix")?;
        for (p, &a) in super::argmax_columns(out).zip(labels) {
            self.counts[a * self.classes + p] += 1;
        }
        Ok(())
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Samples of class `actual` predicted as `predicted` (0 outside the classes).
    pub fn count(&self, actual: usize, predicted: usize) -> usize {
        if actual < self.classes && predicted < self.classes {
            self.counts[actual * self.classes + predicted]
        } else {
            0
        }
    }

    /// All samples counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The diagonal's share of all samples (0 when there are none).
    pub fn accuracy(&self) -> f64 {
        let right: usize = (0..self.classes).map(|c| self.count(c, c)).sum();
        right as f64 / self.total().max(1) as f64
    }

    /// Of the samples of class `c`, the share predicted `c`; `None` without such samples.
    pub fn recall(&self, c: usize) -> Option<f64> {
        let row: usize = (0..self.classes).map(|p| self.count(c, p)).sum();
        (row > 0).then(|| self.count(c, c) as f64 / row as f64)
    }

    /// Of the samples predicted `c`, the share of class `c`; `None` when none was.
    pub fn precision(&self, c: usize) -> Option<f64> {
        let col: usize = (0..self.classes).map(|a| self.count(a, c)).sum();
        (col > 0).then(|| self.count(c, c) as f64 / col as f64)
    }
}

impl fmt::Display for ConfusionMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .counts
            .iter()
            .max()
            .map_or(1, |&m| digits(m))
            .max(digits(self.classes.saturating_sub(1)))
            .max(4);
        write!(f, "actual | predicted")?;
        writeln!(f)?;
        write!(f, "{:>6} |", "")?;
        for p in 0..self.classes {
            write!(f, " {p:>width$}")?;
        }
        writeln!(f, " | recall")?;
        for a in 0..self.classes {
            write!(f, "{a:>6} |")?;
            for p in 0..self.classes {
                write!(f, " {:>width$}", self.count(a, p))?;
            }
            match self.recall(a) {
                Some(r) => writeln!(f, " | {:.4}", r)?,
                None => writeln!(f, " |      -")?,
            }
        }
        Ok(())
    }
}

/// The number of decimal digits of `n`.
fn digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// Errors of a regression's outputs against its targets, over all values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegressionErrors {
    /// `sqrt(Σ (f - y)² / (OUT n))`.
    pub rmse: f64,
    /// `Σ |f - y| / (OUT n)`.
    pub mae: f64,
}

/// RMSE and MAE of `out` against `targets` (both `OUT x n`). Fails when they hold different
/// numbers of samples, or none.
///
/// ```
/// use nn_core::{Batch, train::regression_errors};
/// let out = Batch::<f64, 1>::from_column_slice(&[1.0, 2.0, 3.0, 4.0]);
/// let y = Batch::<f64, 1>::from_column_slice(&[1.0, 2.0, 3.0, 0.0]);
/// let e = regression_errors(&out, &y).unwrap();
/// assert_eq!(e.mae, 1.0); // (0 + 0 + 0 + 4) / 4
/// assert_eq!(e.rmse, 2.0); // sqrt(16 / 4)
/// ```
pub fn regression_errors<T: Scalar, const OUT: usize>(
    out: &Batch<T, OUT>,
    targets: &Batch<T, OUT>,
) -> Result<RegressionErrors, Error> {
    crate::__private::check_batch(out.ncols(), targets.ncols(), "targets")?;
    if out.is_empty() {
        return Err(Error::EmptyData {
            what: "outputs to score",
        });
    }
    let (mut se, mut ae) = (0.0, 0.0);
    for (f, y) in out.iter().zip(targets.iter()) {
        let e = (*f - *y).to_f64();
        se += e * e;
        ae += e.abs();
    }
    let m = out.len() as f64;
    Ok(RegressionErrors {
        rmse: (se / m).sqrt(),
        mae: ae / m,
    })
}
