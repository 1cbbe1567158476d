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

use super::adam::{adam_step, Config};
use super::Optimizer;
use crate::{Error, Parameters, Scalar};

/// Nadam in the lecture's form.
///
/// ```
/// let nadam = nn_core::optim::Nadam::<nn_core::layer::Dense<f32, 2, 2>>::default();
/// assert_eq!((nadam.alpha, nadam.beta1, nadam.beta2, nadam.eps), (0.001, 0.9, 0.999, 1e-8));
/// ```
#[derive(Clone, Debug)]
pub struct Nadam<P> {
    /// The step size `α`.
    pub alpha: f64,
    /// The decay `β₁` of the first moment, in `[0, 1)`.
    pub beta1: f64,
    /// The decay `β₂` of the second moment, in `[0, 1)`.
    pub beta2: f64,
    /// `ε`, added to `√v̂`.
    pub eps: f64,
    t: u64,
    moments: Option<(P, P)>,
}

impl<P> Default for Nadam<P> {
    /// `α = 0.001`, `β₁ = 0.9`, `β₂ = 0.999`, `ε = 10⁻⁸`.
    fn default() -> Self {
        Self::new(0.001)
    }
}

impl<P> Nadam<P> {
    /// Step size `alpha`, the other settings at Adam's defaults.
    ///
    /// ```
    /// let nadam = nn_core::optim::Nadam::<nn_core::layer::Dense<f64, 1, 1>>::new(0.002);
    /// assert_eq!((nadam.alpha, nadam.beta1), (0.002, 0.9));
    /// ```
    pub fn new(alpha: f64) -> Self {
        Self {
            alpha,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            t: 0,
            moments: None,
        }
    }

    /// Sets `β₁` and `β₂`.
    ///
    /// ```
    /// let n = nn_core::optim::Nadam::<nn_core::layer::Dense<f64, 1, 1>>::default().with_betas(0.95, 0.99);
    /// assert_eq!((n.beta1, n.beta2), (0.95, 0.99));
    /// ```
    pub fn with_betas(self, beta1: f64, beta2: f64) -> Self {
        Self {
            beta1,
            beta2,
            ..self
        }
    }

    /// Sets `ε`.
    ///
    /// ```
    /// let n = nn_core::optim::Nadam::<nn_core::layer::Dense<f64, 1, 1>>::default().with_eps(1e-7);
    /// assert_eq!(n.eps, 1e-7);
    /// ```
    pub fn with_eps(self, eps: f64) -> Self {
        Self { eps, ..self }
    }

    /// The biased moments `(m, v)`, `None` before the first step.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Nadam, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(1.0);
    /// let mut nadam = Nadam::default();
    /// nadam.step(&mut w, &g).unwrap();
    /// assert!((nadam.moments().unwrap().0.bias[0] - 0.1).abs() < 1e-15);
    /// ```
    pub fn moments(&self) -> Option<(&P, &P)> {
        self.moments.as_ref().map(|(m, v)| (m, v))
    }

    /// The number of steps taken, the `t` of the last step.
    ///
    /// ```
    /// assert_eq!(nn_core::optim::Nadam::<nn_core::layer::Dense<f64, 1, 1>>::default().steps(), 0);
    /// ```
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// One Nadam step with the gradient `grads` at `params`. The first call allocates `m`
    /// and `v`. Fails, changing nothing, on a setting out of range or a gradient of another
    /// shape.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Nadam};
    /// let (mut w, g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// assert!(Nadam::new(-0.1).step(&mut w, &g).is_err());
    /// ```
    pub fn step<T: Scalar>(&mut self, params: &mut P, grads: &P) -> Result<(), Error>
    where
        P: Parameters<T> + Clone,
    {
        let cfg = Config::new(self.alpha, self.beta1, self.beta2, self.eps)?;
        adam_step(cfg, true, &mut self.t, &mut self.moments, params, grads)
    }
}

impl<T: Scalar, P: Parameters<T> + Clone> Optimizer<T, P> for Nadam<P> {
    fn step(&mut self, params: &mut P, grads: &P) -> Result<(), Error> {
        Nadam::step(self, params, grads)
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn reset(&mut self) {
        self.t = 0;
        if let Some((m, v)) = &mut self.moments {
            m.fill(T::zero());
            v.fill(T::zero());
        }
    }
}

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
