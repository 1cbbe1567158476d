//! Nadam: Nesterov momentum incorporated into Adam (Dozat, ICLR 2016 workshop), in the
//! lecture's form. Everything as in [`Adam`](super::Adam) except the parameter update:
//!
//! ```text
//! θ ← θ - α / (√v̂ + ε) · (β₁ m̂ + (1 - β₁) g / (1 - β₁ᵗ))
//! ```
//!
//! with `m̂ = m / (1 - β₁ᵗ)`, `v̂ = v / (1 - β₂ᵗ)` as in Adam. The bracket is the bias-corrected
//! look-ahead momentum: the momentum part `β₁ m̂` of the next step plus this step's
//! gradient part.
//!
//! Dozat's Algorithm 2 uses a momentum schedule `μ_t` and corrects the momentum term by
//! `1 - ∏_{i=1}^{t+1} μ_i`; with a constant `μ_t = β₁` that is `1 - β₁^{t+1}` where the
//! lecture (and this type) uses `1 - β₁ᵗ`. Keras' and PyTorch's `NAdam` follow Dozat, with
//! the schedule `μ_t = β₁(1 - ½·0.96^{0.004 t})`, so their iterates differ from these.
//!
//! Defaults are Adam's: `α = 0.001`, `β₁ = 0.9`, `β₂ = 0.999`, `ε = 10⁻⁸`.
//!
//! ```
//! use nn_core::{layer::Dense, optim::Nadam, Parameters};
//! let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
//! g.fill(1.0);
//! let mut nadam = Nadam::new(0.1);
//! nadam.step(&mut w, &g).unwrap();
//! // t = 1: m̂ = g = 1, v̂ = 1, bracket = 0.9 · 1 + 0.1 · 1 / 0.1 = 1.9
//! assert!((w.bias[0] + 0.1 * 1.9 / (1.0 + 1e-8)).abs() < 1e-12);
//! ```

use super::adam::AdamLike;

/// Nadam in the lecture's form: [`Adam`](super::Adam)'s state and settings with the
/// look-ahead update.
///
/// ```
/// let nadam = nn_core::optim::Nadam::<nn_core::layer::Dense<f32, 2, 2>>::default();
/// assert_eq!((nadam.alpha, nadam.beta1, nadam.beta2, nadam.eps), (0.001, 0.9, 0.999, 1e-8));
/// ```
pub type Nadam<P> = AdamLike<P, true>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testutil::{assert_close, flat, grad, grad_ref, unflat, N, P, X0};

    /// The lecture's Nadam update on plain arrays.
    fn reference(alpha: f64, b1: f64, b2: f64, eps: f64, steps: usize) -> [f64; N] {
        let (mut x, mut m, mut v) = (X0, [0.0; N], [0.0; N]);
        for t in 1..=steps {
            let g = grad_ref(&x);
            let (c1, c2) = (1.0 - b1.powi(t as i32), 1.0 - b2.powi(t as i32));
            for k in 0..N {
                m[k] = b1 * m[k] + (1.0 - b1) * g[k];
                v[k] = b2 * v[k] + (1.0 - b2) * g[k] * g[k];
                let (mh, vh) = (m[k] / c1, v[k] / c2);
                x[k] -= alpha / (vh.sqrt() + eps) * (b1 * mh + (1.0 - b1) * g[k] / c1);
            }
        }
        x
    }

    #[test]
    fn five_steps_match_the_lecture_formula() {
        for (alpha, b1, b2, eps) in [(0.001, 0.9, 0.999, 1e-8), (0.05, 0.6, 0.95, 1e-4)] {
            let mut p = unflat(&X0);
            let mut nadam = Nadam::<P>::new(alpha).with_betas(b1, b2).with_eps(eps);
            for t in 1..=5 {
                {
                    let g = grad(&p);
                    nadam.step(&mut p, &g)
                }
                .unwrap();
                assert_close(&flat(&p), &reference(alpha, b1, b2, eps, t), "nadam");
            }
        }
    }

    #[test]
    fn differs_from_adam() {
        let (mut a, mut b) = (unflat(&X0), unflat(&X0));
        let (mut adam, mut nadam) = (crate::optim::Adam::<P>::new(0.01), Nadam::<P>::new(0.01));
        for _ in 0..3 {
            {
                let g = grad(&a);
                adam.step(&mut a, &g)
            }
            .unwrap();
            {
                let g = grad(&b);
                nadam.step(&mut b, &g)
            }
            .unwrap();
        }
        assert!(flat(&a) != flat(&b));
    }
}
