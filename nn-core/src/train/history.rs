//! What training measured, epoch by epoch.

use std::vec::Vec;

/// Loss and accuracy on one data set.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Metrics {
    /// Mean loss per sample.
    pub loss: f64,
    /// Fraction of samples whose largest output is the label (class targets only).
    pub accuracy: Option<f64>,
}

/// One epoch's figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochStats {
    /// The epoch, from 1.
    pub epoch: usize,
    /// On the training set (the mean of the steps' losses, measured during the epoch).
    pub train: Metrics,
    /// On the validation set, after the epoch.
    pub validation: Option<Metrics>,
    /// Wall time of the epoch's training steps, in seconds.
    pub seconds: f64,
}

/// Every epoch's figures, in order.
///
/// ```
/// use nn_core::train::{EpochStats, History, Metrics};
/// let mut h = History::default();
/// h.epochs.push(EpochStats { epoch: 1, train: Metrics { loss: 0.5, accuracy: None }, validation: None, seconds: 1.0 });
/// assert_eq!(h.last().map(|e| e.epoch), Some(1));
/// assert_eq!(h.train_seconds(), 1.0);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// One entry per finished epoch.
    pub epochs: Vec<EpochStats>,
}

impl History {
    /// The last finished epoch.
    pub fn last(&self) -> Option<&EpochStats> {
        self.epochs.last()
    }

    /// Total training time, in seconds.
    pub fn train_seconds(&self) -> f64 {
        self.epochs.iter().map(|e| e.seconds).sum()
    }
}
