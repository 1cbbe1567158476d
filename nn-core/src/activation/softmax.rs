//! Softmax over each column: `p_i = e^{z_i} / Σ_j e^{z_j}`.
//!
//! It turns a classifier's discriminative outputs into `p(y|x)`. Computed stably by
//! subtracting the column maximum first, so logits of magnitude 1e4 give exact probabilities.
//! Backward multiplies by the Jacobian `diag(p) - p pᵀ` without forming it:
//! `dℓ/dz_i = p_i (dℓ/dp_i - Σ_j p_j dℓ/dp_j)`.
//!
//! To train a classifier, keep the output layer's activation `identity` and use
//! [`CrossEntropy`](crate::loss::CrossEntropy), which applies softmax inside the loss
//! with the simpler gradient `p - y`.
//!
//! ```
//! use nn_core::activation::{Activation, Softmax};
//! let z = [1e4f64, 1e4, -1e4];
//! let mut p = [0.0; 3];
//! Softmax.forward(3, &z, &mut p);
//! assert_eq!(p, [0.5, 0.5, 0.0]);
//! ```

use super::Activation;
use crate::Scalar;

/// Column-wise softmax.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Softmax;

/// The largest value of `column` and `ln Σ_j e^{z_j - max}`, so that
/// `log softmax(z)_i = (z_i - max) - ln_sum`; `None` for an empty column.
pub(crate) fn max_and_ln_sum<T: Scalar>(column: &[T]) -> Option<(T, T)> {
    let max = column
        .iter()
        .copied()
        .reduce(|a, b| if b > a { b } else { a })?;
    let sum = column.iter().fold(T::zero(), |s, &v| s + (v - max).exp());
    Some((max, sum.ln()))
}

/// Replaces one column of logits `z` with `log softmax(z)_i = z_i - ln Σ_j e^{z_j}`,
/// PyTorch's `log_softmax`.
///
/// Computed as `(z_i - max) - ln Σ_j e^{z_j - max}`: every exponent is at most 0 and the sum
/// at least 1, so logits of any magnitude give finite values (`[1000, -1000]` gives
/// `[0, -2000]`, where `ln softmax` would give `ln 0 = -inf`), and `z_i - max` is not
/// rounded against a large `ln Σ e^{z_j}`.
///
/// ```
/// use nn_core::activation::log_softmax_in_place;
/// let mut v = [1000.0f64, -1000.0, 1000.0];
/// log_softmax_in_place(&mut v);
/// assert_eq!(v, [-2f64.ln(), -2000.0 - 2f64.ln(), -2f64.ln()]);
/// ```
pub fn log_softmax_in_place<T: Scalar>(column: &mut [T]) {
    if let Some((max, ln_sum)) = max_and_ln_sum(column) {
        for v in column.iter_mut() {
            *v = (*v - max) - ln_sum;
        }
    }
}

/// `log softmax(z)` of one column of logits (see [`log_softmax_in_place`]); allocates nothing.
///
/// ```
/// use nn_core::{activation::log_softmax, nalgebra::SVector};
/// let l = log_softmax(&SVector::<f32, 2>::new(-1000.0, 1000.0));
/// assert_eq!(l, SVector::<f32, 2>::new(-2000.0, 0.0));
/// assert!((log_softmax(&SVector::<f64, 2>::zeros())[0] + 2f64.ln()).abs() < 1e-15);
/// ```
pub fn log_softmax<T: Scalar, const R: usize>(
    z: &nalgebra::SVector<T, R>,
) -> nalgebra::SVector<T, R> {
    let mut out = *z;
    log_softmax_in_place(out.as_mut_slice());
    out
}

/// Replaces one column of logits with its softmax probabilities.
///
/// ```
/// let mut v = [0.0f32, 0.0];
/// nn_core::activation::softmax_in_place(&mut v);
/// assert_eq!(v, [0.5, 0.5]);
/// ```
pub fn softmax_in_place<T: Scalar>(column: &mut [T]) {
    let Some(max) = column
        .iter()
        .copied()
        .reduce(|a, b| if b > a { b } else { a })
    else {
        return;
    };
    let mut sum = T::zero();
    for v in column.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in column.iter_mut() {
        *v /= sum;
    }
}

impl<T: Scalar> Activation<T> for Softmax {
    const NAME: &'static str = "softmax";

    fn forward(&self, rows: usize, z: &[T], x: &mut [T]) {
        x.copy_from_slice(z);
        if rows > 0 {
            x.chunks_exact_mut(rows).for_each(softmax_in_place);
        }
    }

    fn forward_in_place(&self, rows: usize, v: &mut [T]) {
        if rows > 0 {
            v.chunks_exact_mut(rows).for_each(softmax_in_place);
        }
    }

    fn backward(&self, rows: usize, _z: &[T], x: &[T], delta: &mut [T]) {
        if rows == 0 {
            return;
        }
        for (d, p) in delta.chunks_exact_mut(rows).zip(x.chunks_exact(rows)) {
            let s = d.iter().zip(p).fold(T::zero(), |acc, (&d, &p)| acc + d * p);
            for (d, &p) in d.iter_mut().zip(p) {
                *d = p * (*d - s);
            }
        }
    }

    /// The Jacobian is symmetric, so the tangent map equals the backward map.
    fn tangent(&self, rows: usize, z: &[T], x: &[T], dz: &mut [T]) {
        self.backward(rows, z, x, dz)
    }
}
