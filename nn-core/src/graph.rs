//! [`GraphNetwork`]: the batch (training) path of a network with several inputs or several
//! outputs, for generic training code such as [`Fit::run_graph`](crate::train::Fit::run_graph).
//!
//! Every `network!` with more than one input or more than one output implements it (one
//! input and one output: [`BatchNetwork`](crate::BatchNetwork)). Its inputs and outputs are
//! [`Columns`]: one [`Batch<T, N>`](crate::Batch) (`N x n`, one sample per column) or a tuple
//! of them, in declaration order for the inputs and in `output` order for the outputs, all
//! with the same number of samples `n`.
//!
//! A step computes the outputs `f_k(x)`, a loss per output and the gradients `dℓ/df_k` (one
//! batch per output), then backpropagates all of them at once: the lecture's backward chain
//! rule sums, at every node read by several children, the gradients arriving from each.
//!
//! ```
//! use nn_core::{network, Batch, GraphNetwork};
//! network! {
//!     struct TwoIn { a: input(3), b: input(2), ha: dense(4)(a), hb: dense(4)(b), out: add(ha, hb) }
//! }
//! let net = TwoIn::<f64>::zeros();
//! let x = (Batch::<f64, 3>::zeros(5), Batch::<f64, 2>::zeros(5));
//! let mut trace = <TwoIn<f64> as GraphNetwork<f64>>::new_trace(5);
//! let mut out = Batch::<f64, 4>::zeros(0);
//! net.forward_eval(&x, &mut trace, &mut out).unwrap();
//! assert_eq!(out.ncols(), 5);
//! ```

use crate::{Batch, Error, Parameters, Scalar};
use core::ops::Range;

/// One batch or a tuple of batches with the same number of samples: a multi-input
/// network's inputs, or a multi-output network's outputs and their gradients.
///
/// ```
/// use nn_core::{Batch, graph::Columns};
/// let x = (Batch::<f32, 2>::from_fn(3, |r, c| (10 * c + r) as f32), Batch::<f32, 1>::zeros(3));
/// assert_eq!(x.samples().unwrap(), 3);
/// let mut picked = <(Batch<f32, 2>, Batch<f32, 1>)>::with_samples(0);
/// x.gather(&[2, 0], &mut picked);
/// assert_eq!(picked.0.column(0)[0], 20.0);
/// assert_eq!(picked.0.column(1)[1], 1.0);
/// // And back: the two picked samples become samples 2 and 3 of four.
/// let mut all = <(Batch<f32, 2>, Batch<f32, 1>)>::with_samples(4);
/// picked.copy_to(2, &mut all);
/// assert_eq!((all.0.column(2)[0], all.0.column(3)[1]), (20.0, 1.0));
/// // Parts of different lengths are an error naming both counts.
/// assert!((Batch::<f32, 2>::zeros(3), Batch::<f32, 1>::zeros(4)).samples().is_err());
/// ```
pub trait Columns<T: Scalar>: Clone + Send + Sync + Sized {
    /// The number of parts (batches).
    const PARTS: usize;
    /// The number of samples; an error when the parts hold different numbers.
    fn samples(&self) -> Result<usize, Error>;
    /// Zeros for `n` samples.
    fn with_samples(n: usize) -> Self;
    /// Resizes every part to `n` samples, keeping the allocations when the size is unchanged.
    fn resize(&mut self, n: usize);
    /// Copies the samples at `idx` (each below [`samples`](Self::samples)) into `out`,
    /// resized to `idx.len()` samples.
    fn gather(&self, idx: &[usize], out: &mut Self);
    /// Copies the contiguous samples `r` into `out`, resized to `r.len()` samples.
    fn copy_range(&self, r: Range<usize>, out: &mut Self);
    /// Copies every sample into `out`'s samples from `at` on (the inverse of
    /// [`copy_range`](Self::copy_range)); `out` must hold them.
    fn copy_to(&self, at: usize, out: &mut Self);
}

impl<T: Scalar, const N: usize> Columns<T> for Batch<T, N> {
    const PARTS: usize = 1;
    fn samples(&self) -> Result<usize, Error> {
        Ok(self.ncols())
    }
    fn with_samples(n: usize) -> Self {
        Batch::zeros(n)
    }
    fn resize(&mut self, n: usize) {
        crate::__private::resize(self, n);
    }
    fn gather(&self, idx: &[usize], out: &mut Self) {
        crate::__private::resize(out, idx.len());
        for (dst, &i) in out.as_mut_slice().chunks_exact_mut(N.max(1)).zip(idx) {
            dst.copy_from_slice(&self.as_slice()[i * N..(i + 1) * N]);
        }
    }
    fn copy_range(&self, r: Range<usize>, out: &mut Self) {
        crate::__private::resize(out, r.len());
        out.as_mut_slice()
            .copy_from_slice(&self.as_slice()[r.start * N..r.end * N]);
    }
    fn copy_to(&self, at: usize, out: &mut Self) {
        let len = self.as_slice().len();
        out.as_mut_slice()[at * N..at * N + len].copy_from_slice(self.as_slice());
    }
}

macro_rules! tuple_columns {
    ($n:literal; $first:ident $f:tt $(, $name:ident $i:tt)+) => {
        impl<T: Scalar, $first: Columns<T> $(, $name: Columns<T>)+> Columns<T> for ($first, $($name,)+) {
            const PARTS: usize = $n;
            fn samples(&self) -> Result<usize, Error> {
                let n = self.$f.samples()?;
                $(crate::__private::check_batch(n, self.$i.samples()?, "samples of every part")?;)+
                Ok(n)
            }
            fn with_samples(n: usize) -> Self {
                ($first::with_samples(n), $($name::with_samples(n),)+)
            }
            fn resize(&mut self, n: usize) {
                self.$f.resize(n);
                $(self.$i.resize(n);)+
            }
            fn gather(&self, idx: &[usize], out: &mut Self) {
                self.$f.gather(idx, &mut out.$f);
                $(self.$i.gather(idx, &mut out.$i);)+
            }
            fn copy_range(&self, r: Range<usize>, out: &mut Self) {
                self.$f.copy_range(r.clone(), &mut out.$f);
                $(self.$i.copy_range(r.clone(), &mut out.$i);)+
            }
            fn copy_to(&self, at: usize, out: &mut Self) {
                self.$f.copy_to(at, &mut out.$f);
                $(self.$i.copy_to(at, &mut out.$i);)+
            }
        }
    };
}

tuple_columns!(2; A 0, B 1);
tuple_columns!(3; A 0, B 1, C 2);
tuple_columns!(4; A 0, B 1, C 2, D 3);
tuple_columns!(5; A 0, B 1, C 2, D 3, E 4);
tuple_columns!(6; A 0, B 1, C 2, D 3, E 4, F 5);

/// A network's batch path with its inputs and outputs as [`Columns`]: what
/// [`Fit::run_graph`](crate::train::Fit::run_graph) trains. `network!` implements it for
/// every network with several inputs or outputs.
pub trait GraphNetwork<T: Scalar>: Parameters<T> + Clone + Send + Sync {
    /// The inputs: one batch per input, in declaration order (a tuple when there are several).
    type Inputs: Columns<T>;
    /// The outputs: one batch per output, in `output` order (a tuple when there are several).
    type Outputs: Columns<T>;
    /// The intermediates of a batch's forward pass (the generated `NameBatchTrace<T>`).
    type Trace: Send;
    /// True when each sample's outputs and gradients depend on that sample alone (no batch
    /// norm).
    const PER_SAMPLE: bool;
    /// A network with every parameter zero (the shape of gradients and optimizer state).
    fn zeros() -> Self;
    /// Buffers for a batch of `n` samples.
    fn new_trace(n: usize) -> Self::Trace;
    /// Restarts the trace's dropout masks from `seed` (no effect without dropout layers).
    fn seed_trace(trace: &mut Self::Trace, seed: u64);
    /// Inference on a batch into the buffers of `trace`; copies the outputs into `out`
    /// (resized to the batch). Fails when the inputs hold different numbers of samples.
    fn forward_eval(
        &self,
        x: &Self::Inputs,
        trace: &mut Self::Trace,
        out: &mut Self::Outputs,
    ) -> Result<(), Error>;
    /// The training forward pass into `trace`; copies the outputs into `out` (resized).
    fn forward_train(
        &self,
        x: &Self::Inputs,
        trace: &mut Self::Trace,
        out: &mut Self::Outputs,
    ) -> Result<(), Error>;
    /// After a training forward pass: updates batch norm's running statistics from `trace`.
    fn update_state(&mut self, trace: &Self::Trace);
    /// Parameter gradients summed over the batch (overwriting `grads`), given each output's
    /// loss gradient `dl_df` (one column per sample).
    fn backward_params(
        &self,
        x: &Self::Inputs,
        trace: &mut Self::Trace,
        dl_df: &Self::Outputs,
        grads: &mut Self,
    ) -> Result<(), Error>;
}
