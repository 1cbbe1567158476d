//! Squared error: `ℓ(f, y*) = Σ_i (f_i - y*_i)²`, `∂ℓ/∂f = 2(f - y*)`.
//!
//! A class index `c` as target means the one-hot vector `e_c`.
//!
//! ```
//! use nn_core::loss::{Loss, SquaredError, Target};
//! let mut g = [0.0f64; 2];
//! let l = SquaredError.eval(&[1.0, 2.0], Target::Values(&[0.0, 0.0]), Some(&mut g)).unwrap();
//! assert_eq!((l, g), (5.0, [2.0, 4.0]));
//! ```

use super::{check_class, Loss, Target};
use crate::{Error, Scalar};

/// `ℓ = Σ (f - y*)²`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SquaredError;

impl<T: Scalar> Loss<T> for SquaredError {
    const NAME: &'static str = "squared error";

    fn eval(&self, f: &[T], y: Target<'_, T>, mut grad: Option<&mut [T]>) -> Result<T, Error> {
        let two = T::of(2.0);
        let mut loss = T::zero();
        let target = |i: usize| -> T {
            match y {
                Target::Values(v) => v[i],
                Target::Class(c) => {
                    if i == c {
                        T::one()
                    } else {
                        T::zero()
                    }
                }
            }
        };
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
        for (i, &fi) in f.iter().enumerate() {
            let r = fi - target(i);
            loss += r * r;
            if let Some(g) = grad.as_deref_mut() {
                g[i] = two * r;
            }
        }
        Ok(loss)
    }
}
