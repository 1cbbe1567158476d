//! Global average pooling: each channel's mean over all its positions,
//! `y[c] = (1/HW) Σ_p x[c, p]`. No parameters.
//!
//! Backward: `dℓ/dx[c, p] = dℓ/dy[c] / HW`. Shapes: `C x HW` in (C,H,W order with the
//! positions flattened), `C` out.
//!
//! ```
//! use nn_core::layer::{GlobalAvgPool, Op};
//! use nn_core::nalgebra::SVector;
//! let pool = GlobalAvgPool::<f64, 2, 3>::new();
//! let x = SVector::<f64, 6>::from([1.0, 2.0, 3.0, 10.0, 20.0, 30.0]);
//! let mut y = SVector::<f64, 2>::zeros();
//! pool.op_forward(&x, &mut y, &mut ());
//! assert_eq!(y, SVector::from([2.0, 20.0]));
//! ```

use crate::Scalar;
use core::marker::PhantomData;
use nalgebra::SVector;

/// The mean of each of `C` channels of `HW` positions; see the [module](self).
pub struct GlobalAvgPool<T, const C: usize, const HW: usize>(PhantomData<T>);

impl<T: Scalar, const C: usize, const HW: usize> GlobalAvgPool<T, C, HW> {
    /// The layer (it has no parameters).
    pub const fn new() -> Self {
        Self(PhantomData)
    }

    const fn sizes<const IN: usize, const OUT: usize>() {
        assert!(HW > 0, "global_avg_pool: needs at least one position");
        assert!(IN == C * HW, "global_avg_pool: IN must be C·HW");
        assert!(OUT == C, "global_avg_pool: OUT must be C");
    }

    fn forward_one(x: &[T], y: &mut [T]) {
        let scale = T::of(1.0 / HW as f64);
        for (y, x) in y.iter_mut().zip(x.chunks_exact(HW)) {
            *y = x.iter().fold(T::zero(), |a, &v| a + v) * scale;
        }
    }

    fn backward_one(dy: &[T], dx: &mut [T]) {
        let scale = T::of(1.0 / HW as f64);
        for (&g, dx) in dy.iter().zip(dx.chunks_exact_mut(HW)) {
            dx.fill(g * scale);
        }
    }
}

super::no_params::stateless!(GlobalAvgPool<T, C, HW>, const C, const HW);

impl<T: Scalar, const C: usize, const HW: usize> core::fmt::Debug for GlobalAvgPool<T, C, HW> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "GlobalAvgPool {{ channels: {C}, positions: {HW} }}")
    }
}

super::no_params::no_parameters!("global_avg_pool", GlobalAvgPool<T, C, HW>, const C, const HW);

impl<T: Scalar, const C: usize, const HW: usize, const IN: usize, const OUT: usize>
    super::Op<T, IN, OUT> for GlobalAvgPool<T, C, HW>
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
        _: &SVector<T, IN>,
        _: &SVector<T, OUT>,
        _: &(),
        dx: &SVector<T, IN>,
        dy: &mut SVector<T, OUT>,
    ) {
        const { Self::sizes::<IN, OUT>() };
        Self::forward_one(dx.as_slice(), dy.as_mut_slice());
    }
}

#[cfg(feature = "alloc")]
impl<T: Scalar, const C: usize, const HW: usize, const IN: usize, const OUT: usize>
    super::BatchOp<T, IN, OUT> for GlobalAvgPool<T, C, HW>
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
