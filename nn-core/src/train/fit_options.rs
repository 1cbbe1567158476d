//! [`Fit`]'s options around the optimizer: learning-rate schedules, reduce-on-plateau,
//! weight decay, gradient clipping (see [`rate`](super::rate) and [`StepOptions`]).

use super::rate::{Per, RateControl};
use super::{Fit, ReduceOnPlateau, StepOptions};
use crate::optim::Schedule;
use std::path::PathBuf;

/// The options of this file, one field of [`Fit`].
#[derive(Clone, Debug, Default)]
pub(crate) struct FitOptions {
    pub rate: RateControl,
    pub step: StepOptions,
    /// Where to save, and every how many epochs.
    pub checkpoint: Option<(PathBuf, usize)>,
    pub resume: Option<PathBuf>,
}

impl Fit {
    /// Sets the optimizer's learning rate before every step to `schedule.rate(t)`, `t` the
    /// number of earlier steps of this run: for every optimizer with a learning rate (SGD,
    /// momentum, Nesterov, Adam, Nadam, RMSprop; it replaces an SGD's own schedule).
    /// [`run`](Fit::run) fails before training with an optimizer that has none (Rprop) or an
    /// invalid schedule.
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::CrossEntropy, optim::{Adam, Schedule}};
    /// use nn_core::train::{Data, Fit};
    /// network! { struct Net { input: 2, out: dense(2) } }
    /// let (x, y) = (Batch::<f32, 2>::zeros(40), vec![1usize; 40]);
    /// let mut adam = Adam::new(0.1);
    /// // 4 epochs of 2 steps: the 8th and last step uses t = 7 of 8.
    /// Fit::new(4).batch_size(20).schedule(Schedule::cosine(0.1, 0.0, 8))
    ///     .run(&mut Net::zeros(), &mut adam, &CrossEntropy, Data::classes(&x, &y), None, &mut [])
    ///     .unwrap();
    /// let want = 0.1 * (1.0 + (std::f64::consts::PI * 7.0 / 8.0).cos()) / 2.0;
    /// assert!((adam.alpha - want).abs() < 1e-15);
    /// ```
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.options.rate.schedule = Some((schedule, Per::Step));
        self
    }

    /// As [`schedule`](Fit::schedule), with `t` the number of earlier epochs: one rate per
    /// epoch, as PyTorch's schedulers stepped once an epoch.
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::CrossEntropy, optim::{Schedule, Sgd}};
    /// use nn_core::train::{Data, Fit};
    /// network! { struct Net { input: 2, out: dense(2) } }
    /// let (x, y) = (Batch::<f32, 2>::zeros(40), vec![1usize; 40]);
    /// let mut sgd = Sgd::new(1.0);
    /// Fit::new(3).batch_size(20).epoch_schedule(Schedule::step_decay(1.0, 0.1, 1))
    ///     .run(&mut Net::zeros(), &mut sgd, &CrossEntropy, Data::classes(&x, &y), None, &mut [])
    ///     .unwrap();
    /// assert!((sgd.current_rate() - 0.01).abs() < 1e-15); // epoch 3: 1.0 · 0.1²
    /// ```
    pub fn epoch_schedule(mut self, schedule: Schedule) -> Self {
        self.options.rate.schedule = Some((schedule, Per::Epoch));
        self
    }

    /// Multiplies the learning rate by the plateau's factor when the validation loss (the
    /// training loss without validation data) stops improving; combines with a schedule
    /// (see [`rate`](super::rate)).
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::CrossEntropy, optim::Adam};
    /// use nn_core::train::{Data, Fit, ReduceOnPlateau};
    /// network! { struct Net { input: 2, out: dense(2) } }
    /// let (x, y) = (Batch::<f32, 2>::zeros(8), vec![0usize; 8]);
    /// let mut adam = Adam::new(0.0); // a rate of 0: the loss never improves after epoch 1
    /// Fit::new(4).reduce_on_plateau(ReduceOnPlateau::new(0.5, 0).with_min_rate(0.0))
    ///     .run(&mut Net::zeros(), &mut adam, &CrossEntropy, Data::classes(&x, &y), None, &mut [])
    ///     .unwrap();
    /// assert_eq!(adam.alpha, 0.0);
    /// ```
    pub fn reduce_on_plateau(mut self, plateau: ReduceOnPlateau) -> Self {
        self.options.rate.plateau = Some(plateau);
        self
    }

    /// L2 weight decay in the gradient, `g ← g + λW` on every weight (not biases): the
    /// gradient of `(λ/2) Σ W²` added to the loss, PyTorch's `weight_decay` of `SGD` and
    /// `Adam`. See [`StepOptions`] for the order of the operations.
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::CrossEntropy, optim::Sgd, Parameters};
    /// use nn_core::train::{Data, Fit};
    /// network! { struct Net { input: 2, out: dense(2) } }
    /// let mut net = Net::<f64>::zeros();
    /// net.out.weight.fill(2.0);
    /// let (x, y) = (Batch::<f64, 2>::zeros(4), vec![0usize; 4]);
    /// Fit::new(1).weight_decay(0.5)
    ///     .run(&mut net, &mut Sgd::new(0.1), &CrossEntropy, Data::classes(&x, &y), None, &mut [])
    ///     .unwrap();
    /// assert!((net.out.weight[(0, 0)] - 2.0 * (1.0 - 0.1 * 0.5)).abs() < 1e-15);
    /// ```
    pub fn weight_decay(mut self, lambda: f64) -> Self {
        self.options.step = self.options.step.weight_decay(lambda);
        self
    }

    /// Decoupled (AdamW-style) weight decay, `W ← W - ηλW` before each update, `η` the
    /// optimizer's learning rate; not normalized by Adam's moments as
    /// [`weight_decay`](Fit::weight_decay) is. `Adam` with it is PyTorch's `AdamW`.
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::CrossEntropy, optim::Adam, Parameters};
    /// use nn_core::train::{Data, Fit};
    /// network! { struct Net { input: 2, out: dense(2) } }
    /// let mut net = Net::<f64>::zeros();
    /// net.out.weight.fill(2.0);
    /// let (x, y) = (Batch::<f64, 2>::zeros(4), vec![0usize; 4]);
    /// Fit::new(1).decoupled_weight_decay(0.5)
    ///     .run(&mut net, &mut Adam::new(0.1), &CrossEntropy, Data::classes(&x, &y), None, &mut [])
    ///     .unwrap();
    /// // x = 0: the weights' loss gradient is 0, Adam moves them by 0; only the decay acts.
    /// assert!((net.out.weight[(0, 0)] - 2.0 * (1.0 - 0.1 * 0.5)).abs() < 1e-15);
    /// ```
    pub fn decoupled_weight_decay(mut self, lambda: f64) -> Self {
        self.options.step = self.options.step.decoupled_weight_decay(lambda);
        self
    }

    /// Any weight decay (L1 or L2, in the gradient or decoupled, on the tensors chosen).
    ///
    /// ```
    /// use nn_core::{optim::WeightDecay, train::{Decay, Fit}, ParamKind};
    /// let fit = Fit::new(1).weight_decay_with(Decay::InGradient(WeightDecay::l2(1e-4).including(ParamKind::Bias)));
    /// # let _ = fit;
    /// ```
    pub fn weight_decay_with(mut self, decay: super::Decay) -> Self {
        self.options.step = self.options.step.weight_decay_with(decay);
        self
    }

    /// Rescales each step's gradient to global norm `max_norm` when it is longer
    /// (PyTorch's `clip_grad_norm_`).
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::SquaredError, optim::Sgd, Parameters};
    /// use nn_core::train::{Data, Fit};
    /// network! { struct Net { input: 1, out: dense(1, identity, init = zeros) } }
    /// let x = Batch::<f64, 1>::zeros(4);
    /// let y = Batch::<f64, 1>::from_fn(4, |_, _| 100.0); // gradient of the bias: -200
    /// let mut net = Net::<f64>::zeros();
    /// Fit::new(1).clip_norm(1.0)
    ///     .run(&mut net, &mut Sgd::new(0.1), &SquaredError, Data::values(&x, &y), None, &mut [])
    ///     .unwrap();
    /// assert!((net.out.bias[0] - 0.1).abs() < 1e-15);
    /// ```
    pub fn clip_norm(mut self, max_norm: f64) -> Self {
        self.options.step = self.options.step.clip_norm(max_norm);
        self
    }

    /// Clamps every value of each step's gradient to `[-max, max]` (PyTorch's
    /// `clip_grad_value_`).
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::SquaredError, optim::Sgd, Parameters};
    /// use nn_core::train::{Data, Fit};
    /// network! { struct Net { input: 1, out: dense(1, identity, init = zeros) } }
    /// let x = Batch::<f64, 1>::zeros(4);
    /// let y = Batch::<f64, 1>::from_fn(4, |_, _| 100.0);
    /// let mut net = Net::<f64>::zeros();
    /// Fit::new(1).clip_value(0.5)
    ///     .run(&mut net, &mut Sgd::new(0.1), &SquaredError, Data::values(&x, &y), None, &mut [])
    ///     .unwrap();
    /// assert!((net.out.bias[0] - 0.05).abs() < 1e-15);
    /// ```
    pub fn clip_value(mut self, max: f64) -> Self {
        self.options.step = self.options.step.clip_value(max);
        self
    }

    /// Saves a checkpoint (see [`checkpoint`](super::checkpoint)) to `path` after every
    /// `every` epochs, after the last one and after a callback stops training: the network,
    /// the optimizer's state, the epoch, the seed and the reduce-on-plateau state, written
    /// to a temporary file renamed over `path`. [`run`](Fit::run) fails before training for
    /// `every = 0` and, at the first save, for an optimizer whose state cannot be saved
    /// (L-BFGS).
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::CrossEntropy, optim::Adam, Parameters};
    /// use nn_core::train::{Data, Fit};
    /// network! { struct Net { input: 2, h: dense(8, tanh), drop: dropout(0.2), out: dense(2) } }
    /// # use rand::SeedableRng;
    /// let x = Batch::<f32, 2>::from_fn(64, |r, c| ((r * 3 + c * 5) % 7) as f32 / 7.0);
    /// let y: Vec<usize> = (0..64).map(|c| c % 2).collect();
    /// let path = std::env::temp_dir().join(format!("nn-doc-fit-ckpt-{}.safetensors", std::process::id()));
    /// let fresh = || Net::<f32>::new(&mut rand::rngs::StdRng::seed_from_u64(1));
    /// let train = |fit: Fit, net: &mut Net<f32>, adam: &mut Adam<Net<f32>>| {
    ///     fit.batch_size(16).seed(3).run(net, adam, &CrossEntropy, Data::classes(&x, &y), None, &mut []).unwrap();
    /// };
    /// // 4 epochs in one go...
    /// let (mut a, mut adam) = (fresh(), Adam::new(0.01));
    /// train(Fit::new(4), &mut a, &mut adam);
    /// // ...or 2, a checkpoint, and 2 more into fresh objects: the same weights, bit for bit.
    /// train(Fit::new(2).checkpoint(&path, 1), &mut fresh(), &mut Adam::new(0.01));
    /// let (mut b, mut adam2) = (Net::<f32>::zeros(), Adam::new(0.01));
    /// train(Fit::new(4).resume(&path), &mut b, &mut adam2);
    /// assert_eq!(a.h.weight, b.h.weight);
    /// assert_eq!(adam.steps(), adam2.steps());
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn checkpoint(mut self, path: impl Into<PathBuf>, every: usize) -> Self {
        self.options.checkpoint = Some((path.into(), every));
        self
    }

    /// Resumes from a checkpoint at `path` (written by [`checkpoint`](Fit::checkpoint) with
    /// the same data, batch size and seed): loads the network and the optimizer's state
    /// (into objects built as for the first run), then trains the epochs after the saved
    /// one up to [`Fit::new`]'s total. The [`History`](super::History) holds the new
    /// epochs. Fails before training on a file that is not such a checkpoint, a network or
    /// optimizer of another shape or kind, or another seed (typed [`Error`](crate::Error)s,
    /// the network unchanged).
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::CrossEntropy, optim::Sgd, train::{Data, Fit, TrainError}};
    /// network! { struct Net { input: 2, out: dense(2) } }
    /// let (x, y) = (Batch::<f32, 2>::zeros(8), vec![0usize; 8]);
    /// let r = Fit::new(2).resume("no/such/checkpoint")
    ///     .run(&mut Net::zeros(), &mut Sgd::new(0.1), &CrossEntropy, Data::classes(&x, &y), None, &mut []);
    /// assert!(matches!(r, Err(TrainError::Core(nn_core::Error::Io { .. }))));
    /// ```
    pub fn resume(mut self, path: impl Into<PathBuf>) -> Self {
        self.options.resume = Some(path.into());
        self
    }
}
