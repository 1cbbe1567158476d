//! SGD with momentum, exactly as the lecture writes it:
//!
//! ```text
//! Δβ ← α Δβ - η ∇_β L(β, D̂)
//! β  ← β + Δβ
//! ```
//!
//! `Δβ` (the velocity, starting at 0) is a value of the parameters' type, created on the
//! first step. `η` may follow a [`Schedule`] (`η_t`, `t` the number of earlier steps).
//!
//! ```
//! use nn_core::{layer::Dense, optim::Momentum, Parameters};
//! let mut w = Dense::<f64, 1, 1>::zeros();
//! let mut g = Dense::<f64, 1, 1>::zeros();
//! g.fill(1.0);
//! let mut opt = Momentum::new(0.1, 0.9);
//! opt.step(&mut w, &g).unwrap(); // Δβ = -0.1
//! opt.step(&mut w, &g).unwrap(); // Δβ = 0.9 · -0.1 - 0.1 = -0.19
//! assert!((w.bias[0] + 0.29).abs() < 1e-15);
//! ```

use super::{check_momentum, velocity_for, zip_state, Optimizer, Schedule};
use crate::{Error, Parameters, Scalar};

/// SGD with momentum `α` (the lecture's `Δβ ← αΔβ - η∇L`, `β ← β + Δβ`).
///
/// ```
/// use nn_core::optim::{Momentum, Schedule};
/// let opt = Momentum::<nn_core::layer::Dense<f32, 4, 2>>::new(Schedule::exponential(0.1, 0.99), 0.9);
/// assert_eq!(opt.alpha, 0.9);
/// assert!(opt.velocity().is_none()); // created by the first step
/// ```
#[derive(Clone, Debug)]
pub struct Momentum<P> {
    /// The learning rate `η_t`.
    pub schedule: Schedule,
    /// The momentum `α`, in `[0, 1)`.
    pub alpha: f64,
    t: u64,
    velocity: Option<P>,
}

impl<P> Momentum<P> {
    /// Momentum `alpha` with a learning rate (a number or a [`Schedule`]).
    ///
    /// ```
    /// let opt = nn_core::optim::Momentum::<nn_core::layer::Dense<f64, 1, 1>>::new(0.01, 0.9);
    /// assert_eq!(opt.schedule.rate(0), 0.01);
    /// ```
    pub fn new(schedule: impl Into<Schedule>, alpha: f64) -> Self {
        Self {
            schedule: schedule.into(),
            alpha,
            t: 0,
            velocity: None,
        }
    }

    /// The velocity `Δβ` (the last update), `None` before the first step.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Momentum, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(2.0);
    /// let mut opt = Momentum::new(0.5, 0.9);
    /// opt.step(&mut w, &g).unwrap();
    /// assert_eq!(opt.velocity().unwrap().bias[0], -1.0);
    /// ```
    pub fn velocity(&self) -> Option<&P> {
        self.velocity.as_ref()
    }

    /// The number of steps taken.
    ///
    /// ```
    /// assert_eq!(nn_core::optim::Momentum::<nn_core::layer::Dense<f64, 1, 1>>::new(0.1, 0.9).steps(), 0);
    /// ```
    pub fn steps(&self) -> u64 {
        self.t
    }

    fn validate(&self) -> Result<(), Error> {
        check_momentum(&self.schedule, self.alpha)
    }

    /// `Δβ ← αΔβ - η_t g`, `β ← β + Δβ`, `t ← t + 1`. The first call allocates `Δβ`.
    /// Fails, changing nothing, on an invalid setting or a gradient of another shape.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Momentum, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// assert!(Momentum::new(0.1, 1.0).step(&mut w, &g).is_err()); // α must be below 1
    /// ```
    pub fn step<T: Scalar>(&mut self, params: &mut P, grads: &P) -> Result<(), Error>
    where
        P: Parameters<T> + Clone,
    {
        self.validate()?;
        let velocity = velocity_for(&mut self.velocity, params, grads)?;
        let (alpha, eta) = (T::of(self.alpha), T::of(self.schedule.rate(self.t)));
        zip_state(params, grads, velocity, |p, g, v| {
            *v = alpha * *v - eta * g;
            *p += *v;
        });
        self.t += 1;
        Ok(())
    }
}

impl<T: Scalar, P: Parameters<T> + Clone> Optimizer<T, P> for Momentum<P> {
    fn step(&mut self, params: &mut P, grads: &P) -> Result<(), Error> {
        Momentum::step(self, params, grads)
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn reset(&mut self) {
        self.t = 0;
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
        if steps > 0 {
            super::load_slot(&mut self.velocity, params, "velocity", f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testutil::{assert_close, flat, grad, grad_ref, unflat, N, P, X0};

    #[test]
    fn five_steps_match_the_lecture_formula() {
        let (alpha, eta) = (0.8, 0.05);
        let mut p = unflat(&X0);
        let mut opt = Momentum::<P>::new(eta, alpha);
        let (mut x, mut dx) = (X0, [0.0; N]);
        for _ in 0..5 {
            {
                let g = grad(&p);
                opt.step(&mut p, &g)
            }
            .unwrap();
            let g = grad_ref(&x);
            for k in 0..N {
                dx[k] = alpha * dx[k] - eta * g[k];
                x[k] += dx[k];
            }
            assert_close(&flat(&p), &x, "momentum");
            assert_close(&flat(opt.velocity().unwrap()), &dx, "velocity");
        }
    }

    #[test]
    fn reset_zeroes_the_velocity() {
        let mut p = unflat(&X0);
        let mut opt = Momentum::<P>::new(0.1, 0.9);
        {
            let g = grad(&p);
            opt.step(&mut p, &g)
        }
        .unwrap();
        Optimizer::<f64, P>::reset(&mut opt);
        assert_eq!(opt.steps(), 0);
        assert_eq!(flat(opt.velocity().unwrap()), [0.0; N]);
    }
}
