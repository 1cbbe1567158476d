//! One-vs-all hinge loss: `ℓ(f, y*) = Σ_{y≠y*} [1 - (f_{y*} - f_y)]_+`.
//!
//! Gradients, as in the lecture: at a non-target output `∂ℓ/∂f_y = [f_{y*} < f_y + 1]`; at
//! the target `∂ℓ/∂f_{y*} = -Σ_{y≠y*} [f_{y*} < f_y + 1]`. The target must be a class index.
//!
//! ```
//! use nn_core::loss::{Hinge, Loss, Target};
//! let mut g = [0.0f64; 3];
//! // margins: class 0 beats class 1 by 2 (no loss), class 2 by only 0.5 (loss 0.5)
//! let l = Hinge.eval(&[3.0, 1.0, 2.5], Target::Class(0), Some(&mut g)).unwrap();
//! assert_eq!(l, 0.5);
//! assert_eq!(g, [-1.0, 0.0, 1.0]);
//! ```

use super::{check_class, Loss, Target};
use crate::{Error, Scalar};

/// `ℓ = Σ_{y≠y*} max(0, 1 - f_{y*} + f_y)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Hinge;

impl<T: Scalar> Loss<T> for Hinge {
    const NAME: &'static str = "one-vs-all hinge";

    fn eval(&self, f: &[T], y: Target<'_, T>, mut grad: Option<&mut [T]>) -> Result<T, Error> {
        let Target::Class(c) = y else {
            return Err(Error::UnsupportedTarget {
                loss: <Self as Loss<T>>::NAME,
                expected: "a class index",
            });
        };
        check_class(c, f.len())?;
        let mut loss = T::zero();
        let mut active = T::zero();
        for (i, &fi) in f.iter().enumerate() {
            let mut g = T::zero();
            if i != c {
                let m = T::one() - (f[c] - fi);
                if m > T::zero() {
                    loss += m;
                    active += T::one();
                    g = T::one();
                }
            }
            if let Some(gr) = grad.as_deref_mut() {
                gr[i] = g;
            }
        }
        if let Some(gr) = grad {
            gr[c] = -active;
        }
        Ok(loss)
    }
}
