//! Flatten: `C x H x W -> C·H·W`, the identity on the values.
//!
//! Samples are stored flat in C,H,W order already, so flattening only changes the shape the
//! macro checks (a dense layer takes a flat vector): forward copies, backward passes the
//! gradient through. Shapes: `SVector<T, N> -> SVector<T, N>`.
//!
//! ```
//! use nn_core::{layer::{Flatten, Op}, nalgebra::SVector};
//! let x = SVector::<f32, 4>::from([1.0, 2.0, 3.0, 4.0]);
//! let mut y = SVector::zeros();
//! Op::<f32, 4, 4>::op_forward(&Flatten, &x, &mut y, &mut ());
//! assert_eq!(x, y);
//! ```

use super::Op;
use crate::Scalar;
use nalgebra::SVector;

/// The flatten layer: no parameters, values unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flatten;

super::no_params::no_parameters!("flatten", Flatten);

impl<T: Scalar, const N: usize> Op<T, N, N> for Flatten {
    type Cache = ();
    fn empty_cache() {}
    #[inline]
    fn op_forward(&self, x: &SVector<T, N>, y: &mut SVector<T, N>, _: &mut ()) {
        y.copy_from(x);
    }
    #[inline]
    fn op_backward(
        &self,
        _: &SVector<T, N>,
        _: &SVector<T, N>,
        _: &(),
        dy: &SVector<T, N>,
        _: &mut Self,
        dx: &mut SVector<T, N>,
    ) {
        dx.copy_from(dy);
    }
    #[inline]
    fn op_tangent(
        &self,
        _: &SVector<T, N>,
        _: &SVector<T, N>,
        _: &(),
        dx: &SVector<T, N>,
        dy: &mut SVector<T, N>,
    ) {
        dy.copy_from(dx);
    }
}

#[cfg(feature = "alloc")]
impl<T: Scalar, const N: usize> super::BatchOp<T, N, N> for Flatten {
    type BatchCache = ();
    fn empty_batch_cache() {}
    fn op_forward_batch(
        &self,
        x: &crate::Batch<T, N>,
        y: &mut crate::Batch<T, N>,
        _: &mut (),
        _: bool,
    ) {
        crate::__private::assign(y, x);
    }
    fn op_backward_batch(
        &self,
        _: &crate::Batch<T, N>,
        _: &crate::Batch<T, N>,
        _: &(),
        dy: &crate::Batch<T, N>,
        _: &mut Self,
        dx: Option<&mut crate::Batch<T, N>>,
    ) {
        if let Some(dx) = dx {
            crate::__private::assign(dx, dy);
        }
    }
}
