//! [`Heads`]: one loss per output of a [`GraphNetwork`](crate::GraphNetwork), each with a
//! weight, summed into the loss a graph network trains on.
//!
//! For outputs `f_1 … f_K` with losses `ℓ_k` and weights `w_k`, a mini-batch `D̂` of `n`
//! samples has the loss
//!
//! `L = Σ_k w_k L_k`, with `L_k = (1/n) Σ_i ℓ_k(f_k(x_i), y_{k,i})`,
//!
//! and `∂L/∂f_k = w_k ∂L_k/∂f_k` (an `O_k x n` batch per output), which the network's
//! backward pass takes all at once. A single output is a [`Weighted`] loss; several are a
//! tuple of them, in the network's `output` order, with a tuple of [`Targets`].

use super::data::Gathered;
use super::Targets;
use crate::graph::Columns;
use crate::loss::{Loss, LossExt, Reduction};
use crate::{Batch, Error, Scalar};
use core::ops::Range;

/// A loss with its weight `w` in the sum `L = Σ_k w_k L_k`.
///
/// ```
/// use nn_core::loss::{CrossEntropy, SquaredError};
/// use nn_core::train::Weighted;
/// // Cross-entropy on the first output plus 0.1 × squared error on the second.
/// let heads = (Weighted::new(1.0, CrossEntropy), Weighted::new(0.1, SquaredError));
/// assert_eq!(heads.1.weight, 0.1);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Weighted<L> {
    /// `w_k`.
    pub weight: f64,
    /// `ℓ_k`.
    pub loss: L,
}

impl<L> Weighted<L> {
    /// `weight × loss`.
    pub fn new(weight: f64, loss: L) -> Self {
        Self { weight, loss }
    }
}

/// One output's figures over a data set or a batch: its unweighted mean loss `L_k` and, for
/// class targets, the number of samples whose largest output is the label.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HeadSum {
    /// The sum of `ℓ_k` over the samples seen (divide by their number for the mean).
    pub loss: f64,
    /// Correct predictions (class targets only; 0 otherwise).
    pub correct: usize,
    /// Whether the targets are classes.
    pub classes: bool,
}

/// The losses of a network's outputs ([`Weighted`], or a tuple of them): implemented for
/// outputs `O` that are one [`Batch`] or a tuple of up to six.
pub trait Heads<T: Scalar, O: Columns<T>>: Sync {
    /// The number of outputs.
    const HEADS: usize;
    /// Each output's targets ([`Targets`], a tuple of them for several outputs).
    type Targets<'a>: Copy + Send + Sync;
    /// A mini-batch's targets, reused across steps ([`Gathered`], a tuple of them).
    type Buf: Send;
    /// Empty buffers.
    fn new_buf() -> Self::Buf;
    /// Checks one target per sample for each output (`n` samples) and labels below the
    /// output's size.
    fn check(y: Self::Targets<'_>, n: usize) -> Result<(), Error>;
    /// Copies the targets of the samples at `idx` into `buf`.
    fn gather(y: Self::Targets<'_>, idx: &[usize], buf: &mut Self::Buf);
    /// Copies the targets of the contiguous samples `r` into `buf`.
    fn gather_range(y: Self::Targets<'_>, r: Range<usize>, buf: &mut Self::Buf);
    /// The targets in `buf`, of the same kinds as `like`.
    fn view<'b>(like: Self::Targets<'_>, buf: &'b Self::Buf) -> Self::Targets<'b>;
    /// `L = Σ_k w_k L_k` (means over the batch); writes `w_k ∂L_k/∂f_k` into `dl`
    /// (resized) and adds each output's summed loss and correct count to `sums`
    /// (`HEADS` entries).
    fn grad(
        &self,
        out: &O,
        y: Self::Targets<'_>,
        dl: &mut O,
        sums: &mut [HeadSum],
    ) -> Result<f64, Error>;
    /// `Σ_k w_k Σ_i ℓ_k` (sums over the batch), adding each output's sum to `sums`.
    fn value(&self, out: &O, y: Self::Targets<'_>, sums: &mut [HeadSum]) -> Result<f64, Error>;
}

fn check_one<T: Scalar, const O: usize>(y: Targets<'_, T, O>, n: usize) -> Result<(), Error> {
    let found = match y {
        Targets::Classes(l) => l.len(),
        Targets::Values(v) => v.ncols(),
    };
    crate::__private::check_batch(n, found, "targets")?;
    if let Targets::Classes(l) = y {
        if let Some(&class) = l.iter().find(|&&c| c >= O) {
            return Err(Error::ClassOutOfRange { class, classes: O });
        }
    }
    Ok(())
}

fn gather_one<T: Scalar, const O: usize>(
    y: Targets<'_, T, O>,
    idx: &[usize],
    buf: &mut Gathered<T, O>,
) {
    match y {
        Targets::Classes(l) => {
            buf.labels.clear();
            buf.labels.extend(idx.iter().map(|&i| l[i]));
        }
        Targets::Values(v) => v.gather(idx, &mut buf.values),
    }
}

fn range_one<T: Scalar, const O: usize>(
    y: Targets<'_, T, O>,
    r: Range<usize>,
    buf: &mut Gathered<T, O>,
) {
    match y {
        Targets::Classes(l) => {
            buf.labels.clear();
            buf.labels.extend_from_slice(&l[r]);
        }
        Targets::Values(v) => v.copy_range(r, &mut buf.values),
    }
}

fn view_one<'b, T: Scalar, const O: usize>(
    like: Targets<'_, T, O>,
    buf: &'b Gathered<T, O>,
) -> Targets<'b, T, O> {
    match like {
        Targets::Classes(_) => Targets::Classes(&buf.labels),
        Targets::Values(_) => Targets::Values(&buf.values),
    }
}

fn grad_one<T: Scalar, L: Loss<T>, const O: usize>(
    h: &Weighted<L>,
    out: &Batch<T, O>,
    y: Targets<'_, T, O>,
    dl: &mut Batch<T, O>,
    sum: &mut HeadSum,
) -> Result<f64, Error> {
    crate::__private::resize(dl, out.ncols());
    let l = match y {
        Targets::Classes(labels) => {
            sum.correct += super::fit::count_correct(out, labels);
            h.loss.batch_grad_into(out, labels, Reduction::Mean, dl)?
        }
        Targets::Values(v) => h.loss.batch_grad_into(out, v, Reduction::Mean, dl)?,
    }
    .to_f64();
    sum.classes = matches!(y, Targets::Classes(_));
    sum.loss += l * out.ncols() as f64;
    let w = T::of(h.weight);
    if h.weight != 1.0 {
        dl.iter_mut().for_each(|g| *g *= w);
    }
    Ok(h.weight * l)
}

fn value_one<T: Scalar, L: Loss<T>, const O: usize>(
    h: &Weighted<L>,
    out: &Batch<T, O>,
    y: Targets<'_, T, O>,
    sum: &mut HeadSum,
) -> Result<f64, Error> {
    let l = match y {
        Targets::Classes(labels) => {
            sum.correct += super::fit::count_correct(out, labels);
            h.loss.batch_value(out, labels, Reduction::Sum)?
        }
        Targets::Values(v) => h.loss.batch_value(out, v, Reduction::Sum)?,
    }
    .to_f64();
    sum.classes = matches!(y, Targets::Classes(_));
    sum.loss += l;
    Ok(h.weight * l)
}

impl<T: Scalar, L: Loss<T> + Sync, const O: usize> Heads<T, Batch<T, O>> for Weighted<L> {
    const HEADS: usize = 1;
    type Targets<'a> = Targets<'a, T, O>;
    type Buf = Gathered<T, O>;
    fn new_buf() -> Self::Buf {
        Gathered::new()
    }
    fn check(y: Self::Targets<'_>, n: usize) -> Result<(), Error> {
        check_one(y, n)
    }
    fn gather(y: Self::Targets<'_>, idx: &[usize], buf: &mut Self::Buf) {
        gather_one(y, idx, buf)
    }
    fn gather_range(y: Self::Targets<'_>, r: Range<usize>, buf: &mut Self::Buf) {
        range_one(y, r, buf)
    }
    fn view<'b>(like: Self::Targets<'_>, buf: &'b Self::Buf) -> Self::Targets<'b> {
        view_one(like, buf)
    }
    fn grad(
        &self,
        out: &Batch<T, O>,
        y: Self::Targets<'_>,
        dl: &mut Batch<T, O>,
        sums: &mut [HeadSum],
    ) -> Result<f64, Error> {
        grad_one(self, out, y, dl, &mut sums[0])
    }
    fn value(
        &self,
        out: &Batch<T, O>,
        y: Self::Targets<'_>,
        sums: &mut [HeadSum],
    ) -> Result<f64, Error> {
        value_one(self, out, y, &mut sums[0])
    }
}

macro_rules! tuple_heads {
    ($n:literal; $($L:ident $O:ident $i:tt),+) => {
        impl<T: Scalar, $($L: Loss<T> + Sync, const $O: usize),+>
            Heads<T, ($(Batch<T, $O>,)+)> for ($(Weighted<$L>,)+)
        {
            const HEADS: usize = $n;
            type Targets<'a> = ($(Targets<'a, T, $O>,)+);
            type Buf = ($(Gathered<T, $O>,)+);
            fn new_buf() -> Self::Buf {
                ($(Gathered::<T, $O>::new(),)+)
            }
            fn check(y: Self::Targets<'_>, n: usize) -> Result<(), Error> {
                $(check_one(y.$i, n)?;)+
                Ok(())
            }
            fn gather(y: Self::Targets<'_>, idx: &[usize], buf: &mut Self::Buf) {
                $(gather_one(y.$i, idx, &mut buf.$i);)+
            }
            fn gather_range(y: Self::Targets<'_>, r: Range<usize>, buf: &mut Self::Buf) {
                $(range_one(y.$i, r.clone(), &mut buf.$i);)+
            }
            fn view<'b>(like: Self::Targets<'_>, buf: &'b Self::Buf) -> Self::Targets<'b> {
                ($(view_one(like.$i, &buf.$i),)+)
            }
            fn grad(
                &self,
                out: &($(Batch<T, $O>,)+),
                y: Self::Targets<'_>,
                dl: &mut ($(Batch<T, $O>,)+),
                sums: &mut [HeadSum],
            ) -> Result<f64, Error> {
                let mut total = 0.0;
                $(total += grad_one(&self.$i, &out.$i, y.$i, &mut dl.$i, &mut sums[$i])?;)+
                Ok(total)
            }
            fn value(
                &self,
                out: &($(Batch<T, $O>,)+),
                y: Self::Targets<'_>,
                sums: &mut [HeadSum],
            ) -> Result<f64, Error> {
                let mut total = 0.0;
                $(total += value_one(&self.$i, &out.$i, y.$i, &mut sums[$i])?;)+
                Ok(total)
            }
        }
    };
}

tuple_heads!(2; L0 O0 0, L1 O1 1);
tuple_heads!(3; L0 O0 0, L1 O1 1, L2 O2 2);
tuple_heads!(4; L0 O0 0, L1 O1 1, L2 O2 2, L3 O3 3);
tuple_heads!(5; L0 O0 0, L1 O1 1, L2 O2 2, L3 O3 3, L4 O4 4);
tuple_heads!(6; L0 O0 0, L1 O1 1, L2 O2 2, L3 O3 3, L4 O4 4, L5 O5 5);
