//! What training measured, epoch by epoch: the loss (and accuracy) on the training and
//! validation sets, and, for a network with several outputs
//! ([`Fit::run_graph`](super::Fit::run_graph)), each output's.
//!
//! For outputs `k = 1 … K` with weights `w_k`, an epoch's [`EpochStats`] hold the weighted
//! total `L = Σ_k w_k L_k` and its [`OutputStats`] each output's unweighted mean loss
//! `L_k = (1/n) Σ_i ℓ_k(f_k(x_i), y_{k,i})` (and accuracy for class targets).

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

/// One epoch's figures for each output of a graph network, in `output` order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutputStats {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Each output's unweighted mean loss `L_k` on the training set (measured during the
    /// epoch, as [`EpochStats::train`]) and, for class targets, its accuracy.
    pub train: Vec<Metrics>,
    /// The same on the validation set, after the epoch.
    pub validation: Option<Vec<Metrics>>,
}

/// Every epoch's figures, in order.
///
/// ```
/// use nn_core::train::{EpochStats, History, Metrics};
/// let mut h = History::default();
/// h.epochs.push(EpochStats { epoch: 1, train: Metrics { loss: 0.5, accuracy: None }, validation: None, seconds: 1.0 });
/// assert_eq!(h.last().map(|e| e.epoch), Some(1));
/// assert_eq!(h.train_seconds(), 1.0);
/// assert!(h.outputs.is_empty()); // per-output figures come from `Fit::run_graph`
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// One entry per finished epoch: the loss the network trained on (for several outputs
    /// the weighted total `Σ_k w_k L_k`, with the accuracy of the first output with class
    /// targets).
    pub epochs: Vec<EpochStats>,
    /// For [`Fit::run_graph`](super::Fit::run_graph): one entry per finished epoch, beside
    /// [`epochs`](Self::epochs), with each output's loss and accuracy. Empty for
    /// [`Fit::run`](super::Fit::run).
    pub outputs: Vec<OutputStats>,
}

impl History {
    /// The last finished epoch.
    pub fn last(&self) -> Option<&EpochStats> {
        self.epochs.last()
    }

    /// Total training time, in seconds (0 before any epoch; a float `sum` of nothing would
    /// be -0, printed as `-0.0`).
    ///
    /// ```
    /// let h = nn_core::train::History::default();
    /// assert_eq!(h.train_seconds().to_bits(), 0f64.to_bits());
    /// ```
    pub fn train_seconds(&self) -> f64 {
        self.epochs.iter().fold(0.0, |t, e| t + e.seconds)
    }

    /// Output `k`'s figures (from 0, in `output` order) as a history of their own: each
    /// epoch's [`EpochStats`] with output `k`'s unweighted loss and accuracy in place of the
    /// total (the epoch's time unchanged), so whatever reads a [`History`] (a plot, early
    /// stopping's record) reads one output. `None` when the run kept no figures for output
    /// `k`.
    ///
    /// ```
    /// use nn_core::train::{EpochStats, History, Metrics, OutputStats};
    /// let m = |loss| Metrics { loss, accuracy: None };
    /// let h = History {
    ///     epochs: vec![EpochStats { epoch: 1, train: m(1.5), validation: None, seconds: 2.0 }],
    ///     outputs: vec![OutputStats { epoch: 1, train: vec![m(1.0), m(5.0)], validation: None }],
    /// };
    /// let second = h.output(1).unwrap();
    /// assert_eq!((second.epochs[0].train.loss, second.train_seconds()), (5.0, 2.0));
    /// assert!(h.output(2).is_none());
    /// ```
    pub fn output(&self, k: usize) -> Option<History> {
        let pick = |m: &Vec<Metrics>| m.get(k).copied();
        let epochs = self
            .epochs
            .iter()
            .zip(&self.outputs)
            .map(|(e, o)| {
                Some(EpochStats {
                    epoch: e.epoch,
                    train: pick(&o.train)?,
                    validation: match &o.validation {
                        Some(v) => Some(pick(v)?),
                        None => None,
                    },
                    seconds: e.seconds,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        (!epochs.is_empty()).then_some(History {
            epochs,
            outputs: Vec::new(),
        })
    }
}
