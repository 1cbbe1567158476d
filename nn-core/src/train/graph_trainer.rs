//! [`GraphTrainer`]: the training step of a [`GraphNetwork`], on every core.
//!
//! A step on a mini-batch of `n` samples computes `L = Σ_k w_k L_k` ([`Heads`]) and its
//! gradient. With `k > 1` threads the batch is cut into `k` contiguous shards (at least
//! [`MIN_SHARD`] samples each), every input and every output's targets alike; each thread
//! copies its shard's samples and computes the shard's loss `L_j` and gradient `g_j`, and
//! they are summed in shard order, `L = Σ_j (n_j/n) L_j` and `∂L/∂β = Σ_j (n_j/n) g_j`, the
//! gradient's sum (with its finiteness check) shared by the same threads, each taking a
//! fixed range of every tensor, with the single-input [`Trainer`](super::Trainer)'s code: a
//! seeded run repeats exactly for a given thread count.
//! The optimizer's element-wise update
//! ([`Optimizer::step_parts`](crate::optim::Optimizer::step_parts)) is shared by the same
//! threads, each taking a fixed range of every tensor, so its result is bit for bit one
//! thread's.
//! One thread computes the batch whole, bit for bit the hand-written loop over the generated
//! `forward_batch_trace_into` and `backward_batch_params`. Networks with batch norm
//! ([`GraphNetwork::PER_SAMPLE`] false) always train on one thread.

use super::heads::{HeadSum, Heads};
use super::pool::Pool;
use super::reduce::Reducer;
use super::trainer::{lock, resolve_threads, shard_range, shard_seed, StepError};
use super::{StepStats, TrainError, MIN_SHARD};
use crate::graph::Columns;
use crate::optim::Optimizer;
use crate::{GraphNetwork, Scalar};
use std::sync::Mutex;
use std::vec::Vec;

/// The buffers of one shard.
struct Shard<T: Scalar, N: GraphNetwork<T>, H: Heads<T, N::Outputs>> {
    trace: N::Trace,
    grads: N,
    out: N::Outputs,
    dl: N::Outputs,
    x: N::Inputs,
    y: H::Buf,
    sums: Vec<HeadSum>,
    result: Result<f64, crate::Error>,
}

/// The training step of a graph network with its buffers and threads (no allocation after
/// the first step of a batch size).
///
/// ```
/// use nn_core::{network, Batch, loss::{CrossEntropy, SquaredError}, optim::Adam};
/// use nn_core::train::{GraphTrainer, Targets, Weighted};
/// network! { struct Net { a: input(3), b: input(2), h: concat(a, b), c: dense(2)(h), v: dense(1)(h), output: (c, v) } }
/// let mut net: Net = Net::new(&mut rand::rngs::StdRng::seed_from_u64(0));
/// # use rand::SeedableRng;
/// let x = (Batch::<f32, 3>::from_fn(64, |r, c| ((r + c) % 5) as f32), Batch::<f32, 2>::zeros(64));
/// let (labels, v) = (vec![1usize; 64], Batch::<f32, 1>::from_element(64, 0.5));
/// let heads = (Weighted::new(1.0, CrossEntropy), Weighted::new(0.1, SquaredError));
/// let mut adam = Adam::new(1e-2);
/// let mut trainer = GraphTrainer::new(64, 2, 0); // batches of 64 on 2 threads, seed 0
/// let y = (Targets::Classes(&labels[..]), Targets::Values(&v));
/// let first = trainer.step(&mut net, &mut adam, &heads, &x, y).unwrap();
/// for _ in 0..30 {
///     trainer.step(&mut net, &mut adam, &heads, &x, y).unwrap();
/// }
/// assert!(trainer.step(&mut net, &mut adam, &heads, &x, y).unwrap().loss < first.loss);
/// ```
pub struct GraphTrainer<T: Scalar, N: GraphNetwork<T>, H: Heads<T, N::Outputs>> {
    shards: Vec<Mutex<Shard<T, N, H>>>,
    pool: Option<Pool>,
    /// Weight decay and clipping around the optimizer's step; `saved` is their scratch.
    options: super::StepOptions,
    saved: Option<N>,
    /// The scratch of the shards' gradient sum (kept, so a step allocates nothing).
    reducer: Reducer<T>,
}

impl<T: Scalar, N: GraphNetwork<T>, H: Heads<T, N::Outputs>> GraphTrainer<T, N, H> {
    /// Buffers for batches of `batch_size` on `threads` threads (0: one per core), dropout
    /// masks seeded from `seed`; fewer threads when a batch has fewer than [`MIN_SHARD`]
    /// samples per thread, and one for networks with batch norm.
    pub fn new(batch_size: usize, threads: usize, seed: u64) -> Self {
        let k = if N::PER_SAMPLE {
            resolve_threads(threads).min(batch_size / MIN_SHARD).max(1)
        } else {
            1
        };
        let shards = (0..k)
            .map(|j| {
                let n = shard_range(batch_size, k, j).len();
                let mut trace = N::new_trace(n);
                N::seed_trace(&mut trace, shard_seed(seed, j));
                Mutex::new(Shard {
                    trace,
                    grads: N::zeros(),
                    out: N::Outputs::with_samples(n),
                    dl: N::Outputs::with_samples(n),
                    x: N::Inputs::with_samples(0),
                    y: H::new_buf(),
                    sums: Vec::with_capacity(H::HEADS),
                    result: Ok(0.0),
                })
            })
            .collect();
        Self {
            shards,
            pool: (k > 1).then(|| Pool::new(k)),
            options: super::StepOptions::default(),
            saved: None,
            reducer: Reducer::new(),
        }
    }

    /// Weight decay and gradient clipping around the optimizer's step, as
    /// [`Trainer::with_options`](super::Trainer::with_options) for one-input networks.
    ///
    /// ```
    /// use nn_core::{network, train::{GraphTrainer, StepOptions, Weighted}, loss::SquaredError};
    /// network! { struct Two { a: input(1), b: input(1), h: concat(a, b), out: dense(1) } }
    /// let t = GraphTrainer::<f32, Two, Weighted<SquaredError>>::new(16, 1, 0)
    ///     .with_options(StepOptions::default().clip_norm(1.0));
    /// assert_eq!(t.threads(), 1);
    /// ```
    pub fn with_options(mut self, options: super::StepOptions) -> Self {
        self.options = options;
        self
    }

    /// Reseeds every shard's dropout masks from `seed` (`Fit` does it at each epoch, so a
    /// resumed run repeats them).
    pub fn reseed(&mut self, seed: u64) {
        for (j, s) in self.shards.iter_mut().enumerate() {
            N::seed_trace(&mut lock(s).trace, shard_seed(seed, j));
        }
    }

    /// The number of threads a full batch is split across.
    pub fn threads(&self) -> usize {
        self.shards.len()
    }

    /// One step on the inputs `x` with targets `y`: forward, `L = Σ_k w_k L_k`, backward,
    /// the finiteness check, the optimizer's update, batch norm's running statistics. On an
    /// error the weights and the optimizer's state are those before the call. `correct`
    /// counts the first output with class targets.
    pub fn step<O: Optimizer<T, N>>(
        &mut self,
        net: &mut N,
        opt: &mut O,
        heads: &H,
        x: &N::Inputs,
        y: H::Targets<'_>,
    ) -> Result<StepStats, TrainError> {
        let n = x.samples()?;
        if n == 0 {
            return Err(TrainError::EmptyData { what: "batch" });
        }
        H::check(y, n)?;
        self.try_step(net, opt, heads, x, y).map_err(|e| match e {
            StepError::NonFinite(loss) => TrainError::NonFinite {
                epoch: 1,
                step: 1,
                loss,
            },
            StepError::Core(e) => TrainError::Core(e),
        })
    }

    /// Each output's sums over the last step: the loss `Σ_i ℓ_k` and the correct count.
    pub fn sums(&mut self) -> &[HeadSum] {
        &lock(&mut self.shards[0]).sums
    }

    pub(crate) fn try_step<O: Optimizer<T, N>>(
        &mut self,
        net: &mut N,
        opt: &mut O,
        heads: &H,
        x: &N::Inputs,
        y: H::Targets<'_>,
    ) -> Result<StepStats, StepError> {
        opt.before_gradient(net)?;
        let result = self.gradient(net, heads, x, y).and_then(|v| {
            let grads = &mut lock(&mut self.shards[0]).grads;
            // The optimizer's element-wise update on every thread of the pool, as the chain
            // trainer's: each value is computed as one thread computes it.
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

    /// The loss and the gradient (into shard 0's `grads`), checked finite.
    fn gradient(
        &mut self,
        net: &N,
        heads: &H,
        x: &N::Inputs,
        y: H::Targets<'_>,
    ) -> Result<StepStats, StepError> {
        let n = x.samples()?;
        let k = self.shards.len().min(n / MIN_SHARD).max(1);
        let (loss, finite) = if k == 1 {
            let s = lock(&mut self.shards[0]);
            let loss = shard_gradient(net, heads, x, y, s)?;
            (loss, super::finite::all_finite_params(&s.grads))
        } else {
            let shards = &self.shards[..k];
            let job = |j: usize| {
                let mut guard = shards[j].lock().unwrap_or_else(|e| e.into_inner());
                let s = &mut *guard;
                // Each thread copies its own shard's samples, as the chain trainer's do.
                let r = shard_range(n, k, j);
                x.copy_range(r.clone(), &mut s.x);
                H::gather_range(y, r, &mut s.y);
                let targets = H::view(y, &s.y);
                let (xs, trace, out, dl, grads, sums) = (
                    &s.x,
                    &mut s.trace,
                    &mut s.out,
                    &mut s.dl,
                    &mut s.grads,
                    &mut s.sums,
                );
                s.result = gradient_into(net, heads, xs, targets, trace, out, dl, grads, sums);
            };
            match &mut self.pool {
                Some(pool) => pool.run(k, &job),
                None => (0..k).for_each(job),
            }
            self.reduce(n, k)?
        };
        let s = lock(&mut self.shards[0]);
        if !loss.is_finite() || !finite {
            return Err(StepError::NonFinite(loss));
        }
        let correct = s.sums.iter().find(|h| h.classes).map_or(0, |h| h.correct);
        Ok(StepStats { loss, correct })
    }

    /// Shard 0's gradient becomes `Σ_j (n_j/n) g_j`, summed in shard order on the pool's
    /// threads as the chain trainer's ([`Reducer::sum`]), and its sums the total; returns the
    /// weighted loss and whether the gradient is finite. The first failed shard's error wins.
    fn reduce(&mut self, n: usize, k: usize) -> Result<(f64, bool), StepError> {
        let mut l = 0.0;
        for (j, s) in self.shards[..k].iter_mut().enumerate() {
            l += shard_range(n, k, j).len() as f64 / n as f64 * lock(s).result.clone()?;
        }
        let (first, rest) = self.shards[..k].split_at_mut(1);
        let first = lock(&mut first[0]);
        for s in rest {
            for (a, b) in first.sums.iter_mut().zip(&lock(s).sums) {
                a.loss += b.loss;
                a.correct += b.correct;
            }
        }
        let grads = self.shards[..k].iter_mut().map(|s| &mut lock(s).grads);
        let finite = self.reducer.sum(grads, n, k, self.pool.as_mut());
        Ok((l, finite))
    }
}

/// The single-thread path: `s`'s buffers take the whole batch.
fn shard_gradient<T: Scalar, N: GraphNetwork<T>, H: Heads<T, N::Outputs>>(
    net: &N,
    heads: &H,
    x: &N::Inputs,
    y: H::Targets<'_>,
    s: &mut Shard<T, N, H>,
) -> Result<f64, crate::Error> {
    gradient_into(
        net,
        heads,
        x,
        y,
        &mut s.trace,
        &mut s.out,
        &mut s.dl,
        &mut s.grads,
        &mut s.sums,
    )
}

/// Forward, the heads' loss and gradients, backward into `grads`; the weighted mean loss.
#[allow(clippy::too_many_arguments)]
fn gradient_into<T: Scalar, N: GraphNetwork<T>, H: Heads<T, N::Outputs>>(
    net: &N,
    heads: &H,
    x: &N::Inputs,
    y: H::Targets<'_>,
    trace: &mut N::Trace,
    out: &mut N::Outputs,
    dl: &mut N::Outputs,
    grads: &mut N,
    sums: &mut Vec<HeadSum>,
) -> Result<f64, crate::Error> {
    sums.clear();
    sums.resize(H::HEADS, HeadSum::default());
    net.forward_train(x, trace, out)?;
    let loss = heads.grad(out, y, dl, sums)?;
    net.backward_params(x, trace, dl, grads)?;
    Ok(loss)
}
