//! Rectified linear unit: `σ(z) = [z]_+ = max{0, z} = z[z ≥ 0]`.
//!
//! The derivative is `[z > 0]`; at the kink `z = 0` this takes the subgradient 0, as PyTorch
//! does. Gradient checks stay away from the kink.
//!
//! ```
//! use nn_core::activation::{Elementwise, Relu};
//! assert_eq!(Relu.f(-2.0f32), 0.0);
//! assert_eq!(Relu.f(2.0f32), 2.0);
//! assert_eq!(Relu.df(2.0f32, 2.0), 1.0);
//! assert_eq!(Relu.df(0.0f32, 0.0), 0.0);
//! ```

use super::Elementwise;
use crate::Scalar;

/// `σ(z) = max(0, z)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Relu;

impl<T: Scalar> Elementwise<T> for Relu {
    const NAME: &'static str = "relu";
    #[inline(always)]
    fn f(&self, z: T) -> T {
        if z > T::zero() {
            z
        } else {
            T::zero()
        }
    }
    #[inline(always)]
    fn df(&self, z: T, _x: T) -> T {
        if z > T::zero() {
            T::one()
        } else {
            T::zero()
        }
    }
}
