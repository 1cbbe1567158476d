//! Early stopping: stop when the validation loss has not improved for `patience` epochs, and
//! go back to the best weights seen.

use super::{Callback, Control, EpochStats};

/// Watches the validation loss; keeps a copy of the best network.
///
/// ```
/// use nn_core::train::{Callback, Control, EarlyStopping, EpochStats, Metrics};
/// let mut stop = EarlyStopping::new(2);
/// let mut net = 0.0f64; // any Clone value stands in for a network here
/// let mut epoch = |e: usize, val: f64| EpochStats {
///     epoch: e, train: Metrics::default(), seconds: 0.0,
///     validation: Some(Metrics { loss: val, accuracy: None }),
/// };
/// for (e, val) in [(1, 1.0), (2, 0.5), (3, 0.7), (4, 0.6)].into_iter() {
///     net = e as f64;
///     let c = stop.on_epoch_end(&epoch(e, val), &mut net);
///     assert_eq!(c == Control::Stop, e == 4);
/// }
/// stop.restore(&mut net);
/// assert_eq!(net, 2.0); // the weights after epoch 2, the best one
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping<N> {
    patience: usize,
    best_loss: f64,
    best_epoch: usize,
    best: Option<N>,
}

impl<N: Clone> EarlyStopping<N> {
    /// Stops after `patience` epochs without a lower validation loss.
    pub fn new(patience: usize) -> Self {
        Self {
            patience,
            best_loss: f64::INFINITY,
            best_epoch: 0,
            best: None,
        }
    }

    /// The epoch with the lowest validation loss so far (0 before any).
    pub fn best_epoch(&self) -> usize {
        self.best_epoch
    }

    /// Puts the best weights back into `net` (nothing if none were seen).
    pub fn restore(&self, net: &mut N) {
        if let Some(b) = &self.best {
            net.clone_from(b);
        }
    }
}

impl<N: Clone> Callback<N> for EarlyStopping<N> {
    fn on_epoch_end(&mut self, stats: &EpochStats, net: &mut N) -> Control {
        let Some(val) = stats.validation else {
            return Control::Continue;
        };
        if val.loss < self.best_loss {
            self.best_loss = val.loss;
            self.best_epoch = stats.epoch;
            match &mut self.best {
                Some(b) => b.clone_from(net),
                None => self.best = Some(net.clone()),
            }
            Control::Continue
        } else if stats.epoch - self.best_epoch >= self.patience {
            Control::Stop
        } else {
            Control::Continue
        }
    }

    fn on_train_end(&mut self, net: &mut N) {
        self.restore(net);
    }
}
