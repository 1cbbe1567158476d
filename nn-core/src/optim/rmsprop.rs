//! RMSprop (Tieleman & Hinton 2012) in PyTorch's form, element-wise:
//!
//! ```text
//! v ← α v + (1 - α) g²                      (running mean of the squared gradient)
//! a ← √v + ε                                  (ε outside the square root)
//!     centered:  ḡ ← ḡ + (1 - α)(g - ḡ),  a ← √(v - ḡ²) + ε
//! θ ← θ - η g / a
//!     momentum μ > 0:  b ← μ b + g / a,  θ ← θ - η b
//! ```
//!
//! Defaults are `torch.optim.RMSprop`'s: `η = 0.01`, `α = 0.99`, `ε = 10⁻⁸`, no momentum, not
//! centered. `v`, `ḡ` and `b` start at 0 (so the first steps are large: `v = (1 - α)g²`
//! makes the first step `η g/(0.1|g| + ε) ≈ 10η sign g`). PyTorch's `weight_decay = λ` is
//! [`WeightDecay::l2(λ)`](super::WeightDecay) applied to the gradient before the step.
//! The operations run in PyTorch's order, so `f64` trajectories agree with PyTorch's to
//! rounding (checked to 1e-12 against its own values in `tests/pytorch_conventions.rs`).
//!
//! ```
//! use nn_core::{layer::Dense, optim::{Optimizer, Rmsprop}, Parameters};
//! // L = ½ (b - 3)² on a single bias
//! let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
//! let mut opt = Rmsprop::default();
//! for _ in 0..1000 {
//!     g.bias[0] = w.bias[0] - 3.0;
//!     opt.step(&mut w, &g).unwrap();
//! }
//! assert!((w.bias[0] - 3.0).abs() < 0.05);
//! ```

use super::{check_range, check_same, zeros_like, Optimizer};
use crate::{Error, Parameters, Scalar};

/// RMSprop with PyTorch's settings and update; see the [module](self).
///
/// ```
/// use nn_core::optim::Rmsprop;
/// let opt = Rmsprop::<nn_core::layer::Dense<f32, 2, 2>>::default();
/// assert_eq!((opt.lr, opt.alpha, opt.eps, opt.momentum, opt.centered), (0.01, 0.99, 1e-8, 0.0, false));
/// ```
#[derive(Clone, Debug)]
pub struct Rmsprop<P> {
    /// The learning rate `η`, finite and `≥ 0`.
    pub lr: f64,
    /// The decay `α` of the running mean of `g²`, in `[0, 1)`.
    pub alpha: f64,
    /// `ε`, added to the square root, `≥ 0`.
    pub eps: f64,
    /// The momentum `μ`, in `[0, 1)`; 0 for none.
    pub momentum: f64,
    /// Whether to divide by an estimate of the gradient's standard deviation
    /// (`√(v - ḡ²)`) instead of its root mean square.
    pub centered: bool,
    t: u64,
    square_avg: Option<P>,
    grad_avg: Option<P>,
    buffer: Option<P>,
}

impl<P> Default for Rmsprop<P> {
    /// PyTorch's defaults: `η = 0.01`, `α = 0.99`, `ε = 10⁻⁸`, no momentum, not centered.
    fn default() -> Self {
        Self::new(0.01)
    }
}

impl<P> Rmsprop<P> {
    /// Learning rate `lr`, the other settings at PyTorch's defaults.
    ///
    /// ```
    /// let opt = nn_core::optim::Rmsprop::<nn_core::layer::Dense<f64, 1, 1>>::new(0.001);
    /// assert_eq!((opt.lr, opt.alpha), (0.001, 0.99));
    /// ```
    pub fn new(lr: f64) -> Self {
        Self {
            lr,
            alpha: 0.99,
            eps: 1e-8,
            momentum: 0.0,
            centered: false,
            t: 0,
            square_avg: None,
            grad_avg: None,
            buffer: None,
        }
    }

    /// Sets the decay `α`.
    ///
    /// ```
    /// let opt = nn_core::optim::Rmsprop::<nn_core::layer::Dense<f64, 1, 1>>::new(0.01).with_alpha(0.9);
    /// assert_eq!(opt.alpha, 0.9);
    /// ```
    pub fn with_alpha(self, alpha: f64) -> Self {
        Self { alpha, ..self }
    }

    /// Sets `ε`.
    ///
    /// ```
    /// let opt = nn_core::optim::Rmsprop::<nn_core::layer::Dense<f64, 1, 1>>::default().with_eps(1e-6);
    /// assert_eq!(opt.eps, 1e-6);
    /// ```
    pub fn with_eps(self, eps: f64) -> Self {
        Self { eps, ..self }
    }

    /// Sets the momentum `μ` (PyTorch's `momentum`).
    ///
    /// ```
    /// let opt = nn_core::optim::Rmsprop::<nn_core::layer::Dense<f64, 1, 1>>::default().with_momentum(0.9);
    /// assert_eq!(opt.momentum, 0.9);
    /// ```
    pub fn with_momentum(self, momentum: f64) -> Self {
        Self { momentum, ..self }
    }

    /// Divides by `√(v - ḡ²) + ε` (PyTorch's `centered=True`).
    ///
    /// ```
    /// let opt = nn_core::optim::Rmsprop::<nn_core::layer::Dense<f64, 1, 1>>::default().centered();
    /// assert!(opt.centered);
    /// ```
    pub fn centered(self) -> Self {
        Self {
            centered: true,
            ..self
        }
    }

    /// The number of steps taken.
    ///
    /// ```
    /// assert_eq!(nn_core::optim::Rmsprop::<nn_core::layer::Dense<f64, 1, 1>>::default().steps(), 0);
    /// ```
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// The running mean of the squared gradient `v`, `None` before the first step.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Rmsprop, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(2.0);
    /// let mut opt = Rmsprop::default();
    /// opt.step(&mut w, &g).unwrap();
    /// assert!((opt.square_avg().unwrap().bias[0] - 0.04).abs() < 1e-15); // (1 - 0.99) · 2²
    /// ```
    pub fn square_avg(&self) -> Option<&P> {
        self.square_avg.as_ref()
    }

    /// The running mean of the gradient `ḡ`, kept only when [`centered`](Self::centered);
    /// `None` before the first step.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Rmsprop, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(2.0);
    /// let mut opt = Rmsprop::default().centered();
    /// opt.step(&mut w, &g).unwrap();
    /// assert!((opt.grad_avg().unwrap().bias[0] - 0.02).abs() < 1e-15); // (1 - 0.99) · 2
    /// ```
    pub fn grad_avg(&self) -> Option<&P> {
        self.grad_avg.as_ref()
    }

    /// The momentum buffer `b`, kept only with a momentum above 0; `None` before the first
    /// step.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Rmsprop, Parameters};
    /// let (mut w, g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// let mut opt = Rmsprop::default().with_momentum(0.9);
    /// assert!(opt.momentum_buffer().is_none());
    /// opt.step(&mut w, &g).unwrap();
    /// assert_eq!(opt.momentum_buffer().unwrap().bias[0], 0.0);
    /// ```
    pub fn momentum_buffer(&self) -> Option<&P> {
        self.buffer.as_ref()
    }

    fn validate(&self) -> Result<(), Error> {
        let finite = "a finite value >= 0";
        check_range("RMSprop lr", finite, self.lr, 0.0, f64::MAX, true)?;
        check_range(
            "RMSprop alpha",
            "a value in [0, 1)",
            self.alpha,
            0.0,
            1.0,
            false,
        )?;
        check_range("RMSprop eps", finite, self.eps, 0.0, f64::MAX, true)?;
        check_range(
            "RMSprop momentum",
            "a value in [0, 1)",
            self.momentum,
            0.0,
            1.0,
            false,
        )
    }

    /// One step with the gradient `grads` at `params`. The first call allocates `v` (and `ḡ`
    /// when centered, `b` with momentum). Fails, changing nothing, on a setting out of
    /// range or a gradient of another shape.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Rmsprop, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(1.0);
    /// let mut opt = Rmsprop::new(0.01);
    /// opt.step(&mut w, &g).unwrap();
    /// // v = 0.01, so θ = -0.01 · 1 / (0.1 + 1e-8)
    /// assert!((w.bias[0] + 0.01 / (0.1 + 1e-8)).abs() < 1e-15);
    /// assert!(Rmsprop::new(0.01).with_alpha(1.0).step(&mut w, &g).is_err());
    /// ```
    pub fn step<T: Scalar>(&mut self, params: &mut P, grads: &P) -> Result<(), Error>
    where
        P: Parameters<T> + Clone,
    {
        self.validate()?;
        check_same(params, grads, "gradient values")?;
        let mut square_avg = state_for(&mut self.square_avg, true, params)?;
        let mut grad_avg = state_for(&mut self.grad_avg, self.centered, params)?;
        let mut buffer = state_for(&mut self.buffer, self.momentum > 0.0, params)?;
        let alpha = T::of(self.alpha);
        let one_minus_alpha = T::of(1.0 - self.alpha);
        let eps = T::of(self.eps);
        let momentum = T::of(self.momentum);
        let neg_lr = T::of(-self.lr);
        for i in 0..params.tensor_count() {
            if !params.is_trainable(i) {
                continue;
            }
            let (Some(p), Some(g), Some(v)) = (
                params.tensor_mut(i),
                grads.tensor(i),
                square_avg.as_deref_mut().and_then(|s| s.tensor_mut(i)),
            ) else {
                continue;
            };
            let mut ga = grad_avg.as_deref_mut().and_then(|s| s.tensor_mut(i));
            let mut b = buffer.as_deref_mut().and_then(|s| s.tensor_mut(i));
            for k in 0..p.len() {
                let g = g[k];
                // PyTorch: square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                v[k] = v[k] * alpha + one_minus_alpha * g * g;
                let mean_square = match ga.as_deref_mut() {
                    // grad_avg.lerp_(grad, 1 - alpha); square_avg.addcmul(grad_avg, grad_avg, value=-1)
                    Some(ga) => {
                        ga[k] += one_minus_alpha * (g - ga[k]);
                        let c = v[k] + (-ga[k]) * ga[k];
                        // v ≥ ḡ² in exact arithmetic; keep rounding from taking √ of a negative
                        if c > T::zero() {
                            c
                        } else {
                            T::zero()
                        }
                    }
                    None => v[k],
                };
                let avg = mean_square.sqrt() + eps;
                match b.as_deref_mut() {
                    // buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
                    Some(b) => {
                        b[k] = b[k] * momentum + g / avg;
                        p[k] += neg_lr * b[k];
                    }
                    // param.addcdiv_(grad, avg, value=-lr)
                    None => p[k] += neg_lr * (g / avg),
                }
            }
        }
        self.t += 1;
        Ok(())
    }
}

/// The state `slot` when `needed` (created zeroed, checked to have `params`' shape), else `None`.
fn state_for<'s, T: Scalar, P: Parameters<T> + Clone>(
    slot: &'s mut Option<P>,
    needed: bool,
    params: &P,
) -> Result<Option<&'s mut P>, Error> {
    if !needed {
        return Ok(None);
    }
    let s = slot.get_or_insert_with(|| zeros_like(params));
    check_same(params, s, "RMSprop state values")?;
    Ok(Some(s))
}

impl<T: Scalar, P: Parameters<T> + Clone> Optimizer<T, P> for Rmsprop<P> {
    fn step(&mut self, params: &mut P, grads: &P) -> Result<(), Error> {
        Rmsprop::step(self, params, grads)
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn reset(&mut self) {
        self.t = 0;
        for s in [&mut self.square_avg, &mut self.grad_avg, &mut self.buffer]
            .into_iter()
            .flatten()
        {
            s.fill(T::zero());
        }
    }
    fn learning_rate(&self) -> Option<f64> {
        Some(self.lr)
    }
    fn set_learning_rate(&mut self, lr: f64) -> Result<(), Error> {
        super::check_rate(lr)?;
        self.lr = lr;
        Ok(())
    }
    fn save_state(&self, f: &mut dyn FnMut(&'static str, &P)) -> Result<u64, Error> {
        for (name, s) in [
            ("square_avg", &self.square_avg),
            ("grad_avg", &self.grad_avg),
            ("momentum_buffer", &self.buffer),
        ] {
            if let Some(s) = s {
                f(name, s);
            }
        }
        Ok(self.t)
    }
    fn load_state(
        &mut self,
        params: &P,
        steps: u64,
        f: &mut dyn FnMut(&'static str, &mut P) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.t = steps;
        if steps > 0 {
            super::load_slot(&mut self.square_avg, params, "square_avg", f)?;
            if self.centered {
                super::load_slot(&mut self.grad_avg, params, "grad_avg", f)?;
            }
            if self.momentum > 0.0 {
                super::load_slot(&mut self.buffer, params, "momentum_buffer", f)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testutil::{assert_close, flat, grad, grad_ref, unflat, N, X0};

    /// RMSprop written out on plain arrays from the formulas in the module header.
    fn reference(centered: bool, momentum: f64, steps: usize) -> [f64; N] {
        let (lr, alpha, eps) = (0.01, 0.9, 1e-8);
        let (mut x, mut v, mut ga, mut b) = (X0, [0.0; N], [0.0; N], [0.0; N]);
        for _ in 0..steps {
            let g = grad_ref(&x);
            for k in 0..N {
                v[k] = alpha * v[k] + (1.0 - alpha) * g[k] * g[k];
                ga[k] = alpha * ga[k] + (1.0 - alpha) * g[k];
                let var = if centered { v[k] - ga[k] * ga[k] } else { v[k] };
                let a = var.sqrt() + eps;
                b[k] = momentum * b[k] + g[k] / a;
                x[k] -= lr * if momentum > 0.0 { b[k] } else { g[k] / a };
            }
        }
        x
    }

    #[test]
    fn every_variant_matches_the_formulas() {
        for (centered, momentum) in [(false, 0.0), (false, 0.9), (true, 0.0), (true, 0.5)] {
            let mut opt = Rmsprop::new(0.01).with_alpha(0.9).with_momentum(momentum);
            opt.centered = centered;
            let mut p = unflat(&X0);
            for _ in 0..20 {
                let g = grad(&p);
                opt.step(&mut p, &g).unwrap();
            }
            let want = reference(centered, momentum, 20);
            assert_close(&flat(&p), &want, "rmsprop");
            assert_eq!(opt.steps(), 20);
        }
    }

    #[test]
    fn bad_settings_and_shapes_change_nothing() {
        let mut p = unflat(&X0);
        let g = grad(&p);
        for opt in [
            Rmsprop::new(-0.1),
            Rmsprop::new(f64::NAN),
            Rmsprop::default().with_alpha(1.0),
            Rmsprop::default().with_eps(-1.0),
            Rmsprop::default().with_momentum(1.0),
        ] {
            let mut opt = opt;
            assert!(matches!(
                opt.step(&mut p, &g),
                Err(Error::InvalidConfig { .. })
            ));
            assert_eq!(flat(&p), X0);
            assert_eq!(opt.steps(), 0);
        }
    }

    #[test]
    fn reset_forgets_the_state() {
        let mut p = unflat(&X0);
        let mut opt = Rmsprop::default().with_momentum(0.9).centered();
        let g = grad(&p);
        opt.step(&mut p, &g).unwrap();
        let after_one = flat(&p);
        Optimizer::<f64, _>::reset(&mut opt);
        let mut q = unflat(&X0);
        opt.step(&mut q, &g).unwrap();
        assert_eq!(flat(&q), after_one);
    }
}
