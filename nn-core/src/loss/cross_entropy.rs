//! Softmax cross-entropy (negative log-likelihood) on logits `f`.
//!
//! `p(y|x) = e^{f_y} / Σ_{y'} e^{f_{y'}}`; with a class label `y*`,
//! `ℓ = -log p(y*|x) = logsumexp(f) - f_{y*}` and `∂ℓ/∂f_y = p(y|x) - [y = y*]`.
//! With a probability target `q` (non-negative, summing to 1),
//! `ℓ = -Σ_y q_y log p(y|x)` and `∂ℓ/∂f = p - q` (in general `p Σq - q`).
//!
//! `logsumexp` subtracts the largest logit first, so logits of magnitude 1e4 give finite,
//! exact losses and gradients.
//!
//! ```
//! use nn_core::loss::{CrossEntropy, Loss, Target};
//! let mut g = [0.0f32; 2];
//! let l = CrossEntropy.eval(&[1e4, -1e4], Target::Class(1), Some(&mut g)).unwrap();
//! assert_eq!(l, 2e4);
//! assert_eq!(g, [1.0, -1.0]);
//! ```

use super::{check_class, Loss, Target};
use crate::{Error, Scalar};

/// `ℓ = -log softmax(f)_{y*}`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CrossEntropy;

impl<T: Scalar> Loss<T> for CrossEntropy {
    const NAME: &'static str = "cross-entropy";

    fn eval(&self, f: &[T], y: Target<'_, T>, grad: Option<&mut [T]>) -> Result<T, Error> {
        match y {
            Target::Class(c) => check_class(c, f.len())?,
            Target::Values(q) if q.len() != f.len() => {
                return Err(Error::LengthMismatch {
                    what: "target probabilities",
                    expected: f.len(),
                    found: q.len(),
                })
            }
            Target::Values(_) => {}
        }
        let Some((max, ln_sum)) = crate::activation::softmax::max_and_ln_sum(f) else {
            return Ok(T::zero());
        };
        // `log_z - f_i` is computed as `(max - f_i) + ln Σ e^{f - max}` (the negated
        // `log_softmax`): forming `log_z = max + ln Σ` first would round the small `ln Σ`
        // against a large `max` (at logits of 1e4 in f32 that costs three decimal digits).
        let neg_log_p = |fi: T| (max - fi) + ln_sum;
        let loss = match y {
            Target::Class(c) => neg_log_p(f[c]),
            Target::Values(q) => q
                .iter()
                .zip(f)
                .fold(T::zero(), |s, (&q, &f)| s + q * neg_log_p(f)),
        };
        if let Some(g) = grad {
            let mass = match y {
                Target::Class(_) => T::one(),
                Target::Values(q) => q.iter().fold(T::zero(), |s, &q| s + q),
            };
            for (i, (g, &fi)) in g.iter_mut().zip(f).enumerate() {
                let p = (-neg_log_p(fi)).exp();
                *g = p * mass
                    - match y {
                        Target::Class(c) if c == i => T::one(),
                        Target::Class(_) => T::zero(),
                        Target::Values(q) => q[i],
                    };
            }
        }
        Ok(loss)
    }
}
