//! [`Fit`]: the epoch and mini-batch loop.

use super::data::Gathered;
use super::{Data, EpochStats, History, Metrics, Targets, TrainError};
use crate::loss::{Loss, LossExt, Reduction};
use crate::optim::Optimizer;
use crate::{Batch, BatchNetwork, Parameters, Scalar};
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
    fn on_epoch_end(&mut self, stats: &EpochStats, net: &mut N) -> Control;
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
    epochs: usize,
    batch_size: usize,
    seed: u64,
    progress: bool,
}

impl Fit {
    /// `epochs` passes over the data, mini-batches of 64, seed 0, no progress bar.
    pub fn new(epochs: usize) -> Self {
        Self {
            epochs,
            batch_size: 64,
            seed: 0,
            progress: false,
        }
    }

    /// Samples per mini-batch (the last batch of an epoch may be smaller).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
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
        L: Loss<T>,
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
        L: Loss<T>,
    {
        train.check()?;
        if let Some(v) = &validation {
            v.check()?;
        }
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut order: Vec<usize> = (0..train.len()).collect();
        let mut x = Batch::<T, IN>::zeros(self.batch_size);
        let mut y = Gathered::<T, OUT>::new();
        let mut trace = N::new_trace(self.batch_size);
        N::seed_trace(&mut trace, self.seed ^ 0xD50F_D50F);
        let mut grads = N::zeros();
        let mut dl_df = Batch::<T, OUT>::zeros(self.batch_size);
        let mut history = History::default();
        let steps = train.len().div_ceil(self.batch_size);

        let mut stopped = false;
        for epoch in 1..=self.epochs {
            let bar = self.bar(epoch, steps);
            let start = Instant::now();
            order.shuffle(&mut rng);
            let (mut total, mut correct) = (0.0, 0usize);
            for (step, idx) in order.chunks(self.batch_size).enumerate() {
                train.gather(idx, &mut x, &mut y);
                augment(&mut x, &mut rng);
                opt.before_gradient(net)?;
                net.forward_train(&x, &mut trace);
                net.update_state(&trace);
                let out = N::trace_output(&trace);
                let l = match train.y {
                    Targets::Classes(_) => {
                        correct += count_correct(out, &y.labels);
                        loss.batch_grad_into(out, &y.labels[..], Reduction::Mean, &mut dl_df)?
                    }
                    Targets::Values(_) => {
                        loss.batch_grad_into(out, &y.values, Reduction::Mean, &mut dl_df)?
                    }
                }
                .to_f64();
                net.backward_params(&x, &mut trace, &dl_df, &mut grads)?;
                if !l.is_finite() || !all_finite(&grads) {
                    if let Some(b) = &bar {
                        b.abandon();
                    }
                    return Err(TrainError::NonFinite {
                        epoch,
                        step: step + 1,
                        loss: l,
                    });
                }
                opt.step(net, &grads)?;
                total += l * idx.len() as f64;
                if let Some(b) = &bar {
                    b.inc(1);
                    if step % 50 == 0 {
                        b.set_message(format!(
                            "loss {:.4}",
                            total / ((step + 1) * self.batch_size) as f64
                        ));
                    }
                }
            }
            let seconds = start.elapsed().as_secs_f64();
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            let n = train.len().max(1) as f64;
            let train_metrics = Metrics {
                loss: total / n,
                accuracy: matches!(train.y, Targets::Classes(_)).then(|| correct as f64 / n),
            };
            let validation = match &validation {
                Some(v) => Some(evaluate(net, loss, v, self.batch_size.max(256))?),
                None => None,
            };
            let stats = EpochStats {
                epoch,
                train: train_metrics,
                validation,
                seconds,
            };
            history.epochs.push(stats);
            for c in callbacks.iter_mut() {
                if c.on_epoch_end(&stats, net) == Control::Stop {
                    stopped = true;
                }
            }
            if stopped {
                break;
            }
        }
        for c in callbacks.iter_mut() {
            c.on_train_end(net);
        }
        Ok(history)
    }

    fn bar(&self, epoch: usize, steps: usize) -> Option<indicatif::ProgressBar> {
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

/// Mean loss (and accuracy, for class targets) of `net` on `data`, in batches.
///
/// ```
/// use nn_core::{network, Batch, loss::CrossEntropy, train::{evaluate, Data}};
/// network! { struct Net { input: 2, out: dense(3, identity, init = zeros) } }
/// let x = Batch::<f64, 2>::zeros(4);
/// let m = evaluate(&Net::<f64>::zeros(), &CrossEntropy, &Data::classes(&x, &[0, 1, 2, 0]), 3).unwrap();
/// assert!((m.loss - 3f64.ln()).abs() < 1e-12);
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
    data.check()?;
    let (mut total, mut correct) = (0.0, 0usize);
    let mut x = Batch::<T, IN>::zeros(0);
    let mut y = Gathered::<T, OUT>::new();
    let idx: Vec<usize> = (0..data.len()).collect();
    for chunk in idx.chunks(batch_size.max(1)) {
        data.gather(chunk, &mut x, &mut y);
        let out = net.forward_batch(&x);
        total += match data.y {
            Targets::Classes(_) => {
                correct += count_correct(&out, &y.labels);
                loss.batch_value(&out, &y.labels[..], Reduction::Sum)?
            }
            Targets::Values(_) => loss.batch_value(&out, &y.values, Reduction::Sum)?,
        }
        .to_f64();
    }
    let n = data.len().max(1) as f64;
    Ok(Metrics {
        loss: total / n,
        accuracy: matches!(data.y, Targets::Classes(_)).then(|| correct as f64 / n),
    })
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

fn count_correct<T: Scalar, const OUT: usize>(out: &Batch<T, OUT>, labels: &[usize]) -> usize {
    argmax_columns(out)
        .zip(labels)
        .filter(|(p, l)| p == *l)
        .count()
}

fn all_finite<T: Scalar, P: Parameters<T>>(p: &P) -> bool {
    let mut ok = true;
    p.visit(|_, v| ok &= v.iter().all(|x| x.is_finite()));
    ok
}
