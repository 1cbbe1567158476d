//! Hyperbolic tangent: `σ(z) = tanh z`, `σ'(z) = 1 - tanh² z`.
//!
//! ```
//! use nn_core::activation::{Elementwise, Tanh};
//! assert_eq!(Tanh.f(0.0f32), 0.0);
//! assert_eq!(Tanh.df(0.0f32, 0.0), 1.0);
//! ```

use super::Elementwise;
use crate::Scalar;

/// `σ(z) = tanh z`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tanh;

impl<T: Scalar> Elementwise<T> for Tanh {
    const NAME: &'static str = "tanh";
    #[inline(always)]
    fn f(&self, z: T) -> T {
        z.tanh()
    }
    #[inline(always)]
    fn df(&self, _z: T, x: T) -> T {
        T::one() - x * x
    }
}
