//! Nesterov accelerated gradient ("Nesterov momentum"), as the lecture writes it:
//!
//! ```text
//! Δβ ← α Δβ - η ∇_β L(β + αΔβ, D̂)
//! β  ← β + Δβ
//! ```
//!
//! The gradient is taken at the look-ahead point `β + αΔβ`, where the momentum alone would
//! carry the parameters, not at `β`. So one step is two calls around the gradient
//! computation:
//!
//! 1. [`Nesterov::lookahead`] moves the parameters from `β` to `β + αΔβ`;
//! 2. the caller computes the gradient there;
//! 3. [`Nesterov::step`] sets `Δβ ← αΔβ - ηg` and moves the parameters to the new
//!    `β + Δβ` (equal to the look-ahead point minus `ηg`).
//!
//! Between `step` and the next `lookahead` the parameters hold the lecture's `β`.
//! `lookahead` keeps a copy of `β` (one more clone of the parameters, made on the first
//! call), so [`Nesterov::cancel_lookahead`] restores it bit for bit: a training step given
//! up at the look-ahead point (a non-finite loss, a data error) leaves the parameters
//! exactly as they were, which `β + αΔβ - αΔβ` in floating point would not.
//! `step` without a `lookahead` first is an [`Error::OutOfOrder`], since its gradient would
//! have been taken at the wrong point. [`Nesterov::step_with`] does the three parts with a
//! closure that computes the gradient.
//!
//! **Reading of the slide.** The slide writes the gradient's argument as `β + Δβ`. It is read
//! here as "first the momentum step `Δβ ← αΔβ`, then the gradient at `β + Δβ`", i.e. at
//! `β + αΔβ_old`: Nesterov (1983) in the form of Sutskever et al. (2013). (Taken literally
//! with the old `Δβ`, the look-ahead would be a full previous step `β + Δβ_old`; that would
//! not reduce to gradient descent for `α = 0` and is not Nesterov's method.)
//!
//! **Relation to PyTorch's `SGD(momentum=α, nesterov=True)`.** PyTorch keeps the
//! look-ahead variable `θ = β + αΔβ` as its parameters and a buffer `b = -Δβ/η`:
//!
//! ```text
//! g ← ∇L(θ);   b ← αb + g;   θ ← θ - η(g + αb)
//! ```
//!
//! Substituting `θ = β + αΔβ`: the new `θ` is `β + Δβ' + αΔβ'` with `Δβ' = αΔβ - ηg`,
//! which is `θ - αΔβ + (1+α)(αΔβ - ηg) = θ - ηg + αΔβ' = θ - η(g + αb')`. So for a constant
//! `η` both produce the same iterates under `θ = β + αΔβ`: PyTorch's parameters are exactly
//! what `lookahead` leaves in `params`, the point where the gradient is computed. (With a
//! schedule they differ: PyTorch's buffer accumulates raw gradients, `Δβ` accumulates
//! `η_t`-scaled ones.)
//!
//! ```
//! use nn_core::{layer::Dense, optim::Nesterov, Parameters};
//! // L = ½ (b - 3)²  on a single bias
//! let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
//! let mut opt = Nesterov::new(0.1, 0.9);
//! for _ in 0..100 {
//!     opt.lookahead(&mut w).unwrap();      // w = β + αΔβ
//!     g.bias[0] = w.bias[0] - 3.0;         // gradient at the look-ahead point
//!     opt.step(&mut w, &g).unwrap();       // w = β + Δβ
//! }
//! assert!((w.bias[0] - 3.0).abs() < 1e-3);
//! ```

use super::{check_momentum, check_same, velocity_for, zeros_like, zip_state, Optimizer, Schedule};
use crate::{Error, Parameters, Scalar};

/// Nesterov momentum with look-ahead `β + αΔβ`; see the [module](self) for the protocol.
///
/// ```
/// use nn_core::{layer::Dense, optim::Nesterov};
/// let opt = Nesterov::<Dense<f32, 3, 3>>::new(0.01, 0.9);
/// assert!(!opt.at_lookahead());
/// ```
#[derive(Clone)]
pub struct Nesterov<P> {
    /// The learning rate `η_t`.
    pub schedule: Schedule,
    /// The momentum `α`, in `[0, 1)`.
    pub alpha: f64,
    t: u64,
    velocity: Option<P>,
    at_lookahead: bool,
    /// `β`, copied by `lookahead` so that `cancel_lookahead` restores it exactly.
    saved: Option<P>,
}

/// The settings and the state (`t`, `Δβ`, whether at the look-ahead point); the copy of `β`
/// kept during a look-ahead is scratch and not shown.
impl<P: core::fmt::Debug> core::fmt::Debug for Nesterov<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Nesterov")
            .field("schedule", &self.schedule)
            .field("alpha", &self.alpha)
            .field("t", &self.t)
            .field("velocity", &self.velocity)
            .field("at_lookahead", &self.at_lookahead)
            .finish()
    }
}

impl<P> Nesterov<P> {
    /// Nesterov momentum `alpha` with a learning rate (a number or a [`Schedule`]).
    ///
    /// ```
    /// let opt = nn_core::optim::Nesterov::<nn_core::layer::Dense<f64, 1, 1>>::new(0.1, 0.5);
    /// assert_eq!((opt.schedule.rate(0), opt.alpha), (0.1, 0.5));
    /// ```
    pub fn new(schedule: impl Into<Schedule>, alpha: f64) -> Self {
        Self {
            schedule: schedule.into(),
            alpha,
            t: 0,
            velocity: None,
            at_lookahead: false,
            saved: None,
        }
    }

    /// The velocity `Δβ`, `None` before the first `lookahead`.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Nesterov, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(1.0);
    /// let mut opt = Nesterov::new(0.5, 0.9);
    /// opt.lookahead(&mut w).unwrap();
    /// opt.step(&mut w, &g).unwrap();
    /// assert_eq!(opt.velocity().unwrap().bias[0], -0.5);
    /// ```
    pub fn velocity(&self) -> Option<&P> {
        self.velocity.as_ref()
    }

    /// True between [`lookahead`](Self::lookahead) and [`step`](Self::step): `params` then
    /// hold `β + αΔβ`, not `β`.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Nesterov};
    /// let mut w = Dense::<f64, 1, 1>::zeros();
    /// let mut opt = Nesterov::new(0.1, 0.9);
    /// opt.lookahead(&mut w).unwrap();
    /// assert!(opt.at_lookahead());
    /// ```
    pub fn at_lookahead(&self) -> bool {
        self.at_lookahead
    }

    /// The number of steps taken.
    ///
    /// ```
    /// assert_eq!(nn_core::optim::Nesterov::<nn_core::layer::Dense<f64, 1, 1>>::new(0.1, 0.9).steps(), 0);
    /// ```
    pub fn steps(&self) -> u64 {
        self.t
    }

    fn validate(&self) -> Result<(), Error> {
        check_momentum(&self.schedule, self.alpha)
    }

    /// Moves `params` from `β` to the look-ahead point `β + αΔβ`, where the caller then
    /// computes the gradient for [`step`](Self::step). The first call allocates `Δβ` (zero,
    /// so the first look-ahead point is `β` itself) and the copy of `β` that
    /// [`cancel_lookahead`](Self::cancel_lookahead) restores.
    ///
    /// Fails, changing nothing, when already at the look-ahead point or on an invalid
    /// setting.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Nesterov, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(1.0);
    /// let mut opt = Nesterov::new(1.0, 0.5);
    /// opt.lookahead(&mut w).unwrap();
    /// opt.step(&mut w, &g).unwrap();       // Δβ = -1, β = -1
    /// opt.lookahead(&mut w).unwrap();      // β + αΔβ = -1.5
    /// assert_eq!(w.bias[0], -1.5);
    /// assert!(opt.lookahead(&mut w).is_err()); // twice in a row
    /// ```
    pub fn lookahead<T: Scalar>(&mut self, params: &mut P) -> Result<(), Error>
    where
        P: Parameters<T> + Clone,
    {
        self.validate()?;
        if self.at_lookahead {
            return Err(Error::OutOfOrder {
                call: "Nesterov::lookahead",
                expected: "a step after the previous lookahead",
            });
        }
        let velocity = self.velocity.get_or_insert_with(|| zeros_like(params));
        check_same(params, velocity, "velocity values")?;
        let saved = self.saved.get_or_insert_with(|| zeros_like(params));
        check_same(params, saved, "saved parameter values")?;
        let alpha = T::of(self.alpha);
        // One pass: keep β, move to β + αΔβ.
        zip_state(params, velocity, saved, |p, v, s| {
            *s = *p;
            *p += alpha * v;
        });
        self.at_lookahead = true;
        Ok(())
    }

    /// Undoes a [`lookahead`](Self::lookahead): moves `params` back to `β`, bit for bit (e.g.
    /// to evaluate the model between steps, or when the gradient at the look-ahead point is
    /// not usable). Does nothing when not at the look-ahead point.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Nesterov, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(1.0);
    /// let mut opt = Nesterov::new(1.0, 0.5);
    /// opt.lookahead(&mut w).unwrap();
    /// opt.step(&mut w, &g).unwrap();
    /// opt.lookahead(&mut w).unwrap();
    /// opt.cancel_lookahead(&mut w);
    /// assert_eq!(w.bias[0], -1.0);
    /// ```
    pub fn cancel_lookahead<T: Scalar>(&mut self, params: &mut P)
    where
        P: Parameters<T>,
    {
        if !self.at_lookahead {
            return;
        }
        if let Some(saved) = &self.saved {
            params.zip_mut(saved, |info, p, s| {
                if info.kind.is_trainable() {
                    p.iter_mut().zip(s).for_each(|(p, &s)| *p = s);
                }
            });
        }
        self.at_lookahead = false;
    }

    /// Given `grads = ∇L(β + αΔβ)` at the look-ahead point `params` holds:
    /// `Δβ ← αΔβ - η_t g` and `params ← β + Δβ` (which is `params - η_t g`), `t ← t + 1`.
    ///
    /// Fails, changing nothing, without a preceding [`lookahead`](Self::lookahead)
    /// ([`Error::OutOfOrder`]), on an invalid setting or a gradient of another shape.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Nesterov, Error};
    /// let (mut w, g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// let mut opt = Nesterov::new(0.1, 0.9);
    /// assert!(matches!(opt.step(&mut w, &g), Err(Error::OutOfOrder { .. })));
    /// ```
    pub fn step<T: Scalar>(&mut self, params: &mut P, grads: &P) -> Result<(), Error>
    where
        P: Parameters<T> + Clone,
    {
        if !self.at_lookahead {
            return Err(Error::OutOfOrder {
                call: "Nesterov::step",
                expected:
                    "Nesterov::lookahead first (the gradient must be taken at the look-ahead point)",
            });
        }
        self.validate()?;
        let velocity = velocity_for(&mut self.velocity, params, grads)?;
        let (alpha, eta) = (T::of(self.alpha), T::of(self.schedule.rate(self.t)));
        zip_state(params, grads, velocity, |p, g, v| {
            // p = β + αΔβ;  Δβ' = αΔβ - ηg;  β + Δβ' = p - ηg
            *v = alpha * *v - eta * g;
            *p -= eta * g;
        });
        self.at_lookahead = false;
        self.t += 1;
        Ok(())
    }

    /// One whole step: [`lookahead`](Self::lookahead), `gradient(params, grads)` to write
    /// `∇L` at the look-ahead point into `grads`, then [`step`](Self::step).
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Nesterov};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// let mut opt = Nesterov::new(0.1, 0.9);
    /// for _ in 0..100 {
    ///     opt.step_with(&mut w, &mut g, |w, g| g.bias[0] = w.bias[0] - 3.0).unwrap();
    /// }
    /// assert!((w.bias[0] - 3.0).abs() < 1e-3);
    /// ```
    pub fn step_with<T: Scalar>(
        &mut self,
        params: &mut P,
        grads: &mut P,
        mut gradient: impl FnMut(&P, &mut P),
    ) -> Result<(), Error>
    where
        P: Parameters<T> + Clone,
    {
        self.lookahead(params)?;
        gradient(params, grads);
        let r = self.step(params, grads);
        if r.is_err() {
            self.cancel_lookahead(params);
        }
        r
    }
}

/// [`Optimizer::step`] is [`Nesterov::step`]: `grads` must be the gradient at the point
/// [`Nesterov::lookahead`] moved `params` to.
impl<T: Scalar, P: Parameters<T> + Clone> Optimizer<T, P> for Nesterov<P> {
    fn step(&mut self, params: &mut P, grads: &P) -> Result<(), Error> {
        Nesterov::step(self, params, grads)
    }
    fn before_gradient(&mut self, params: &mut P) -> Result<(), Error> {
        self.lookahead(params)
    }
    /// [`Nesterov::cancel_lookahead`]: back to `β`, bit for bit.
    fn abandon_step(&mut self, params: &mut P) {
        self.cancel_lookahead(params)
    }
    fn steps(&self) -> u64 {
        self.t
    }
    /// Zeroes `Δβ` and the counter. If called at the look-ahead point, `params` stay there
    /// and count as `β`.
    fn reset(&mut self) {
        self.t = 0;
        self.at_lookahead = false;
        if let Some(v) = &mut self.velocity {
            v.fill(T::zero());
        }
    }
    fn learning_rate(&self) -> Option<f64> {
        Some(self.schedule.rate(self.t))
    }
    /// Replaces the schedule with the constant rate `lr`.
    fn set_learning_rate(&mut self, lr: f64) -> Result<(), Error> {
        super::check_rate(lr)?;
        self.schedule = Schedule::Constant(lr);
        Ok(())
    }
    fn save_state(&self, f: &mut dyn FnMut(&'static str, &P)) -> Result<u64, Error> {
        if self.at_lookahead {
            return Err(Error::OutOfOrder {
                call: "saving Nesterov's state at its look-ahead point",
                expected: "`step` or `cancel_lookahead` first",
            });
        }
        if let Some(v) = &self.velocity {
            f("velocity", v);
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
        self.at_lookahead = false;
        if steps > 0 {
            super::load_slot(&mut self.velocity, params, "velocity", f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // reference arithmetic, written as plain loops
mod tests {
    use super::*;
    use crate::optim::testutil::{assert_close, flat, grad, grad_ref, loss_grad, unflat, N, P, X0};
    use crate::optim::Sgd;

    #[test]
    fn five_steps_match_the_lecture_formula() {
        let (alpha, eta) = (0.7, 0.05);
        let mut p = unflat(&X0);
        let mut opt = Nesterov::<P>::new(eta, alpha);
        let (mut x, mut dx) = (X0, [0.0; N]);
        for _ in 0..5 {
            opt.lookahead(&mut p).unwrap();
            let g = grad(&p);
            opt.step(&mut p, &g).unwrap();
            // reference: Δβ ← αΔβ - η∇L(β + αΔβ); β ← β + Δβ
            let mut ahead = [0.0; N];
            for k in 0..N {
                ahead[k] = x[k] + alpha * dx[k];
            }
            let g = grad_ref(&ahead);
            for k in 0..N {
                dx[k] = alpha * dx[k] - eta * g[k];
                x[k] += dx[k];
            }
            assert_close(&flat(&p), &x, "nesterov");
            assert_close(&flat(opt.velocity().unwrap()), &dx, "velocity");
        }
    }

    /// PyTorch's `SGD(momentum=α, nesterov=True)` (dampening 0) on the quadratic part,
    /// written as PyTorch documents it, runs on θ = β + αΔβ.
    #[test]
    fn same_iterates_as_pytorch_under_the_change_of_variables() {
        let (alpha, eta) = (0.9, 0.02);
        // a pure quadratic: ∇L(x) = A x - b
        let quad = |x: &[f64; N]| {
            let mut g = [0.0; N];
            for i in 0..N {
                for j in 0..N {
                    g[i] += crate::optim::testutil::a(i, j) * x[j];
                }
                g[i] -= crate::optim::testutil::B[i];
            }
            g
        };
        let mut p = unflat(&X0);
        let mut opt = Nesterov::<P>::new(eta, alpha);
        // PyTorch: θ and its momentum buffer b (None before the first step).
        let (mut theta, mut buf) = (X0, [0.0; N]);
        for t in 0..25 {
            opt.lookahead(&mut p).unwrap();
            // at the look-ahead point params hold PyTorch's θ
            assert_close(&flat(&p), &theta, "look-ahead point = torch θ");
            let grads = unflat(&quad(&flat(&p)));
            opt.step(&mut p, &grads).unwrap();
            let g = quad(&theta);
            for k in 0..N {
                buf[k] = if t == 0 { g[k] } else { alpha * buf[k] + g[k] };
                theta[k] -= eta * (g[k] + alpha * buf[k]);
            }
            // and after the step, β + αΔβ = θ
            let (beta, dbeta) = (flat(&p), flat(opt.velocity().unwrap()));
            let mut mapped = [0.0; N];
            for k in 0..N {
                mapped[k] = beta[k] + alpha * dbeta[k];
            }
            assert_close(&mapped, &theta, "β + αΔβ = torch θ");
        }
    }

    #[test]
    fn zero_momentum_is_gradient_descent() {
        let (mut a, mut b) = (unflat(&X0), unflat(&X0));
        let mut grads = P::zeros();
        let mut nag = Nesterov::<P>::new(0.1, 0.0);
        let mut sgd = Sgd::new(0.1);
        for _ in 0..5 {
            nag.step_with(&mut a, &mut grads, |p, g| {
                loss_grad(p, g);
            })
            .unwrap();
            {
                let g = grad(&b);
                sgd.step(&mut b, &g)
            }
            .unwrap();
        }
        assert_close(&flat(&a), &flat(&b), "α = 0");
    }

    #[test]
    fn step_with_equals_lookahead_then_step() {
        let (mut a, mut b) = (unflat(&X0), unflat(&X0));
        let mut grads = P::zeros();
        let mut o1 = Nesterov::<P>::new(0.05, 0.9);
        let mut o2 = o1.clone();
        for _ in 0..5 {
            o1.step_with(&mut a, &mut grads, |p, g| {
                loss_grad(p, g);
            })
            .unwrap();
            o2.lookahead(&mut b).unwrap();
            let g = grad(&b);
            o2.step(&mut b, &g).unwrap();
        }
        assert_eq!(flat(&a), flat(&b));
        assert_eq!(o1.steps(), 5);
    }

    #[test]
    fn out_of_order_calls_are_errors_and_change_nothing() {
        let mut p = unflat(&X0);
        let mut opt = Nesterov::<P>::new(0.05, 0.9);
        let g = grad(&p);
        assert!(matches!(
            opt.step(&mut p, &g),
            Err(Error::OutOfOrder { .. })
        ));
        assert_eq!(flat(&p), X0);
        opt.lookahead(&mut p).unwrap();
        assert!(opt.lookahead(&mut p).is_err());
        opt.step(&mut p, &g).unwrap();
        assert!(opt.step(&mut p, &g).is_err());
    }

    /// Defect: `cancel_lookahead` subtracted `αΔβ` again, which rounds: the parameters
    /// after a given-up step were not the ones before it.
    #[test]
    fn cancel_lookahead_restores_the_parameters_bit_for_bit() {
        use crate::optim::testutil::bits;
        let mut p = unflat(&X0);
        let mut opt = Nesterov::<P>::new(0.05, 0.9);
        for _ in 0..5 {
            opt.step_with(&mut p, &mut P::zeros(), |p, g| {
                loss_grad(p, g);
            })
            .unwrap();
        }
        let (before, velocity) = (bits(&p), bits(opt.velocity().unwrap()));
        opt.lookahead(&mut p).unwrap();
        assert_ne!(bits(&p), before);
        opt.cancel_lookahead(&mut p);
        assert_eq!(bits(&p), before);
        assert_eq!(bits(opt.velocity().unwrap()), velocity);
        assert!(!opt.at_lookahead());
        // The same through the training-loop protocol.
        Optimizer::before_gradient(&mut opt, &mut p).unwrap();
        Optimizer::abandon_step(&mut opt, &mut p);
        assert_eq!(bits(&p), before);
        assert_eq!(opt.steps(), 5);
    }
}
