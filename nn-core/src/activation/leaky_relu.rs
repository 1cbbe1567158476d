//! Leaky ReLU: `σ(z) = max{αz, z}`, i.e. `αz` for `z < 0` and `z` for `z ≥ 0`.
//!
//! The derivative is `1` for `z > 0` and `α` for `z ≤ 0`: at the kink `z = 0` it takes the
//! one-sided slope `α`, as PyTorch's `LeakyReLU` does (and as [`Relu`](super::Relu) takes 0
//! there).
//!
//! The lecture uses `α = 0.01` ([`LeakyRelu::DEFAULT_SLOPE`]); `network!` accepts
//! `leaky_relu` or `leaky_relu(0.2)`. The slope must lie in `[0, 1)` so that `max{αz, z}`
//! is the two-piece function above.
//!
//! ```
//! use nn_core::activation::{Elementwise, LeakyRelu};
//! let a = LeakyRelu::default();
//! assert_eq!(a.f(-2.0f64), -0.02);
//! assert_eq!(a.df(-2.0f64, -0.02), 0.01);
//! assert_eq!(a.df(0.0f64, 0.0), 0.01); // at the kink, the slope on the left, as PyTorch
//! assert!(LeakyRelu::new(1.5).is_err());
//! ```

use super::Elementwise;
use crate::{Error, Scalar};

/// `σ(z) = max(αz, z)` with slope `α` in `[0, 1)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyRelu {
    slope: f64,
}

impl LeakyRelu {
    /// The lecture's slope, 0.01.
    pub const DEFAULT_SLOPE: f64 = 0.01;

    /// A leaky ReLU with slope `α`; fails unless `0 ≤ α < 1`.
    pub fn new(slope: f64) -> Result<Self, Error> {
        if (0.0..1.0).contains(&slope) {
            Ok(Self { slope })
        } else {
            Err(Error::InvalidConfig {
                what: "leaky_relu slope",
                expected: "a value in [0, 1)",
                found: slope,
            })
        }
    }

    /// A slope that `network!` has already checked to lie in `[0, 1)`.
    #[doc(hidden)]
    pub const fn new_unchecked(slope: f64) -> Self {
        Self { slope }
    }

    /// The slope `α` for negative inputs.
    pub fn slope(&self) -> f64 {
        self.slope
    }
}

impl Default for LeakyRelu {
    fn default() -> Self {
        Self {
            slope: Self::DEFAULT_SLOPE,
        }
    }
}

impl<T: Scalar> Elementwise<T> for LeakyRelu {
    const NAME: &'static str = "leaky_relu";
    #[inline(always)]
    fn f(&self, z: T) -> T {
        if z >= T::zero() {
            z
        } else {
            z * T::of(self.slope)
        }
    }
    #[inline(always)]
    fn df(&self, z: T, _x: T) -> T {
        if z > T::zero() {
            T::one()
        } else {
            T::of(self.slope)
        }
    }
}
