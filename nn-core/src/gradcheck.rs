//! Central finite differences, to check hand-written backward passes.
//!
//! For every parameter `θ_k`: `∂L/∂θ_k ≈ (L(θ + ε e_k) - L(θ - ε e_k)) / 2ε`, with error
//! `O(ε²)`. Run it in `f64`. Compare with [`relative_error`], the norm-wise
//! `‖a - b‖ / (‖a‖ + ‖b‖)`, which is 0 for equal gradients and 1 for opposite ones.
//!
//! ```
//! use nn_core::{gradcheck, layer::Dense, Parameters};
//! let mut d = Dense::<f64, 2, 1>::zeros();
//! d.weight[(0, 0)] = 3.0;
//! // L = (w0 * 1 + w1 * 2 + b)² at w0 = 3: dL/dw0 = 2 * 3 * 1 = 6
//! let x = nn_core::nalgebra::SVector::from([1.0, 2.0]);
//! let num = gradcheck::numeric_gradient(&mut d, 1e-6, |d| d.forward(&x)[0].powi(2));
//! assert!((num.weight[(0, 0)] - 6.0).abs() < 1e-6);
//! ```

use crate::Parameters;

/// Central differences of `loss` with respect to every parameter of `params`, returned as a
/// value of the same type. `params` is restored exactly afterwards.
pub fn numeric_gradient<P: Parameters<f64> + Clone>(
    params: &mut P,
    eps: f64,
    mut loss: impl FnMut(&P) -> f64,
) -> P {
    let mut grad = params.clone();
    for t in 0..params.tensor_count() {
        let len = params.tensor(t).map_or(0, <[f64]>::len);
        for k in 0..len {
            let orig = params.tensor(t).map_or(0.0, |v| v[k]);
            set(params, t, k, orig + eps);
            let up = loss(params);
            set(params, t, k, orig - eps);
            let down = loss(params);
            set(params, t, k, orig);
            if let Some(g) = grad.tensor_mut(t) {
                g[k] = (up - down) / (2.0 * eps);
            }
        }
    }
    grad
}

fn set<P: Parameters<f64>>(p: &mut P, t: usize, k: usize, v: f64) {
    if let Some(s) = p.tensor_mut(t) {
        s[k] = v;
    }
}

/// Central differences of a scalar function of a vector.
///
/// ```
/// let g = nn_core::gradcheck::numeric_gradient_of(&[1.0, 2.0], 1e-6, |x| x[0] * x[1]);
/// assert!((g[0] - 2.0).abs() < 1e-8 && (g[1] - 1.0).abs() < 1e-8);
/// ```
#[cfg(feature = "alloc")]
pub fn numeric_gradient_of(
    x: &[f64],
    eps: f64,
    mut f: impl FnMut(&[f64]) -> f64,
) -> alloc::vec::Vec<f64> {
    let mut x = x.to_vec();
    (0..x.len())
        .map(|k| {
            let orig = x[k];
            x[k] = orig + eps;
            let up = f(&x);
            x[k] = orig - eps;
            let down = f(&x);
            x[k] = orig;
            (up - down) / (2.0 * eps)
        })
        .collect()
}

/// `‖a - b‖₂ / (‖a‖₂ + ‖b‖₂)`, 0 when both are zero.
///
/// ```
/// assert_eq!(nn_core::gradcheck::relative_error(&[1.0, 0.0], &[1.0, 0.0]), 0.0);
/// assert_eq!(nn_core::gradcheck::relative_error(&[1.0], &[-1.0]), 1.0);
/// ```
pub fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let norm = |v: &mut dyn Iterator<Item = f64>| {
        nalgebra::ComplexField::sqrt(v.map(|x| x * x).sum::<f64>())
    };
    let diff = norm(&mut a.iter().zip(b).map(|(x, y)| x - y));
    let scale = norm(&mut a.iter().copied()) + norm(&mut b.iter().copied());
    if scale == 0.0 {
        0.0
    } else {
        diff / scale
    }
}

/// The largest [`relative_error`] over the tensors of two parameter sets, with the tensor's
/// index: `(error, index)`.
pub fn max_relative_error<P: Parameters<f64>>(a: &P, b: &P) -> (f64, usize) {
    (0..a.tensor_count())
        .map(|t| {
            (
                relative_error(a.tensor(t).unwrap_or(&[]), b.tensor(t).unwrap_or(&[])),
                t,
            )
        })
        .fold((0.0, 0), |best, e| if e.0 > best.0 { e } else { best })
}
