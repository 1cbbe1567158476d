//! Gradient clipping by global norm.
//!
//! With `‖g‖ = √(Σ_tensors Σ_k g_k²)` over every tensor of the gradient:
//!
//! ```text
//! if ‖g‖ > max_norm:  g ← g · max_norm / ‖g‖
//! ```
//!
//! The direction is kept; only the length is capped. The norm is accumulated in `f64`, also
//! for `f32` gradients.
//!
//! ```
//! use nn_core::{layer::Dense, optim::clip_global_norm};
//! let mut g = Dense::<f64, 1, 1>::zeros();
//! g.weight[(0, 0)] = 3.0;
//! g.bias[0] = 4.0;
//! assert_eq!(clip_global_norm(&mut g, 1.0).unwrap(), 5.0); // the norm before
//! assert!((g.weight[(0, 0)] - 0.6).abs() < 1e-15 && (g.bias[0] - 0.8).abs() < 1e-15);
//! ```

use super::{check_range, sqrt};
use crate::{Error, Parameters, Scalar};

/// `‖g‖₂` over every trained tensor of `grads` (buffers left out), in `f64`.
///
/// ```
/// use nn_core::{layer::Dense, optim::global_norm, Parameters};
/// let mut g = Dense::<f32, 2, 2>::zeros();
/// g.fill(1.0);
/// assert!((global_norm(&g) - 6f64.sqrt()).abs() < 1e-12);
/// ```
pub fn global_norm<T: Scalar, P: Parameters<T>>(grads: &P) -> f64 {
    let mut sum = 0.0;
    grads.visit(|info, g| {
        if !info.kind.is_trainable() {
            return;
        }
        for &x in g {
            let x = x.to_f64();
            sum += x * x;
        }
    });
    sqrt(sum)
}

/// Scales `grads` down to global norm `max_norm` when it is larger; returns the norm before
/// clipping. A non-finite norm (NaN or infinite gradients) leaves `grads` unchanged, so the
/// caller can see it in the return value and skip the step.
///
/// Fails, changing nothing, unless `max_norm` is finite and non-negative.
///
/// ```
/// use nn_core::{layer::Dense, optim::clip_global_norm, Parameters};
/// let mut g = Dense::<f32, 2, 2>::zeros();
/// g.fill(0.5);
/// let before = g.clone();
/// assert!((clip_global_norm(&mut g, 10.0).unwrap() - 6f64.sqrt() / 2.0).abs() < 1e-6);
/// assert_eq!(g, before); // already short enough
/// assert!(clip_global_norm(&mut g, -1.0).is_err());
/// ```
pub fn clip_global_norm<T: Scalar, P: Parameters<T>>(
    grads: &mut P,
    max_norm: f64,
) -> Result<f64, Error> {
    check_range(
        "gradient clipping max_norm",
        "a finite norm >= 0",
        max_norm,
        0.0,
        f64::MAX,
        true,
    )?;
    let norm = global_norm(grads);
    if norm > max_norm && norm <= f64::MAX {
        let scale = T::of(max_norm / norm);
        grads.visit_mut(|info, g| {
            if info.kind.is_trainable() {
                g.iter_mut().for_each(|x| *x *= scale);
            }
        });
    }
    Ok(norm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testutil::{flat, grad, unflat, X0};

    #[test]
    fn clips_to_the_norm_and_keeps_the_direction() {
        let mut g = grad(&unflat(&X0));
        let raw = flat(&g);
        let norm: f64 = raw.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!(norm > 1.0);
        let before = clip_global_norm(&mut g, 1.0).unwrap();
        assert!((before - norm).abs() < 1e-12 * norm);
        let clipped = flat(&g);
        assert!((global_norm(&g) - 1.0).abs() < 1e-12);
        for (c, r) in clipped.iter().zip(&raw) {
            assert!((c - r / norm).abs() < 1e-12);
        }
    }

    #[test]
    fn non_finite_gradients_are_reported_not_scaled() {
        let mut g = grad(&unflat(&X0));
        g.bias[0] = f64::NAN;
        let w = g.weight[(0, 0)];
        assert!(clip_global_norm(&mut g, 1.0).unwrap().is_nan());
        assert_eq!(g.weight[(0, 0)], w);
        g.bias[0] = f64::INFINITY;
        assert_eq!(clip_global_norm(&mut g, 1.0).unwrap(), f64::INFINITY);
        assert_eq!(g.weight[(0, 0)], w);
    }
}
