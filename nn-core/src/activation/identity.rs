//! Identity: `σ(z) = z`, `σ'(z) = 1`. The output layer's default, so `f(x) = z_L`.
//!
//! ```
//! use nn_core::activation::{Elementwise, Identity};
//! assert_eq!(Identity.f(-3.0f32), -3.0);
//! assert_eq!(Identity.df(-3.0f32, -3.0), 1.0);
//! ```

use super::Elementwise;
use crate::Scalar;

/// `σ(z) = z`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Identity;

impl<T: Scalar> Elementwise<T> for Identity {
    const NAME: &'static str = "identity";
    #[inline(always)]
    fn f(&self, z: T) -> T {
        z
    }
    #[inline(always)]
    fn df(&self, _z: T, _x: T) -> T {
        T::one()
    }
}
