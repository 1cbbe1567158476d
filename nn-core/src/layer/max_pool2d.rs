//! Max pooling: each output is the largest input of its `K x K` window,
//! `y[c, oh, ow] = max_{i, j < K} x[c, oh·S + i - P, ow·S + j - P]` (positions in the padding
//! take no part). No parameters; it downsamples by `S` and keeps each channel.
//!
//! Backward: `dℓ/dy` of each output goes to the input that won its window,
//! `dℓ/dx[argmax] += dℓ/dy` (several outputs may send to one input when windows overlap).
//! **Ties**: when several inputs share the maximum, the first in row-major order over the
//! window (top row first, then left to right) wins and receives the whole gradient, as in
//! PyTorch's CPU kernel; the max is not differentiable there, and this is one subgradient.
//!
//! Shapes: `C x H x W` in, `C x OH x OW` out, `OH = (H + 2P - K)/S + 1` (floored).
//! The backward recomputes the winners from `x`, so one sample needs no cache and no heap.
//!
//! ```
//! use nn_core::layer::{MaxPool2d, Op};
//! use nn_core::nalgebra::SVector;
//! let pool = MaxPool2d::<f64, 1, 2, 4, 2, 2, 0>::new(); // 1 x 2 x 4 -> 1 x 1 x 2
//! let x = SVector::<f64, 8>::from([1.0, 5.0, 2.0, 2.0, 3.0, 4.0, 0.0, 2.0]);
//! let mut y = SVector::<f64, 2>::zeros();
//! pool.op_forward(&x, &mut y, &mut ());
//! assert_eq!(y, SVector::from([5.0, 2.0]));
//! let mut dx = SVector::<f64, 8>::zeros();
//! pool.op_backward(&x, &y, &(), &SVector::from([1.0, 1.0]), &mut MaxPool2d::new(), &mut dx);
//! // the tie among the three 2s goes to the first, x[2]
//! assert_eq!(dx.as_slice(), [0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
//! ```

use super::pool_window::pool_window;
use crate::Scalar;
use core::marker::PhantomData;
use nalgebra::SVector;

/// Max pooling over `C x H x W` samples with a `K x K` window, stride `S` and padding
/// `P` (at most `K/2`, as PyTorch requires); see the [module](self).
pub struct MaxPool2d<
    T,
    const C: usize,
    const H: usize,
    const W: usize,
    const K: usize,
    const S: usize,
    const P: usize,
>(PhantomData<T>);

super::pool_window::pool2d_geometry!("max_pool2d", MaxPool2d);

impl<
        T: Scalar,
        const C: usize,
        const H: usize,
        const W: usize,
        const K: usize,
        const S: usize,
        const P: usize,
    > MaxPool2d<T, C, H, W, K, S, P>
{
    /// Every `H x W` plane of `x` (any number: the channels of all the samples of a batch)
    /// pooled into the matching plane of `y`, with each output's winner (its offset in its
    /// plane) in `at`, for the backward.
    #[cfg(feature = "alloc")]
    fn forward_planes(x: &[T], y: &mut [T], at: &mut [usize]) {
        let (oh_n, ow_n) = (Self::OH, Self::OW);
        let outs = y
            .chunks_exact_mut(oh_n * ow_n)
            .zip(at.chunks_exact_mut(oh_n * ow_n));
        for (plane, (out, at)) in x.chunks_exact(H * W).zip(outs) {
            for oh in 0..oh_n {
                for ow in 0..ow_n {
                    let o = oh * ow_n + ow;
                    let best = if P == 0 {
                        // Every window inside the image: fixed-size loops.
                        let mut best = oh * S * W + ow * S;
                        let mut m = plane[best];
                        for i in 0..K {
                            let start = (oh * S + i) * W + ow * S;
                            for (j, &v) in plane[start..][..K].iter().enumerate() {
                                if v > m {
                                    (m, best) = (v, start + j);
                                }
                            }
                        }
                        best
                    } else {
                        let (rows, cols) = pool_window::<H, W, K, S, P>(oh, ow);
                        argmax::<T, W>(plane, rows, cols)
                    };
                    out[o] = plane[best];
                    at[o] = best;
                }
            }
        }
    }

    /// One sample's forward, or a batch's (all its planes in one pass).
    fn forward_one(x: &[T], y: &mut [T]) {
        let (oh_n, ow_n) = (Self::OH, Self::OW);
        if P == 0 {
            // Every window lies inside the image: fixed-size loops the compiler unrolls.
            for (plane, out) in x.chunks_exact(H * W).zip(y.chunks_exact_mut(oh_n * ow_n)) {
                for (oh, out) in out.chunks_exact_mut(ow_n).enumerate() {
                    let rows = &plane[oh * S * W..];
                    for (ow, o) in out.iter_mut().enumerate() {
                        let mut m = rows[ow * S];
                        for i in 0..K {
                            for &v in &rows[i * W + ow * S..][..K] {
                                if v > m {
                                    m = v;
                                }
                            }
                        }
                        *o = m;
                    }
                }
            }
            return;
        }
        // Plane by plane: any number of them (a batch's samples follow one another).
        for (plane, out) in x.chunks_exact(H * W).zip(y.chunks_exact_mut(oh_n * ow_n)) {
            for oh in 0..oh_n {
                for ow in 0..ow_n {
                    let (rows, cols) = pool_window::<H, W, K, S, P>(oh, ow);
                    out[oh * ow_n + ow] = plane[argmax::<T, W>(plane, rows, cols)];
                }
            }
        }
    }

    /// One sample's backward, or a batch's (all its planes in one pass): `dx` overwritten.
    fn backward_one(x: &[T], dy: &[T], dx: &mut [T]) {
        dx.fill(T::zero());
        let (oh_n, ow_n) = (Self::OH, Self::OW);
        if P == 0 {
            // As in the forward: every window inside the image, fixed-size loops.
            let planes = x.chunks_exact(H * W).zip(dx.chunks_exact_mut(H * W));
            for ((plane, dplane), dy) in planes.zip(dy.chunks_exact(oh_n * ow_n)) {
                for (oh, dy) in dy.chunks_exact(ow_n).enumerate() {
                    for (ow, &g) in dy.iter().enumerate() {
                        let mut best = oh * S * W + ow * S;
                        for i in 0..K {
                            let start = (oh * S + i) * W + ow * S;
                            for (j, &v) in plane[start..][..K].iter().enumerate() {
                                if v > plane[best] {
                                    best = start + j;
                                }
                            }
                        }
                        dplane[best] += g;
                    }
                }
            }
            return;
        }
        // Plane by plane, as the forward: any number of them.
        let planes = x.chunks_exact(H * W).zip(dx.chunks_exact_mut(H * W));
        for ((plane, dplane), dy) in planes.zip(dy.chunks_exact(oh_n * ow_n)) {
            for oh in 0..oh_n {
                for ow in 0..ow_n {
                    let (rows, cols) = pool_window::<H, W, K, S, P>(oh, ow);
                    dplane[argmax::<T, W>(plane, rows, cols)] += dy[oh * ow_n + ow];
                }
            }
        }
    }
}

super::no_params::stateless!(MaxPool2d<T, C, H, W, K, S, P>, const C, const H, const W, const K, const S, const P);

impl<
        T: Scalar,
        const C: usize,
        const H: usize,
        const W: usize,
        const K: usize,
        const S: usize,
        const P: usize,
    > core::fmt::Debug for MaxPool2d<T, C, H, W, K, S, P>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "MaxPool2d {{ channels: {C}, input: {H}x{W}, window: {K}, stride: {S}, padding: {P} }}"
        )
    }
}

super::no_params::no_parameters!(
    "max_pool2d",
    MaxPool2d<T, C, H, W, K, S, P>,
    const C,
    const H,
    const W,
    const K,
    const S,
    const P
);

impl<
        T: Scalar,
        const C: usize,
        const H: usize,
        const W: usize,
        const K: usize,
        const S: usize,
        const P: usize,
        const IN: usize,
        const OUT: usize,
    > super::Op<T, IN, OUT> for MaxPool2d<T, C, H, W, K, S, P>
{
    type Cache = ();

    fn empty_cache() {}

    fn op_forward(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>, _: &mut ()) {
        const { Self::sizes::<IN, OUT>() };
        Self::forward_one(x.as_slice(), y.as_mut_slice());
    }

    fn op_backward(
        &self,
        x: &SVector<T, IN>,
        _: &SVector<T, OUT>,
        _: &(),
        dy: &SVector<T, OUT>,
        _: &mut Self,
        dx: &mut SVector<T, IN>,
    ) {
        const { Self::sizes::<IN, OUT>() };
        Self::backward_one(x.as_slice(), dy.as_slice(), dx.as_mut_slice());
    }

    fn op_tangent(
        &self,
        x: &SVector<T, IN>,
        _: &SVector<T, OUT>,
        _: &(),
        dx: &SVector<T, IN>,
        dy: &mut SVector<T, OUT>,
    ) {
        const { Self::sizes::<IN, OUT>() };
        // The derivative of a max is the derivative of the winning input (ties: the first).
        let (x, dx, dy) = (x.as_slice(), dx.as_slice(), dy.as_mut_slice());
        for c in 0..C {
            for oh in 0..Self::OH {
                for ow in 0..Self::OW {
                    let (rows, cols) = pool_window::<H, W, K, S, P>(oh, ow);
                    let at = c * H * W + argmax::<T, W>(&x[c * H * W..(c + 1) * H * W], rows, cols);
                    dy[(c * Self::OH + oh) * Self::OW + ow] = dx[at];
                }
            }
        }
    }
}

#[cfg(feature = "alloc")]
impl<
        T: Scalar,
        const C: usize,
        const H: usize,
        const W: usize,
        const K: usize,
        const S: usize,
        const P: usize,
        const IN: usize,
        const OUT: usize,
    > super::BatchOp<T, IN, OUT> for MaxPool2d<T, C, H, W, K, S, P>
{
    /// Each output's winner, its offset in its input plane (kept between steps).
    type BatchCache = alloc::vec::Vec<usize>;

    fn empty_batch_cache() -> Self::BatchCache {
        alloc::vec::Vec::new()
    }

    /// The whole batch as `n·C` planes in one pass; in training the winners are kept for
    /// the backward (at inference they are not, and a backward finds them again).
    fn op_forward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        y: &mut crate::Batch<T, OUT>,
        at: &mut Self::BatchCache,
        train: bool,
    ) {
        const { Self::sizes::<IN, OUT>() };
        crate::__private::resize(y, x.ncols());
        if train {
            at.resize(y.len(), 0);
            Self::forward_planes(x.as_slice(), y.as_mut_slice(), at);
        } else {
            at.clear();
            Self::forward_one(x.as_slice(), y.as_mut_slice());
        }
    }

    /// `dℓ/dy` of each output goes to the winner the forward kept.
    fn op_backward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        _: &crate::Batch<T, OUT>,
        at: &Self::BatchCache,
        dy: &crate::Batch<T, OUT>,
        _: &mut Self,
        dx: Option<&mut crate::Batch<T, IN>>,
    ) {
        const { Self::sizes::<IN, OUT>() };
        let Some(dx) = dx else { return };
        if at.len() != dy.len() {
            // No forward kept the winners for this batch: find them again, all the planes
            // in one pass.
            crate::__private::resize(dx, x.ncols());
            Self::backward_one(x.as_slice(), dy.as_slice(), dx.as_mut_slice());
            return;
        }
        crate::__private::resize(dx, x.ncols());
        let dx = dx.as_mut_slice();
        dx.fill(T::zero());
        let ohw = Self::OH * Self::OW;
        let outs = dy.as_slice().chunks_exact(ohw).zip(at.chunks_exact(ohw));
        for (dplane, (dy, at)) in dx.chunks_exact_mut(H * W).zip(outs) {
            for (&g, &a) in dy.iter().zip(at) {
                dplane[a] += g;
            }
        }
    }
}

/// The offset in `plane` (one `H x W` channel of width `W`) of the largest value among
/// `rows x cols`, the first in row-major order on ties.
#[inline]
fn argmax<T: Scalar, const W: usize>(
    plane: &[T],
    rows: core::ops::Range<usize>,
    cols: core::ops::Range<usize>,
) -> usize {
    let mut best = rows.start * W + cols.start;
    for r in rows {
        for c in cols.clone() {
            // Strictly greater: an equal value later in the window does not take over.
            if plane[r * W + c] > plane[best] {
                best = r * W + c;
            }
        }
    }
    best
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use crate::layer::BatchOp;
    use crate::Batch;

    /// A batch's backward after an inference forward (the winners found again, all planes
    /// in one pass) equals the one after a training forward (the winners kept), and each
    /// sample's own backward.
    fn backward_without_kept_winners<
        const C: usize,
        const H: usize,
        const W: usize,
        const K: usize,
        const S: usize,
        const P: usize,
        const IN: usize,
        const OUT: usize,
    >() {
        let pool = MaxPool2d::<f64, C, H, W, K, S, P>(PhantomData);
        let n = 3;
        let x = Batch::<f64, IN>::from_fn(n, |r, c| (((r * 7 + c * 13) % 11) as f64 - 5.0) / 3.0);
        let dy = Batch::<f64, OUT>::from_fn(n, |r, c| (r + 2 * c) as f64 + 1.0);
        let mut grads = MaxPool2d(PhantomData);
        let mut backward = |train: bool| {
            let (mut y, mut at, mut dx) =
                (Batch::zeros(0), alloc::vec::Vec::new(), Batch::zeros(0));
            BatchOp::<f64, IN, OUT>::op_forward_batch(&pool, &x, &mut y, &mut at, train);
            assert_eq!(at.is_empty(), !train);
            pool.op_backward_batch(&x, &y, &at, &dy, &mut grads, Some(&mut dx));
            dx
        };
        let (kept, found) = (backward(true), backward(false));
        assert_eq!(kept, found);
        for s in 0..n {
            let mut dx = [f64::NAN; IN];
            MaxPool2d::<f64, C, H, W, K, S, P>::backward_one(
                x.column(s).as_slice(),
                dy.column(s).as_slice(),
                &mut dx,
            );
            assert_eq!(found.column(s).as_slice(), &dx[..], "sample {s}");
        }
    }

    #[test]
    fn a_batch_backward_finds_the_winners_again_in_one_pass() {
        // Windows inside the image, then padded windows (each branch of the backward).
        backward_without_kept_winners::<2, 4, 4, 2, 2, 0, 32, 8>();
        backward_without_kept_winners::<2, 5, 5, 2, 2, 1, 50, 18>();
    }
}
