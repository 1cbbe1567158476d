//! A training loop: mini-batches with seeded shuffling, epochs, a validation set, metrics,
//! a progress bar, callbacks, and a typed stop on a non-finite loss.
//!
//! One epoch visits the training samples in a fresh random order (seeded, so a run is
//! reproducible) in mini-batches `D̂` of `batch_size`; each step computes the batch loss
//! `L(β, D̂)` (mean over the batch), its gradient by backpropagation, and hands it to the
//! optimizer. After each epoch the loss and accuracy on the training and validation sets go
//! into the [`History`] and to every [`Callback`] (early stopping is one).
//!
//! Each mini-batch is split across threads (one per core by default, [`Fit::threads`]) and
//! the shards' gradients are reduced in a fixed order, so a seeded run repeats exactly for a
//! given thread count; [`Trainer`] is the step itself, also for benchmarks and custom loops.
//!
//! A step whose loss or gradient is not finite stops training with
//! [`TrainError::NonFinite`], naming the epoch and step, before the optimizer sees it. On
//! that and on any other error of a step (a loss or data error, an optimizer that rejects
//! its settings) training keeps the last good state: the weights, the optimizer's state
//! (moments, velocity, step count; [`Nesterov`](crate::optim::Nesterov)'s look-ahead is
//! undone) and the running statistics of batch norm are exactly, bit for bit, what they
//! were before the step. Batch norm's running statistics move only once a step is
//! accepted.
//!
//! Empty training or validation data and a batch size of 0 are errors
//! ([`TrainError::EmptyData`], [`TrainError::ZeroBatchSize`]); a batch size above the
//! number of training samples is capped at it (one full-batch step per epoch), so buffers
//! are never larger than the data.
//!
//! ```
//! use nn_core::{network, Batch, loss::CrossEntropy, optim::Adam};
//! use nn_core::train::{Data, Fit};
//! network! { struct Net { input: 2, h: dense(16, tanh), out: dense(2) } }
//!
//! // Two classes: points with x0 > x1 and the rest.
//! let x = Batch::<f32, 2>::from_fn(200, |r, c| ((c * 7 + r * 13) % 17) as f32 / 17.0 - 0.5);
//! let y: Vec<usize> = (0..200).map(|c| usize::from(x[(0, c)] > x[(1, c)])).collect();
//! let mut net: Net = Net::new(&mut rand::rngs::StdRng::seed_from_u64(1));
//! # use rand::SeedableRng;
//! let mut adam = Adam::new(0.01);
//! let history = Fit::new(60).batch_size(20).seed(3)
//!     .run(&mut net, &mut adam, &CrossEntropy, Data::classes(&x, &y), None, &mut [])
//!     .unwrap();
//! assert!(history.last().unwrap().train.accuracy.unwrap() > 0.9);
//! ```

mod augment;
pub mod checkpoint;
mod data;
mod early_stopping;
mod ensemble;
mod epoch_options;
mod finite;
mod fit;
mod fit_options;
mod graph_fit;
mod graph_predict;
mod graph_trainer;
mod heads;
mod history;
mod metrics;
mod pool;
mod predict;
pub mod rate;
mod reduce;
mod step_options;
mod trainer;

pub use augment::Augment;
pub use checkpoint::{load_checkpoint, save_checkpoint, CheckpointInfo, CHECKPOINT_VERSION};
pub use data::{Data, Gathered, Targets};
pub use early_stopping::EarlyStopping;
pub use ensemble::{bagging, bootstrap, Ensemble};
pub use fit::{argmax_columns, evaluate, Callback, Control, Evaluator, Fit};
pub use graph_fit::{evaluate_graph, GraphData, GraphMetrics};
pub use graph_predict::{GraphPredict, PerOutput};
pub use graph_trainer::GraphTrainer;
pub use heads::{HeadSum, Heads, Weighted};
pub use history::{EpochStats, History, Metrics, OutputStats};
pub use metrics::{regression_errors, top_k_accuracy, ConfusionMatrix, RegressionErrors};
pub use predict::Predict;
pub use rate::ReduceOnPlateau;
pub use step_options::{Decay, StepOptions};
pub use trainer::{StepStats, Trainer, MIN_SHARD};

use core::fmt;

/// Why training stopped early.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TrainError {
    /// A loss or gradient was NaN or infinite; the weights are those before that step.
    NonFinite {
        /// The epoch (from 1).
        epoch: usize,
        /// The step within the epoch (from 1).
        step: usize,
        /// The loss of that step.
        loss: f64,
    },
    /// A data set has no samples.
    EmptyData {
        /// Which set (`"training data"`, `"validation data"`).
        what: &'static str,
    },
    /// [`Fit::batch_size`] was given 0.
    ZeroBatchSize,
    /// A data, loss or optimizer error; the weights, the optimizer's state and the running
    /// statistics are those before the step that failed.
    Core(crate::Error),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::NonFinite { epoch, step, loss } => write!(
                f,
                "training diverged at epoch {epoch}, step {step}: expected a finite loss and gradient, found loss {loss}; the weights are those before this step (try a smaller learning rate)"
            ),
            TrainError::EmptyData { what } => write!(
                f,
                "the {what} is empty: expected at least 1 sample, found 0"
            ),
            TrainError::ZeroBatchSize => f.write_str(
                "invalid batch size: expected at least 1 sample per batch, found 0",
            ),
            TrainError::Core(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for TrainError {}

impl From<crate::Error> for TrainError {
    fn from(e: crate::Error) -> Self {
        TrainError::Core(e)
    }
}
