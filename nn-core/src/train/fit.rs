//! [`Fit`]: the epoch and mini-batch loop.

use super::data::Gathered;
use super::trainer::{StepError, Trainer};
use super::{Data, EpochStats, History, Metrics, Targets, TrainError};
use crate::loss::{Loss, LossExt, Reduction};
use crate::optim::Optimizer;
use crate::{Batch, BatchNetwork, Scalar};
use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use std::format;
use std::time::Instant;
use std::vec::Vec;

/// What a callback asks for after an epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on training.
    Continue,
    /// Stop after this epoch.
    Stop,
}

/// Called after every epoch (schedules, early stopping, logging, checkpoints).
pub trait Callback<N> {
    /// Sees the epoch's figures and the network; may ask to stop.
    fn on_epoch_end(&mut self, _stats: &EpochStats, _net: &mut N) -> Control {
        Control::Continue
    }
    /// What [`Fit`] calls: also gets the optimizer, to read or set its learning rate. By
    /// default calls [`on_epoch_end`](Callback::on_epoch_end).
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::CrossEntropy, optim::{Adam, LearningRate}};
    /// use nn_core::train::{Callback, Control, Data, EpochStats, Fit};
    /// network! { struct Net { input: 2, out: dense(2) } }
    /// /// Halves the rate after every epoch.
    /// struct Halve;
    /// impl<N> Callback<N> for Halve {
    ///     fn on_epoch_end_with(&mut self, _: &EpochStats, _: &mut N, opt: &mut dyn LearningRate) -> Control {
    ///         let lr = opt.learning_rate().unwrap_or(0.0);
    ///         opt.set_learning_rate(lr / 2.0).unwrap();
    ///         Control::Continue
    ///     }
    /// }
    /// let (x, y) = (Batch::<f32, 2>::zeros(8), vec![0usize; 8]);
    /// let mut adam = Adam::new(0.08);
    /// Fit::new(3).run(&mut Net::zeros(), &mut adam, &CrossEntropy, Data::classes(&x, &y), None, &mut [&mut Halve])
    ///     .unwrap();
    /// assert_eq!(adam.alpha, 0.01);
    /// ```
    fn on_epoch_end_with(
        &mut self,
        stats: &EpochStats,
        net: &mut N,
        _opt: &mut dyn crate::optim::LearningRate,
    ) -> Control {
        self.on_epoch_end(stats, net)
    }
    /// Called once when training ends, also after a [`Control::Stop`].
    fn on_train_end(&mut self, _net: &mut N) {}
}

/// Any `FnMut(&EpochStats, &mut N) -> Control` is a callback.
impl<N, F: FnMut(&EpochStats, &mut N) -> Control> Callback<N> for F {
    fn on_epoch_end(&mut self, stats: &EpochStats, net: &mut N) -> Control {
        self(stats, net)
    }
}

/// Training settings; [`run`](Fit::run) trains.
#[derive(Clone, Debug)]
pub struct Fit {
    pub(super) epochs: usize,
    pub(super) batch_size: usize,
    pub(super) seed: u64,
    progress: bool,
    pub(super) threads: usize,
    /// Schedules, weight decay, clipping ([`fit_options`](super::fit_options)).
    pub(super) options: super::fit_options::FitOptions,
}

impl Fit {
    /// `epochs` passes over the data, mini-batches of 64, seed 0, no progress bar.
    pub fn new(epochs: usize) -> Self {
        Self {
            epochs,
            batch_size: 64,
            seed: 0,
            progress: false,
            threads: 0,
            options: Default::default(),
        }
    }

    /// Threads each mini-batch is split across (0, the default: one per core). A seeded
    /// run gives the same weights every time for a given thread count; 1 computes each
    /// batch whole, as a hand-written loop does. Batches get at most one thread per
    /// [`MIN_SHARD`](super::MIN_SHARD) samples, and networks with batch norm one thread (see
    /// [`Trainer`](super::Trainer)).
    ///
    /// ```
    /// use nn_core::{network, Batch, Parameters, loss::CrossEntropy, optim::Adam};
    /// use nn_core::train::{Data, Fit};
    /// network! { struct Net { input: 2, h: dense(16, tanh), drop: dropout(0.2), out: dense(2) } }
    /// let x = Batch::<f32, 2>::from_fn(256, |r, c| ((c * 7 + r * 13) % 17) as f32 / 17.0);
    /// let y: Vec<usize> = (0..256).map(|c| c % 2).collect();
    /// let train = |threads| {
    ///     let mut net: Net = Net::new(&mut rand::rngs::StdRng::seed_from_u64(1));
    ///     Fit::new(2).threads(threads).seed(5)
    ///         .run(&mut net, &mut Adam::new(0.01), &CrossEntropy, Data::classes(&x, &y), None, &mut [])
    ///         .unwrap();
    ///     net
    /// };
    /// # use rand::SeedableRng;
    /// let weights = |net: &Net| { let mut v = vec![]; net.visit(|_, w| v.extend_from_slice(w)); v };
    /// assert_eq!(weights(&train(2)), weights(&train(2))); // the same for a given thread count
    /// ```
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }

    /// Samples per mini-batch (the last batch of an epoch may be smaller). [`run`](Fit::run)
    /// caps it at the number of training samples and rejects 0
    /// ([`TrainError::ZeroBatchSize`]).
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::CrossEntropy, optim::Sgd};
    /// use nn_core::train::{Data, Fit, TrainError};
    /// network! { struct Net { input: 2, out: dense(2) } }
    /// let (x, y) = (Batch::<f32, 2>::zeros(10), vec![0usize; 10]);
    /// let mut net = Net::<f32>::zeros();
    /// let run = |fit: Fit, net: &mut Net| {
    ///     fit.run(net, &mut Sgd::new(0.1), &CrossEntropy, Data::classes(&x, &y), None, &mut [])
    /// };
    /// assert_eq!(run(Fit::new(1).batch_size(0), &mut net).unwrap_err(), TrainError::ZeroBatchSize);
    /// // 10¹² is capped at the 10 samples: one full batch per epoch, no huge buffers.
    /// assert!(run(Fit::new(1).batch_size(1_000_000_000_000), &mut net).is_ok());
    /// ```
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n;
        self
    }

    /// Seeds the shuffling (and the augmentation's random numbers).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Shows a progress bar on the terminal (nothing when stderr is not a terminal).
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }

    /// Trains `net` with `opt` on the mean `loss` over mini-batches of `train`; measures
    /// `validation` after each epoch; calls `callbacks` after each epoch.
    ///
    /// Fails before training on empty data ([`TrainError::EmptyData`]), a batch size of 0
    /// ([`TrainError::ZeroBatchSize`]) or inconsistent data ([`TrainError::Core`]). A step
    /// that fails (a non-finite loss or gradient, a loss or optimizer error) stops training
    /// with the weights, the optimizer's state and the running statistics exactly as they
    /// were before that step.
    pub fn run<T, const IN: usize, const OUT: usize, N, O, L>(
        &self,
        net: &mut N,
        opt: &mut O,
        loss: &L,
        train: Data<'_, T, IN, OUT>,
        validation: Option<Data<'_, T, IN, OUT>>,
        callbacks: &mut [&mut dyn Callback<N>],
    ) -> Result<History, TrainError>
    where
        T: Scalar,
        N: BatchNetwork<T, IN, OUT>,
        O: Optimizer<T, N>,
        L: Loss<T> + Sync,
    {
        self.run_augmented(net, opt, loss, train, validation, callbacks, |_, _| {})
    }

    /// [`run`](Fit::run), with `augment` applied to every training mini-batch's inputs
    /// (data augmentation) before the forward pass.
    #[allow(clippy::too_many_arguments)]
    pub fn run_augmented<T, const IN: usize, const OUT: usize, N, O, L>(
        &self,
        net: &mut N,
        opt: &mut O,
        loss: &L,
        train: Data<'_, T, IN, OUT>,
        validation: Option<Data<'_, T, IN, OUT>>,
        callbacks: &mut [&mut dyn Callback<N>],
        mut augment: impl FnMut(&mut Batch<T, IN>, &mut StdRng),
    ) -> Result<History, TrainError>
    where
        T: Scalar,
        N: BatchNetwork<T, IN, OUT>,
        O: Optimizer<T, N>,
        L: Loss<T> + Sync,
    {
        #[cfg(nn_unoptimized)]
        warn_unoptimized();
        train.check()?;
        if train.is_empty() {
            return Err(TrainError::EmptyData {
                what: "training data",
            });
        }
        if let Some(v) = &validation {
            v.check()?;
            if v.is_empty() {
                return Err(TrainError::EmptyData {
                    what: "validation data",
                });
            }
        }
        if self.batch_size == 0 {
            return Err(TrainError::ZeroBatchSize);
        }
        // Never more than the data: buffers are sized by the batch.
        let batch_size = self.batch_size.min(train.len());
        let mut order: Vec<usize> = (0..train.len()).collect();
        let mut x = Batch::<T, IN>::zeros(batch_size);
        let mut y = Gathered::<T, OUT>::new();
        let (mut around, first) = super::epoch_options::Around::start(self, net, opt)?;
        let mut trainer = Trainer::<T, N, IN, OUT>::new(batch_size, self.threads, self.seed)
            .with_options(self.options.step);
        let mut eval = Evaluator::<T, N, IN, OUT>::new();
        let mut history = History::default();
        // Room for the epochs' figures up front: later epochs allocate nothing.
        history.epochs.reserve(self.epochs.min(4096));
        let steps = train.len().div_ceil(batch_size);

        for epoch in first..=self.epochs {
            let bar = self.bar(epoch, steps);
            let start = Instant::now();
            // Each epoch's random numbers (shuffling, augmentation, dropout) come from the
            // seed and the epoch alone, so a run resumed at an epoch repeats them.
            let epoch_seed = super::rate::epoch_seed(self.seed, epoch);
            let mut rng = StdRng::seed_from_u64(epoch_seed);
            trainer.reseed(epoch_seed);
            order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
            order.shuffle(&mut rng);
            let (mut total, mut correct) = (0.0, 0usize);
            for (step, idx) in order.chunks(batch_size).enumerate() {
                train.gather(idx, &mut x, &mut y);
                // The next batch's samples load while this one trains.
                train.prefetch(
                    order
                        .get((step + 1) * batch_size..)
                        .map_or(&[][..], |rest| &rest[..batch_size.min(rest.len())]),
                );
                augment(&mut x, &mut rng);
                around.before_step(opt, epoch, step, steps)?;
                let targets = match train.y {
                    Targets::Classes(_) => Targets::Classes(&y.labels[..]),
                    Targets::Values(_) => Targets::Values(&y.values),
                };
                let (l, c) = match trainer.try_step(net, opt, loss, &x, targets) {
                    Ok(v) => v,
                    Err(e) => {
                        if let Some(b) = &bar {
                            b.abandon();
                        }
                        return Err(match e {
                            StepError::NonFinite(loss) => TrainError::NonFinite {
                                epoch,
                                step: step + 1,
                                loss,
                            },
                            StepError::Core(e) => TrainError::Core(e),
                        });
                    }
                };
                correct += c;
                total += l * idx.len() as f64;
                if let Some(b) = &bar {
                    b.inc(1);
                    if step % 50 == 0 {
                        b.set_message(format!(
                            "loss {:.4}",
                            total / ((step + 1) * batch_size) as f64
                        ));
                    }
                }
            }
            let seconds = start.elapsed().as_secs_f64();
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            let n = train.len() as f64;
            let train_metrics = Metrics {
                loss: total / n,
                accuracy: matches!(train.y, Targets::Classes(_)).then(|| correct as f64 / n),
            };
            let validation = match &validation {
                Some(v) => Some(eval.run(net, loss, v, batch_size.max(256))?),
                None => None,
            };
            let stats = EpochStats {
                epoch,
                train: train_metrics,
                validation,
                seconds,
            };
            history.epochs.push(stats);
            if around.after_epoch(self, net, opt, &stats, callbacks)? {
                break;
            }
        }
        for c in callbacks.iter_mut() {
            c.on_train_end(net);
        }
        Ok(history)
    }

    pub(super) fn bar(&self, epoch: usize, steps: usize) -> Option<indicatif::ProgressBar> {
        if !self.progress {
            return None;
        }
        let bar = indicatif::ProgressBar::new(steps as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "epoch {prefix} [{bar:30}] {pos}/{len} steps {msg} ({eta})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(format!("{epoch}/{}", self.epochs));
        Some(bar)
    }
}

/// Mean loss (and accuracy, for class targets) of `net` on `data`, in batches of at most
/// `batch_size` (0 counts as 1; never more than the data). Fails on inconsistent data and
/// on empty data ([`Error::EmptyData`](crate::Error::EmptyData): a mean over no samples
/// does not exist).
///
/// ```
/// use nn_core::{network, Batch, loss::CrossEntropy, train::{evaluate, Data}};
/// network! { struct Net { input: 2, out: dense(3, identity, init = zeros) } }
/// let x = Batch::<f64, 2>::zeros(4);
/// let m = evaluate(&Net::<f64>::zeros(), &CrossEntropy, &Data::classes(&x, &[0, 1, 2, 0]), 3).unwrap();
/// assert!((m.loss - 3f64.ln()).abs() < 1e-12);
/// let none = Batch::<f64, 2>::zeros(0);
/// assert!(evaluate(&Net::<f64>::zeros(), &CrossEntropy, &Data::classes(&none, &[]), 3).is_err());
/// ```
pub fn evaluate<T, const IN: usize, const OUT: usize, N, L>(
    net: &N,
    loss: &L,
    data: &Data<'_, T, IN, OUT>,
    batch_size: usize,
) -> Result<Metrics, crate::Error>
where
    T: Scalar,
    N: BatchNetwork<T, IN, OUT>,
    L: Loss<T>,
{
    Evaluator::new().run(net, loss, data, batch_size)
}

/// [`evaluate`] with buffers kept across calls: after the first pass over a data set, a pass
/// allocates nothing (`Fit` evaluates every epoch with one).
///
/// ```
/// use nn_core::{network, Batch, loss::CrossEntropy, train::{evaluate, Data, Evaluator}};
/// network! { struct Net { input: 2, h: dense(8, relu), out: dense(3) } }
/// let net: Net = Net::new(&mut rand::rngs::StdRng::seed_from_u64(0));
/// # use rand::SeedableRng;
/// let x = Batch::<f32, 2>::from_fn(100, |r, c| (r + c) as f32 / 50.0);
/// let y: Vec<usize> = (0..100).map(|c| c % 3).collect();
/// let mut eval = Evaluator::new();
/// for _epoch in 0..3 {
///     // ... train `net` ...
///     let m = eval.run(&net, &CrossEntropy, &Data::classes(&x, &y), 32).unwrap();
///     assert_eq!(m, evaluate(&net, &CrossEntropy, &Data::classes(&x, &y), 32).unwrap());
/// }
/// ```
pub struct Evaluator<T: Scalar, N: BatchNetwork<T, IN, OUT>, const IN: usize, const OUT: usize> {
    x: Batch<T, IN>,
    y: Gathered<T, OUT>,
    trace: Option<N::Trace>,
}

impl<T: Scalar, N: BatchNetwork<T, IN, OUT>, const IN: usize, const OUT: usize>
    Evaluator<T, N, IN, OUT>
{
    /// Empty buffers, sized by the first [`run`](Evaluator::run).
    pub fn new() -> Self {
        Self {
            x: Batch::zeros(0),
            y: Gathered::new(),
            trace: None,
        }
    }

    /// [`evaluate`] with these buffers: no allocation once they have held a batch of
    /// `batch_size` (capped at the data's length).
    pub fn run<L: Loss<T>>(
        &mut self,
        net: &N,
        loss: &L,
        data: &Data<'_, T, IN, OUT>,
        batch_size: usize,
    ) -> Result<Metrics, crate::Error> {
        data.check()?;
        if data.is_empty() {
            return Err(crate::Error::EmptyData {
                what: "data to evaluate",
            });
        }
        let batch_size = batch_size.max(1).min(data.len());
        let trace = self.trace.get_or_insert_with(|| N::new_trace(batch_size));
        let (mut total, mut correct) = (0.0, 0usize);
        for start in (0..data.len()).step_by(batch_size) {
            let end = (start + batch_size).min(data.len());
            data.gather_range(start..end, &mut self.x, &mut self.y);
            let out = net.forward_eval(&self.x, trace);
            total += match data.y {
                Targets::Classes(_) => {
                    correct += count_correct(out, &self.y.labels);
                    loss.batch_value(out, &self.y.labels[..], Reduction::Sum)?
                }
                Targets::Values(_) => loss.batch_value(out, &self.y.values, Reduction::Sum)?,
            }
            .to_f64();
        }
        let n = data.len() as f64;
        Ok(Metrics {
            loss: total / n,
            accuracy: matches!(data.y, Targets::Classes(_)).then(|| correct as f64 / n),
        })
    }
}

impl<T: Scalar, N: BatchNetwork<T, IN, OUT>, const IN: usize, const OUT: usize> Default
    for Evaluator<T, N, IN, OUT>
{
    fn default() -> Self {
        Self::new()
    }
}

/// The index of the largest value of each column.
pub fn argmax_columns<T: Scalar, const OUT: usize>(
    out: &Batch<T, OUT>,
) -> impl Iterator<Item = usize> + '_ {
    out.as_slice().chunks_exact(OUT.max(1)).map(|col| {
        let mut best = 0;
        for (i, &v) in col.iter().enumerate() {
            if v > col[best] {
                best = i;
            }
        }
        best
    })
}

pub(crate) fn count_correct<T: Scalar, const OUT: usize>(
    out: &Batch<T, OUT>,
    labels: &[usize],
) -> usize {
    argmax_columns(out)
        .zip(labels)
        .filter(|(p, l)| p == *l)
        .count()
}

/// Once per process, on stderr: nn-core was compiled without optimization, where training
/// runs many times slower than in a release build.
#[cfg(nn_unoptimized)]
pub(super) fn warn_unoptimized() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::eprintln!("warning: nn-core is compiled without optimization (a debug build): training runs many times slower than with `cargo run --release`\n\nhelp: build with `--release`, or optimize the dependencies in debug builds too, in your Cargo.toml:\n    [profile.dev.package.\"*\"]\n    opt-level = 3"));
}
