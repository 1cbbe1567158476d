//! Logistic sigmoid: `σ(z) = 1 / (1 + e^{-z})`, `σ'(z) = σ(z)(1 - σ(z))`.
//!
//! Evaluated without overflow for any `z`: for `z < 0` it uses `e^z / (1 + e^z)`.
//!
//! ```
//! use nn_core::activation::{Elementwise, Sigmoid};
//! assert_eq!(Sigmoid.f(0.0f64), 0.5);
//! assert_eq!(Sigmoid.f(-1000.0f64), 0.0);
//! assert_eq!(Sigmoid.df(0.0f64, 0.5), 0.25);
//! ```

use super::Elementwise;
use crate::Scalar;

/// `σ(z) = 1 / (1 + e^{-z})`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sigmoid;

impl<T: Scalar> Elementwise<T> for Sigmoid {
    const NAME: &'static str = "sigmoid";
    #[inline(always)]
    fn f(&self, z: T) -> T {
        if z >= T::zero() {
            T::one() / (T::one() + (-z).exp())
        } else {
            let e = z.exp();
            e / (T::one() + e)
        }
    }
    #[inline(always)]
    fn df(&self, _z: T, x: T) -> T {
        x * (T::one() - x)
    }
}
