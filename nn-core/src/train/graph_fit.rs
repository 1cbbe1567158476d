//! [`Fit::run_graph`]: the training loop for networks with several inputs or outputs
//! ([`GraphNetwork`]), and [`GraphTrainer`], its step.
//!
//! A step on a mini-batch of `n` samples runs the forward pass on all the inputs, takes
//! each output's loss and its gradient ([`Heads`]: `L = Σ_k w_k L_k`,
//! `∂L/∂f_k = w_k ∂L_k/∂f_k`), backpropagates them together (the backward chain rule sums
//! the gradients where the paths meet), checks the loss and gradient finite and hands the
//! gradient to the optimizer: exactly what a hand-written loop over the generated
//! `forward_batch_trace_into` and `backward_batch_params` does, bit for bit.
//!
//! Mini-batches are split across threads as [`Fit::run`] splits them ([`GraphTrainer`]),
//! except for networks with batch norm, which train on one thread.
//!
//! ```
//! use nn_core::{network, Batch, loss::{CrossEntropy, SquaredError}, optim::Adam};
//! use nn_core::train::{Fit, GraphData, Targets, Weighted};
//! network! {
//!     struct TwoHeads { input: 2, h: dense(16, tanh), class: dense(2)(h), size: dense(1)(h), output: (class, size) }
//! }
//! let x = Batch::<f32, 2>::from_fn(128, |r, c| ((c * 7 + r * 13) % 17) as f32 / 17.0 - 0.5);
//! let labels: Vec<usize> = (0..128).map(|c| usize::from(x[(0, c)] > x[(1, c)])).collect();
//! let sizes = Batch::<f32, 1>::from_fn(128, |_, c| x[(0, c)] + x[(1, c)]);
//! let mut net: TwoHeads = TwoHeads::new(&mut rand::rngs::StdRng::seed_from_u64(1));
//! # use rand::SeedableRng;
//! // Cross-entropy on `class` plus 0.1 × squared error on `size`.
//! let heads = (Weighted::new(1.0, CrossEntropy), Weighted::new(0.1, SquaredError));
//! let data = GraphData::new(&x, (Targets::Classes(&labels), Targets::Values(&sizes)));
//! let history = Fit::new(40).batch_size(16)
//!     .run_graph(&mut net, &mut Adam::new(0.01), &heads, data, None, &mut [])
//!     .unwrap();
//! assert!(history.last().unwrap().train.accuracy.unwrap() > 0.9);
//! // Each output's figures, epoch by epoch: the class head's accuracy, the size head's loss.
//! let (class, size) = (history.output(0).unwrap(), history.output(1).unwrap());
//! assert!(class.last().unwrap().train.accuracy.unwrap() > 0.9);
//! assert!(size.last().unwrap().train.loss < size.epochs[0].train.loss);
//! ```

use super::fit::Callback;
use super::graph_trainer::GraphTrainer;
use super::heads::{HeadSum, Heads};
use super::trainer::StepError;
use super::{EpochStats, Fit, History, Metrics, OutputStats, TrainError};
use crate::graph::Columns;
use crate::optim::Optimizer;
use crate::{GraphNetwork, Scalar};
use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use std::time::Instant;
use std::vec;
use std::vec::Vec;

/// A graph network's inputs (one sample per column, every part with the same samples) with
/// each output's targets.
#[derive(Debug)]
pub struct GraphData<'a, X, Y> {
    /// The inputs: a batch, or a tuple of batches in declaration order.
    pub x: &'a X,
    /// The targets: [`Targets`](super::Targets), or a tuple of them in `output` order.
    pub y: Y,
}

impl<X, Y: Copy> Clone for GraphData<'_, X, Y> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<X, Y: Copy> Copy for GraphData<'_, X, Y> {}

impl<'a, X, Y> GraphData<'a, X, Y> {
    /// Inputs with their targets.
    pub fn new(x: &'a X, y: Y) -> Self {
        Self { x, y }
    }
}

/// Loss and accuracy of a graph network on a data set: the weighted total and each output's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GraphMetrics {
    /// `Σ_k w_k L_k`, the mean weighted loss per sample, and the accuracy of the first
    /// output with class targets.
    pub total: Metrics,
    /// Each output's unweighted mean loss `L_k` and, for class targets, its accuracy.
    pub heads: Vec<Metrics>,
}

pub(super) fn metrics(total: f64, sums: &[HeadSum], n: usize) -> GraphMetrics {
    let n = n as f64;
    let heads: Vec<Metrics> = sums
        .iter()
        .map(|s| Metrics {
            loss: s.loss / n,
            accuracy: s.classes.then(|| s.correct as f64 / n),
        })
        .collect();
    GraphMetrics {
        total: Metrics {
            loss: total / n,
            accuracy: heads.iter().find_map(|m| m.accuracy),
        },
        heads,
    }
}

/// The weighted total and each output's loss (and accuracy for class targets) of `net` on
/// `data`, in batches of at most `batch_size` (0 counts as 1). Fails on inconsistent or
/// empty data.
///
/// ```
/// use nn_core::{network, Batch, loss::{CrossEntropy, SquaredError}};
/// use nn_core::train::{evaluate_graph, GraphData, Targets, Weighted};
/// network! { struct Net { input: 2, a: dense(3, identity, init = zeros), b: dense(1, identity, init = zeros)(input), output: (a, b) } }
/// let x = Batch::<f64, 2>::zeros(4);
/// let y = Batch::<f64, 1>::from_element(4, 2.0);
/// let heads = (Weighted::new(1.0, CrossEntropy), Weighted::new(0.5, SquaredError));
/// let data = GraphData::new(&x, (Targets::Classes(&[0, 1, 2, 0][..]), Targets::Values(&y)));
/// let m = evaluate_graph(&Net::<f64>::zeros(), &heads, data, 3).unwrap();
/// assert!((m.heads[0].loss - 3f64.ln()).abs() < 1e-12);
/// let se = m.heads[1].loss; // SquaredError's ℓ on an error of 2
/// assert!((m.total.loss - (3f64.ln() + 0.5 * se)).abs() < 1e-12);
/// ```
pub fn evaluate_graph<T, N, H>(
    net: &N,
    heads: &H,
    data: GraphData<'_, N::Inputs, H::Targets<'_>>,
    batch_size: usize,
) -> Result<GraphMetrics, crate::Error>
where
    T: Scalar,
    N: GraphNetwork<T>,
    H: Heads<T, N::Outputs>,
{
    GraphEvaluator::<T, N, H>::new().run(net, heads, data, batch_size)
}

struct GraphEvaluator<T: Scalar, N: GraphNetwork<T>, H: Heads<T, N::Outputs>> {
    x: N::Inputs,
    out: N::Outputs,
    buf: H::Buf,
    trace: Option<N::Trace>,
    sums: Vec<HeadSum>,
}

impl<T: Scalar, N: GraphNetwork<T>, H: Heads<T, N::Outputs>> GraphEvaluator<T, N, H> {
    fn new() -> Self {
        Self {
            x: N::Inputs::with_samples(0),
            out: N::Outputs::with_samples(0),
            buf: H::new_buf(),
            trace: None,
            sums: Vec::new(),
        }
    }

    fn run(
        &mut self,
        net: &N,
        heads: &H,
        data: GraphData<'_, N::Inputs, H::Targets<'_>>,
        batch_size: usize,
    ) -> Result<GraphMetrics, crate::Error> {
        let n = data.x.samples()?;
        H::check(data.y, n)?;
        if n == 0 {
            return Err(crate::Error::EmptyData {
                what: "data to evaluate",
            });
        }
        let batch_size = batch_size.max(1).min(n);
        let trace = self.trace.get_or_insert_with(|| N::new_trace(batch_size));
        self.sums.clear();
        self.sums.resize(H::HEADS, HeadSum::default());
        let mut total = 0.0;
        for start in (0..n).step_by(batch_size) {
            let r = start..(start + batch_size).min(n);
            data.x.copy_range(r.clone(), &mut self.x);
            H::gather_range(data.y, r, &mut self.buf);
            net.forward_eval(&self.x, trace, &mut self.out)?;
            total += heads.value(&self.out, H::view(data.y, &self.buf), &mut self.sums)?;
        }
        Ok(metrics(total, &self.sums, n))
    }
}

impl Fit {
    /// Trains a network with several inputs or outputs ([`GraphNetwork`]) on
    /// `L = Σ_k w_k L_k` ([`Heads`]: one [`Weighted`](super::Weighted) loss per output);
    /// measures `validation` after each epoch; calls `callbacks` after each epoch. The
    /// [`History`]'s `epochs` hold the weighted total loss and the accuracy of the first
    /// output with class targets, its `outputs` each output's unweighted loss `L_k` and
    /// accuracy, on the training and the validation data ([`History::output`] gives one
    /// output's as a history of its own).
    ///
    /// Each mini-batch is split across [`Fit::threads`] threads as in [`run`](Fit::run)
    /// (see [`GraphTrainer`]). Errors as [`run`](Fit::run).
    pub fn run_graph<T, N, O, H>(
        &self,
        net: &mut N,
        opt: &mut O,
        heads: &H,
        train: GraphData<'_, N::Inputs, H::Targets<'_>>,
        validation: Option<GraphData<'_, N::Inputs, H::Targets<'_>>>,
        callbacks: &mut [&mut dyn Callback<N>],
    ) -> Result<History, TrainError>
    where
        T: Scalar,
        N: GraphNetwork<T>,
        O: Optimizer<T, N>,
        H: Heads<T, N::Outputs>,
    {
        self.run_graph_augmented(net, opt, heads, train, validation, callbacks, |_, _, _| {})
    }

    /// [`run_graph`](Fit::run_graph), with `augment` applied to every training mini-batch's
    /// inputs and gathered targets before the forward pass (random transformations that
    /// change the targets too, such as a rotation whose angle is a target).
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::CrossEntropy, optim::Adam};
    /// use nn_core::train::{Fit, GraphData, Targets, Weighted};
    /// use rand::Rng;
    /// network! { struct Sum { a: input(1), b: input(1), ha: dense(8, tanh)(a), hb: dense(8, tanh)(b), h: concat(ha, hb), out: dense(2) } }
    /// // Is a + b positive? `b` is drawn afresh in every mini-batch, and the label with it.
    /// let a = Batch::<f32, 1>::from_fn(256, |_, c| (c as f32 / 128.0) - 1.0);
    /// let x = (a.clone(), Batch::<f32, 1>::zeros(256));
    /// let labels = vec![0usize; 256];
    /// let mut net: Sum = Sum::new(&mut rand::rngs::StdRng::seed_from_u64(2));
    /// # use rand::SeedableRng;
    /// let history = Fit::new(30).batch_size(32).run_graph_augmented(
    ///     &mut net, &mut Adam::new(0.02), &Weighted::new(1.0, CrossEntropy),
    ///     GraphData::new(&x, Targets::Classes(&labels)), None, &mut [],
    ///     |(a, b), y, rng| for c in 0..a.ncols() {
    ///         b[c] = rng.random_range(-1.0..1.0);
    ///         y.labels[c] = usize::from(a[c] + b[c] > 0.0);
    ///     },
    /// ).unwrap();
    /// assert!(history.last().unwrap().train.accuracy.unwrap() > 0.9);
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn run_graph_augmented<T, N, O, H>(
        &self,
        net: &mut N,
        opt: &mut O,
        heads: &H,
        train: GraphData<'_, N::Inputs, H::Targets<'_>>,
        validation: Option<GraphData<'_, N::Inputs, H::Targets<'_>>>,
        callbacks: &mut [&mut dyn Callback<N>],
        mut augment: impl FnMut(&mut N::Inputs, &mut H::Buf, &mut StdRng),
    ) -> Result<History, TrainError>
    where
        T: Scalar,
        N: GraphNetwork<T>,
        O: Optimizer<T, N>,
        H: Heads<T, N::Outputs>,
    {
        #[cfg(nn_unoptimized)]
        super::fit::warn_unoptimized();
        let n = train.x.samples()?;
        H::check(train.y, n)?;
        if n == 0 {
            return Err(TrainError::EmptyData {
                what: "training data",
            });
        }
        if let Some(v) = &validation {
            let nv = v.x.samples()?;
            H::check(v.y, nv)?;
            if nv == 0 {
                return Err(TrainError::EmptyData {
                    what: "validation data",
                });
            }
        }
        if self.batch_size == 0 {
            return Err(TrainError::ZeroBatchSize);
        }
        let batch_size = self.batch_size.min(n);
        let mut order: Vec<usize> = (0..n).collect();
        let mut x = N::Inputs::with_samples(batch_size);
        let mut y = H::new_buf();
        let (mut around, first) = super::epoch_options::Around::start(self, net, opt)?;
        let mut trainer = GraphTrainer::<T, N, H>::new(batch_size, self.threads, self.seed)
            .with_options(self.options.step);
        let mut eval = GraphEvaluator::<T, N, H>::new();
        let mut history = History::default();
        history.epochs.reserve(self.epochs.min(4096));
        let steps = n.div_ceil(batch_size);
        let mut sums = vec![HeadSum::default(); H::HEADS];
        for epoch in first..=self.epochs {
            let bar = self.bar(epoch, steps);
            let start = Instant::now();
            // As in `run`: the epoch's random numbers come from the seed and the epoch alone.
            let epoch_seed = super::rate::epoch_seed(self.seed, epoch);
            let mut rng = StdRng::seed_from_u64(epoch_seed);
            trainer.reseed(epoch_seed);
            order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
            order.shuffle(&mut rng);
            let mut total = 0.0;
            sums.iter_mut().for_each(|s| *s = HeadSum::default());
            for (step, idx) in order.chunks(batch_size).enumerate() {
                train.x.gather(idx, &mut x);
                H::gather(train.y, idx, &mut y);
                augment(&mut x, &mut y, &mut rng);
                around.before_step(opt, epoch, step, steps)?;
                let s = trainer
                    .try_step(net, opt, heads, &x, H::view(train.y, &y))
                    .map_err(|e| {
                        if let Some(b) = &bar {
                            b.abandon();
                        }
                        match e {
                            StepError::NonFinite(loss) => TrainError::NonFinite {
                                epoch,
                                step: step + 1,
                                loss,
                            },
                            StepError::Core(e) => TrainError::Core(e),
                        }
                    })?;
                total += s.loss * idx.len() as f64;
                for (a, b) in sums.iter_mut().zip(trainer.sums()) {
                    a.loss += b.loss;
                    a.correct += b.correct;
                    a.classes = b.classes;
                }
                if let Some(b) = &bar {
                    b.inc(1);
                }
            }
            let seconds = start.elapsed().as_secs_f64();
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            let train_metrics = metrics(total, &sums, n);
            let validation = match &validation {
                Some(v) => Some(eval.run(net, heads, *v, batch_size.max(256))?),
                None => None,
            };
            let stats = EpochStats {
                epoch,
                train: train_metrics.total,
                validation: validation.as_ref().map(|v| v.total),
                seconds,
            };
            history.epochs.push(stats);
            history.outputs.push(OutputStats {
                epoch,
                train: train_metrics.heads,
                validation: validation.map(|v| v.heads),
            });
            if around.after_epoch(self, net, opt, &stats, callbacks)? {
                break;
            }
        }
        for c in callbacks.iter_mut() {
            c.on_train_end(net);
        }
        Ok(history)
    }
}
