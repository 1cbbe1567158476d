//! Huber loss: squared near the target, linear far from it.
//!
//! With the residual `r_i = f_i - y*_i` and a threshold `δ > 0`:
//!
//! ```text
//! ℓ(f, y*) = Σ_i h(r_i),   h(r) = r²/2            if |r| ≤ δ
//!                                 δ(|r| - δ/2)     otherwise
//! ∂ℓ/∂f_i  = clamp(r_i, -δ, δ)
//! ```
//!
//! The gradient is the residual capped at `δ`, so one large error (a bad bootstrap target
//! in Q-learning, an outlier in regression) cannot produce an arbitrarily large step. `h`
//! and its derivative are continuous at `|r| = δ`. A class index `c` as target means the
//! one-hot vector `e_c`, as for [`SquaredError`](super::SquaredError).
//!
//! ```
//! use nn_core::loss::{Huber, Loss, Target};
//! let mut g = [0.0f64; 2];
//! // r = (0.5, 3): h = 0.125 + (3 - 0.5) = 2.625, gradient (0.5, 1)
//! let l = Huber::new(1.0).eval(&[0.5, 3.0], Target::Values(&[0.0, 0.0]), Some(&mut g)).unwrap();
//! assert_eq!((l, g), (2.625, [0.5, 1.0]));
//! ```

use super::{check_class, Loss, Target};
use crate::{Error, Scalar};

/// `ℓ = Σ h_δ(f - y*)`, the Huber loss with threshold `delta`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Huber {
    /// The threshold `δ` between the quadratic and the linear part; positive and finite.
    pub delta: f64,
}

impl Default for Huber {
    /// `δ = 1` (PyTorch's `SmoothL1Loss` and `HuberLoss` default).
    fn default() -> Self {
        Self::new(1.0)
    }
}

impl Huber {
    /// The Huber loss with threshold `delta` (checked when the loss is evaluated).
    ///
    /// ```
    /// use nn_core::loss::{Huber, Loss, Target};
    /// assert_eq!(Huber::new(2.0).delta, 2.0);
    /// assert!(Huber::new(0.0).eval(&[1.0f32], Target::Values(&[0.0]), None).is_err());
    /// ```
    pub fn new(delta: f64) -> Self {
        Self { delta }
    }
}

impl<T: Scalar> Loss<T> for Huber {
    const NAME: &'static str = "huber";

    fn eval(&self, f: &[T], y: Target<'_, T>, mut grad: Option<&mut [T]>) -> Result<T, Error> {
        if !(self.delta > 0.0 && self.delta <= f64::MAX) {
            return Err(Error::InvalidConfig {
                what: "huber delta",
                expected: "a finite value > 0",
                found: self.delta,
            });
        }
        match y {
            Target::Values(v) if v.len() != f.len() => {
                return Err(Error::LengthMismatch {
                    what: "target values",
                    expected: f.len(),
                    found: v.len(),
                })
            }
            Target::Class(c) => check_class(c, f.len())?,
            _ => {}
        }
        let delta = T::of(self.delta);
        let half = T::of(0.5);
        let mut loss = T::zero();
        for (i, &fi) in f.iter().enumerate() {
            let target = match y {
                Target::Values(v) => v[i],
                Target::Class(c) if c == i => T::one(),
                Target::Class(_) => T::zero(),
            };
            let r = fi - target;
            let (value, slope) = if r > delta {
                (delta * (r - half * delta), delta)
            } else if r < -delta {
                (delta * (-r - half * delta), -delta)
            } else {
                (half * r * r, r)
            };
            loss += value;
            if let Some(g) = grad.as_deref_mut() {
                g[i] = slope;
            }
        }
        Ok(loss)
    }
}
