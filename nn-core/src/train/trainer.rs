//! [`Trainer`]: the training step that [`Fit`](super::Fit) runs, on every core.
//!
//! A step on a mini-batch `D̂` of `n` samples computes the mean loss
//! `L(β, D̂) = (1/n) Σ_i ℓ(f(x_i), y_i)`, its gradient `∂L/∂β` by backpropagation, checks both
//! finite, and hands the gradient to the optimizer.
//!
//! With `k > 1` threads the batch is cut into `k` contiguous shards `D̂_1 … D̂_k` (at least
//! [`MIN_SHARD`] samples each, so small batches stay on fewer threads), each thread computes
//! its shard's mean loss `L_j` and gradient `g_j` into its own buffers, and they are reduced
//! in shard order: `L = Σ_j (n_j/n) L_j`, `∂L/∂β = Σ_j (n_j/n) g_j`, the gradient's sum (with
//! its finiteness check) and the optimizer's element-wise update
//! ([`Optimizer::step_parts`](crate::optim::Optimizer::step_parts)) shared by the threads,
//! each taking a fixed range of every tensor. The order is fixed, so a seeded run gives the
//! same weights every time for a given thread count (results of different thread counts
//! differ by rounding). Each shard draws its
//! dropout masks from its own generator, seeded from the run's seed and the shard's index
//! (`Fit` reseeds them from the seed and the epoch at each epoch, [`Trainer::reseed`]).
//!
//! One thread runs the batch whole, exactly as a hand-written loop would. Networks with
//! batch norm ([`BatchNetwork::PER_SAMPLE`] false) always do: batch norm normalizes with the
//! statistics of the whole mini-batch, as PyTorch does, and shards would change them.
//!
//! After the first step of each batch size, a step allocates nothing.

use super::data::Gathered;
use super::pool::Pool;
use super::reduce::Reducer;
use super::{Data, Targets, TrainError};
use crate::loss::{Loss, LossExt, Reduction};
use crate::optim::Optimizer;
use crate::{Batch, BatchNetwork, Scalar};
use core::ops::Range;
use std::sync::Mutex;
use std::vec::Vec;

/// The fewest samples a thread gets: below this, threading costs more than it saves.
pub const MIN_SHARD: usize = 16;

/// What one step measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepStats {
    /// The mean loss over the batch (before the update).
    pub loss: f64,
    /// Correct predictions (largest output = label) for class targets; 0 for vector targets.
    pub correct: usize,
}

/// The buffers of one shard: its samples, its trace and its gradient.
struct Shard<T: Scalar, N: BatchNetwork<T, IN, OUT>, const IN: usize, const OUT: usize> {
    trace: N::Trace,
    grads: N,
    dl_df: Batch<T, OUT>,
    x: Batch<T, IN>,
    y: Gathered<T, OUT>,
    result: Result<(f64, usize), crate::Error>,
}

/// One training step, reusable: the buffers and worker threads of a training run.
///
/// [`Fit`](super::Fit) runs [`step`](Trainer::step) on every mini-batch; the criterion
/// benchmarks time the same call.
///
/// ```
/// use nn_core::{network, Batch, loss::CrossEntropy, optim::Adam};
/// use nn_core::train::{Targets, Trainer};
/// network! { struct Net { input: 4, h: dense(32, relu), out: dense(3) } }
/// let mut net: Net = Net::new(&mut rand::rngs::StdRng::seed_from_u64(0));
/// # use rand::SeedableRng;
/// let x = Batch::<f32, 4>::from_fn(64, |r, c| ((r + c) % 5) as f32);
/// let y: Vec<usize> = (0..64).map(|c| c % 3).collect();
/// let mut adam = Adam::new(1e-2);
/// let mut trainer = Trainer::new(64, 2, 0); // batches of 64 on 2 threads, seed 0
/// let first = trainer.step(&mut net, &mut adam, &CrossEntropy, &x, Targets::Classes(&y)).unwrap();
/// for _ in 0..50 {
///     trainer.step(&mut net, &mut adam, &CrossEntropy, &x, Targets::Classes(&y)).unwrap();
/// }
/// let last = trainer.step(&mut net, &mut adam, &CrossEntropy, &x, Targets::Classes(&y)).unwrap();
/// assert!(last.loss < first.loss);
/// ```
pub struct Trainer<T: Scalar, N: BatchNetwork<T, IN, OUT>, const IN: usize, const OUT: usize> {
    shards: Vec<Mutex<Shard<T, N, IN, OUT>>>,
    pool: Option<Pool>,
    /// Weight decay and clipping around the optimizer's step; `saved` is their scratch.
    options: super::StepOptions,
    saved: Option<N>,
    /// The scratch of the shards' gradient sum (kept, so a step allocates nothing).
    reducer: Reducer<T>,
    /// The epoch and step an error names (set by `Fit`; otherwise 1 and a running count).
    pub(crate) epoch: usize,
    pub(crate) step: usize,
}

impl<T: Scalar, N: BatchNetwork<T, IN, OUT>, const IN: usize, const OUT: usize>
    Trainer<T, N, IN, OUT>
{
    /// Buffers for batches of `batch_size` on `threads` threads (0: one per core), with
    /// dropout masks seeded from `seed`. Uses fewer threads when a batch has fewer than
    /// [`MIN_SHARD`] samples per thread, and one for networks with batch norm.
    pub fn new(batch_size: usize, threads: usize, seed: u64) -> Self {
        let threads = resolve_threads(threads);
        let k = if N::PER_SAMPLE {
            threads.min(batch_size / MIN_SHARD).max(1)
        } else {
            1
        };
        let shards = (0..k)
            .map(|j| {
                let n = if k == 1 {
                    batch_size
                } else {
                    shard_range(batch_size, k, j).len()
                };
                let mut trace = N::new_trace(n);
                N::seed_trace(&mut trace, shard_seed(seed, j));
                Mutex::new(Shard {
                    trace,
                    grads: N::zeros(),
                    dl_df: Batch::zeros(n),
                    x: Batch::zeros(0),
                    y: Gathered::new(),
                    result: Ok((0.0, 0)),
                })
            })
            .collect();
        Self {
            shards,
            pool: (k > 1).then(|| Pool::new(k)),
            options: super::StepOptions::default(),
            saved: None,
            reducer: Reducer::new(),
            epoch: 1,
            step: 0,
        }
    }

    /// Weight decay and gradient clipping for every step (see [`StepOptions`](super::StepOptions)).
    ///
    /// ```
    /// use nn_core::{network, Batch, loss::CrossEntropy, optim::Sgd, Parameters};
    /// use nn_core::train::{StepOptions, Targets, Trainer};
    /// network! { struct Net { input: 2, out: dense(2) } }
    /// let mut net = Net::<f64>::zeros();
    /// net.out.weight.fill(1.0);
    /// let (x, y) = (Batch::<f64, 2>::zeros(16), vec![0usize; 16]);
    /// let mut t = Trainer::new(16, 1, 0).with_options(StepOptions::default().weight_decay(0.5));
    /// t.step(&mut net, &mut Sgd::new(0.1), &CrossEntropy, &x, Targets::Classes(&y)).unwrap();
    /// // x = 0: the loss gradient of the weights is 0, the decay's is λW = 0.5
    /// assert!((net.out.weight[(0, 0)] - (1.0 - 0.1 * 0.5)).abs() < 1e-15);
    /// ```
    pub fn with_options(mut self, options: super::StepOptions) -> Self {
        self.options = options;
        self
    }

    /// Seeds every shard's dropout masks from `seed` as [`new`](Trainer::new) does (`Fit`
    /// reseeds at each epoch).
    pub fn reseed(&mut self, seed: u64) {
        for (j, s) in self.shards.iter_mut().enumerate() {
            N::seed_trace(&mut lock(s).trace, shard_seed(seed, j));
        }
    }

    /// The number of threads a full batch is split across.
    pub fn threads(&self) -> usize {
        self.shards.len()
    }

    /// One training step on the batch `x` with targets `y`: forward, mean loss, backward,
    /// the finiteness check, the optimizer's update, then the state gradients do not train
    /// (batch norm's running statistics).
    ///
    /// On any error (a non-finite loss or gradient, [`TrainError::NonFinite`]; targets that
    /// do not fit the batch; an empty batch; a loss or optimizer error) the weights, the
    /// optimizer's state and the running statistics are what they were before the call.
    pub fn step<O, L>(
        &mut self,
        net: &mut N,
        opt: &mut O,
        loss: &L,
        x: &Batch<T, IN>,
        y: Targets<'_, T, OUT>,
    ) -> Result<StepStats, TrainError>
    where
        O: Optimizer<T, N>,
        L: Loss<T> + Sync,
    {
        Data { x, y }.check()?;
        if x.ncols() == 0 {
            return Err(TrainError::EmptyData { what: "batch" });
        }
        self.step += 1;
        self.try_step(net, opt, loss, x, y)
            .map(|(loss, correct)| StepStats { loss, correct })
            .map_err(|e| match e {
                StepError::NonFinite(loss) => TrainError::NonFinite {
                    epoch: self.epoch,
                    step: self.step,
                    loss,
                },
                StepError::Core(e) => TrainError::Core(e),
            })
    }

    /// The step without argument checks (`Fit` checked its data once).
    pub(crate) fn try_step<O, L>(
        &mut self,
        net: &mut N,
        opt: &mut O,
        loss: &L,
        x: &Batch<T, IN>,
        y: Targets<'_, T, OUT>,
    ) -> Result<(f64, usize), StepError>
    where
        O: Optimizer<T, N>,
        L: Loss<T> + Sync,
    {
        opt.before_gradient(net)?;
        let result = self.gradient(net, loss, x, y).and_then(|v| {
            let grads = &mut lock(&mut self.shards[0]).grads;
            let mut serial = crate::optim::parts::Serial;
            let parts: &mut dyn crate::optim::Parts = match &mut self.pool {
                Some(pool) => pool,
                None => &mut serial,
            };
            self.options.step(opt, net, grads, &mut self.saved, parts)?;
            Ok(v)
        });
        match result {
            Ok(v) => {
                net.update_state(&lock(&mut self.shards[0]).trace);
                Ok(v)
            }
            Err(e) => {
                opt.abandon_step(net);
                Err(e)
            }
        }
    }

    /// The mean loss, the correct count and the gradient (into shard 0's `grads`), checked
    /// finite. Writes only the buffers.
    fn gradient<L: Loss<T> + Sync>(
        &mut self,
        net: &N,
        loss: &L,
        x: &Batch<T, IN>,
        y: Targets<'_, T, OUT>,
    ) -> Result<(f64, usize), StepError> {
        let n = x.ncols();
        let k = self.shards.len().min(n / MIN_SHARD).max(1);
        let (l, correct, finite) = if k == 1 {
            let s = lock(&mut self.shards[0]);
            let (l, correct) = shard_gradient(net, loss, x, y, s)?;
            (l, correct, super::finite::all_finite_params(&s.grads))
        } else {
            let shards = &self.shards[..k];
            let job = |j: usize| {
                let mut guard = shards[j].lock().unwrap_or_else(|e| e.into_inner());
                let s = &mut *guard;
                s.load(x, y, shard_range(n, k, j));
                let targets = match y {
                    Targets::Classes(_) => Targets::Classes(&s.y.labels[..]),
                    Targets::Values(_) => Targets::Values(&s.y.values),
                };
                s.result = gradient_into(
                    net,
                    loss,
                    &s.x,
                    targets,
                    &mut s.trace,
                    &mut s.dl_df,
                    &mut s.grads,
                );
            };
            match &mut self.pool {
                Some(pool) => pool.run(k, &job),
                None => (0..k).for_each(job),
            }
            self.reduce(n, k)?
        };
        if !l.is_finite() || !finite {
            return Err(StepError::NonFinite(l));
        }
        Ok((l, correct))
    }

    /// Shard 0's gradient becomes `Σ_j (n_j/n) g_j`, summed in shard order on the pool's
    /// threads ([`Reducer::sum`]); returns the weighted mean loss, the total correct count
    /// and whether the sum is finite. The first failed shard's error wins.
    fn reduce(&mut self, n: usize, k: usize) -> Result<(f64, usize, bool), StepError> {
        let (mut l, mut correct) = (0.0, 0usize);
        for (j, s) in self.shards[..k].iter_mut().enumerate() {
            let (lj, cj) = lock(s).result.clone()?;
            l += shard_range(n, k, j).len() as f64 / n as f64 * lj;
            correct += cj;
        }
        let grads = self.shards[..k].iter_mut().map(|s| &mut lock(s).grads);
        let finite = self.reducer.sum(grads, n, k, self.pool.as_mut());
        Ok((l, correct, finite))
    }
}

impl<T: Scalar, N: BatchNetwork<T, IN, OUT>, const IN: usize, const OUT: usize>
    Shard<T, N, IN, OUT>
{
    /// Copies the samples `r` of `x` and `y` into this shard (no allocation once sized).
    fn load(&mut self, x: &Batch<T, IN>, y: Targets<'_, T, OUT>, r: Range<usize>) {
        crate::__private::resize(&mut self.x, r.len());
        self.x
            .as_mut_slice()
            .copy_from_slice(&x.as_slice()[r.start * IN..r.end * IN]);
        match y {
            Targets::Classes(labels) => {
                self.y.labels.clear();
                self.y.labels.extend_from_slice(&labels[r]);
            }
            Targets::Values(v) => {
                crate::__private::resize(&mut self.y.values, r.len());
                self.y
                    .values
                    .as_mut_slice()
                    .copy_from_slice(&v.as_slice()[r.start * OUT..r.end * OUT]);
            }
        }
    }
}

pub(super) fn lock<S>(m: &mut Mutex<S>) -> &mut S {
    m.get_mut().unwrap_or_else(|e| e.into_inner())
}

/// The single-thread path: `s`'s buffers take the whole batch.
fn shard_gradient<T, const IN: usize, const OUT: usize, N, L>(
    net: &N,
    loss: &L,
    x: &Batch<T, IN>,
    y: Targets<'_, T, OUT>,
    s: &mut Shard<T, N, IN, OUT>,
) -> Result<(f64, usize), crate::Error>
where
    T: Scalar,
    N: BatchNetwork<T, IN, OUT>,
    L: Loss<T>,
{
    gradient_into(net, loss, x, y, &mut s.trace, &mut s.dl_df, &mut s.grads)
}

/// Forward, mean loss and its gradient, backward into `grads`; the mean loss and the
/// number of correct predictions.
fn gradient_into<T, const IN: usize, const OUT: usize, N, L>(
    net: &N,
    loss: &L,
    x: &Batch<T, IN>,
    y: Targets<'_, T, OUT>,
    trace: &mut N::Trace,
    dl_df: &mut Batch<T, OUT>,
    grads: &mut N,
) -> Result<(f64, usize), crate::Error>
where
    T: Scalar,
    N: BatchNetwork<T, IN, OUT>,
    L: Loss<T>,
{
    net.forward_train(x, trace);
    let out = N::trace_output(trace);
    let (l, correct) = match y {
        Targets::Classes(labels) => (
            loss.batch_grad_into(out, labels, Reduction::Mean, dl_df)?,
            super::fit::count_correct(out, labels),
        ),
        Targets::Values(v) => (loss.batch_grad_into(out, v, Reduction::Mean, dl_df)?, 0),
    };
    net.backward_params(x, trace, dl_df, grads)?;
    Ok((l.to_f64(), correct))
}

/// Samples `j` of `n` cut into `k` contiguous shards, the first `n % k` one larger.
pub(super) fn shard_range(n: usize, k: usize, j: usize) -> Range<usize> {
    let (q, r) = (n / k, n % k);
    let start = j * q + j.min(r);
    start..start + q + usize::from(j < r)
}

/// Shard 0 keeps the seed a single-thread run uses; the others get their own streams. The
/// masks' generator (SplitMix64) advances its state by a fixed step per draw, so seeds that
/// differ by multiples of that step would give the shards the same masks shifted by a few
/// draws: other shards' seeds are hashed instead.
pub(super) fn shard_seed(seed: u64, j: usize) -> u64 {
    let base = seed ^ 0xD50F_D50F;
    if j == 0 {
        return base;
    }
    let mut z = base ^ (j as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 0 means one thread per core.
pub(crate) fn resolve_threads(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

/// Why a step failed (the caller adds the epoch and step).
pub(crate) enum StepError {
    NonFinite(f64),
    Core(crate::Error),
}

impl From<crate::Error> for StepError {
    fn from(e: crate::Error) -> Self {
        StepError::Core(e)
    }
}
