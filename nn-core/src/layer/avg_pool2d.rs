//! Average pooling: each output is the mean of its `K x K` window,
//! `y[c, oh, ow] = (1/K²) Σ_{i, j < K} x[c, oh·S + i - P, ow·S + j - P]`, zeros in the padding
//! counting towards the `K²` (PyTorch's default, `count_include_pad = True`). No parameters.
//!
//! Backward: `dℓ/dx[c, ih, iw] += dℓ/dy[c, oh, ow] / K²` for every window containing the
//! input. Shapes: `C x H x W` in, `C x OH x OW` out, `OH = (H + 2P - K)/S + 1` (floored).
//!
//! ```
//! use nn_core::layer::{AvgPool2d, Op};
//! use nn_core::nalgebra::SVector;
//! let pool = AvgPool2d::<f64, 1, 2, 4, 2, 2, 0>::new(); // 1 x 2 x 4 -> 1 x 1 x 2
//! let x = SVector::<f64, 8>::from([1.0, 5.0, 2.0, 2.0, 3.0, 4.0, 0.0, 2.0]);
//! let mut y = SVector::<f64, 2>::zeros();
//! pool.op_forward(&x, &mut y, &mut ());
//! assert_eq!(y, SVector::from([3.25, 1.5]));
//! ```

use super::pool_window::pool_window;
use crate::Scalar;
use core::marker::PhantomData;
use nalgebra::SVector;

/// Average pooling over `C x H x W` samples with a `K x K` window, stride `S` and padding
/// `P` (at most `K/2`, as PyTorch requires); see the [module](self).
pub struct AvgPool2d<
    T,
    const C: usize,
    const H: usize,
    const W: usize,
    const K: usize,
    const S: usize,
    const P: usize,
>(PhantomData<T>);

super::pool_window::pool2d_geometry!("avg_pool2d", AvgPool2d);

impl<
        T: Scalar,
        const C: usize,
        const H: usize,
        const W: usize,
        const K: usize,
        const S: usize,
        const P: usize,
    > AvgPool2d<T, C, H, W, K, S, P>
{
    /// One sample's forward.
    fn forward_one(x: &[T], y: &mut [T]) {
        let (oh_n, ow_n) = (Self::OH, Self::OW);
        // Plane by plane: any number of them (a batch's samples follow one another).
        for (plane, out) in x.chunks_exact(H * W).zip(y.chunks_exact_mut(oh_n * ow_n)) {
            for oh in 0..oh_n {
                for ow in 0..ow_n {
                    let (rows, cols) = pool_window::<H, W, K, S, P>(oh, ow);
                    let mut sum = T::zero();
                    for r in rows {
                        sum += plane[r * W + cols.clone().start..r * W + cols.end]
                            .iter()
                            .fold(T::zero(), |a, &v| a + v);
                    }
                    out[oh * ow_n + ow] = sum * T::of(1.0 / (K * K) as f64);
                }
            }
        }
    }

    /// One sample's backward (or a batch's, as for the forward): `dx` overwritten.
    fn backward_one(dy: &[T], dx: &mut [T]) {
        dx.fill(T::zero());
        let (oh_n, ow_n) = (Self::OH, Self::OW);
        for (dplane, dy) in dx.chunks_exact_mut(H * W).zip(dy.chunks_exact(oh_n * ow_n)) {
            for oh in 0..oh_n {
                for ow in 0..ow_n {
                    let (rows, cols) = pool_window::<H, W, K, S, P>(oh, ow);
                    let g = dy[oh * ow_n + ow] * T::of(1.0 / (K * K) as f64);
                    for r in rows {
                        dplane[r * W + cols.start..r * W + cols.end]
                            .iter_mut()
                            .for_each(|d| *d += g);
                    }
                }
            }
        }
    }
}

super::no_params::stateless!(AvgPool2d<T, C, H, W, K, S, P>, const C, const H, const W, const K, const S, const P);

impl<
        T: Scalar,
        const C: usize,
        const H: usize,
        const W: usize,
        const K: usize,
        const S: usize,
        const P: usize,
    > core::fmt::Debug for AvgPool2d<T, C, H, W, K, S, P>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "AvgPool2d {{ channels: {C}, input: {H}x{W}, window: {K}, stride: {S}, padding: {P} }}"
        )
    }
}

super::no_params::no_parameters!(
    "avg_pool2d",
    AvgPool2d<T, C, H, W, K, S, P>,
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
    > super::Op<T, IN, OUT> for AvgPool2d<T, C, H, W, K, S, P>
{
    type Cache = ();

    fn empty_cache() {}

    fn op_forward(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>, _: &mut ()) {
        const { Self::sizes::<IN, OUT>() };
        Self::forward_one(x.as_slice(), y.as_mut_slice());
    }

    fn op_backward(
        &self,
        _: &SVector<T, IN>,
        _: &SVector<T, OUT>,
        _: &(),
        dy: &SVector<T, OUT>,
        _: &mut Self,
        dx: &mut SVector<T, IN>,
    ) {
        const { Self::sizes::<IN, OUT>() };
        Self::backward_one(dy.as_slice(), dx.as_mut_slice());
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
        // Linear: the tangent is the average of the input tangents.
        let _ = x;
        Self::forward_one(dx.as_slice(), dy.as_mut_slice());
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
    > super::BatchOp<T, IN, OUT> for AvgPool2d<T, C, H, W, K, S, P>
{
    type BatchCache = ();

    fn empty_batch_cache() {}

    fn op_forward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        y: &mut crate::Batch<T, OUT>,
        _: &mut (),
        _: bool,
    ) {
        const { Self::sizes::<IN, OUT>() };
        // The batch's samples follow one another: one pass over all their planes.
        crate::__private::resize(y, x.ncols());
        Self::forward_one(x.as_slice(), y.as_mut_slice());
    }

    fn op_backward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        _: &crate::Batch<T, OUT>,
        _: &(),
        dy: &crate::Batch<T, OUT>,
        _: &mut Self,
        dx: Option<&mut crate::Batch<T, IN>>,
    ) {
        const { Self::sizes::<IN, OUT>() };
        if let Some(dx) = dx {
            crate::__private::resize(dx, x.ncols());
            Self::backward_one(dy.as_slice(), dx.as_mut_slice());
        }
    }
}
