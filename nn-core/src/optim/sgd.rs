//! Plain (stochastic) gradient descent: `β ← β - η_t ∇_β L(β, D̂)`.
//!
//! `η_t` comes from a [`Schedule`]: constant, exponential cooling `η₀γᵗ`, or step decay
//! `η₀γ^⌊t/s⌋`, with `t` the number of earlier steps. There is no state besides `t`.
//!
//! ```
//! use nn_core::{layer::Dense, optim::{Schedule, Sgd}, Parameters};
//! let mut w = Dense::<f64, 1, 1>::zeros();
//! let mut g = Dense::<f64, 1, 1>::zeros();
//! g.fill(1.0);
//! let mut sgd = Sgd::new(Schedule::exponential(0.1, 0.5));
//! sgd.step(&mut w, &g).unwrap(); // η₀ = 0.1
//! sgd.step(&mut w, &g).unwrap(); // η₁ = 0.05
//! assert!((w.bias[0] + 0.15).abs() < 1e-15);
//! ```

use super::{check_same, Optimizer, Schedule};
use crate::{Error, Parameters, Scalar};

/// Gradient descent with a learning-rate [`Schedule`].
///
/// ```
/// use nn_core::{layer::Dense, optim::Sgd, Parameters};
/// let mut w = Dense::<f32, 2, 1>::zeros();
/// let mut g = Dense::<f32, 2, 1>::zeros();
/// g.fill(2.0);
/// Sgd::new(0.25).step(&mut w, &g).unwrap();
/// assert_eq!(w.weight[(0, 1)], -0.5);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sgd {
    /// The learning rate `η_t`.
    pub schedule: Schedule,
    t: u64,
}

impl Sgd {
    /// Gradient descent with a rate: a number (constant) or a [`Schedule`].
    ///
    /// ```
    /// use nn_core::optim::{Schedule, Sgd};
    /// let a = Sgd::new(0.1);
    /// let b = Sgd::new(Schedule::step_decay(0.1, 0.5, 100));
    /// assert_eq!(a.schedule, Schedule::Constant(0.1));
    /// assert_eq!(b.schedule.rate(100), 0.05);
    /// ```
    pub fn new(schedule: impl Into<Schedule>) -> Self {
        Self {
            schedule: schedule.into(),
            t: 0,
        }
    }

    /// `β ← β - η_t g`, then `t ← t + 1`. Fails, changing nothing, on an invalid schedule
    /// or a gradient of another shape.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Sgd, Parameters};
    /// let mut w = Dense::<f64, 1, 1>::zeros();
    /// let mut g = Dense::<f64, 1, 1>::zeros();
    /// g.fill(1.0);
    /// assert!(Sgd::new(-1.0).step(&mut w, &g).is_err());
    /// ```
    pub fn step<T: Scalar, P: Parameters<T>>(
        &mut self,
        params: &mut P,
        grads: &P,
    ) -> Result<(), Error> {
        self.schedule.validate()?;
        check_same(params, grads, "gradient values")?;
        let eta = T::of(self.schedule.rate(self.t));
        params.zip_mut(grads, |info, p, g| {
            if info.kind.is_trainable() {
                for (p, &g) in p.iter_mut().zip(g) {
                    *p -= eta * g;
                }
            }
        });
        self.t += 1;
        Ok(())
    }

    /// The number of steps taken.
    ///
    /// ```
    /// assert_eq!(nn_core::optim::Sgd::new(0.1).steps(), 0);
    /// ```
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// The rate the next step will use, `η_t`.
    ///
    /// ```
    /// use nn_core::optim::{Schedule, Sgd};
    /// assert_eq!(Sgd::new(Schedule::exponential(0.2, 0.5)).current_rate(), 0.2);
    /// ```
    pub fn current_rate(&self) -> f64 {
        self.schedule.rate(self.t)
    }
}

impl<T: Scalar, P: Parameters<T> + Clone> Optimizer<T, P> for Sgd {
    fn step(&mut self, params: &mut P, grads: &P) -> Result<(), Error> {
        Sgd::step(self, params, grads)
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn reset(&mut self) {
        self.t = 0;
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
    fn save_state(&self, _f: &mut dyn FnMut(&'static str, &P)) -> Result<u64, Error> {
        Ok(self.t)
    }
    fn load_state(
        &mut self,
        _params: &P,
        steps: u64,
        _f: &mut dyn FnMut(&'static str, &mut P) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.t = steps;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testutil::{assert_close, flat, grad, grad_ref, unflat, N, X0};

    fn run(schedule: Schedule, rate: impl Fn(u32) -> f64) {
        let mut p = unflat(&X0);
        let mut sgd = Sgd::new(schedule);
        let mut x = X0;
        for t in 0..5 {
            let g = grad(&p);
            sgd.step(&mut p, &g).unwrap();
            // reference: plain loops
            let gr = grad_ref(&x);
            for k in 0..N {
                x[k] -= rate(t) * gr[k];
            }
            assert_close(&flat(&p), &x, "sgd");
        }
        assert_eq!(sgd.steps(), 5);
    }

    #[test]
    fn five_steps_constant() {
        run(Schedule::constant(0.1), |_| 0.1);
    }

    #[test]
    fn five_steps_exponential_cooling() {
        run(Schedule::exponential(0.2, 0.8), |t| {
            0.2 * 0.8f64.powi(t as i32)
        });
    }

    #[test]
    fn five_steps_step_decay() {
        run(Schedule::step_decay(0.2, 0.5, 2), |t| {
            [0.2, 0.2, 0.1, 0.1, 0.05][t as usize]
        });
    }

    #[test]
    fn first_step_by_hand() {
        // x0 = X0, g = ∇L(X0); x1 = x0 - 0.1 g, checked on the first bias by hand:
        // g_4 = Σ_j A_4j x_j - b_4 + 0.1 x_4³
        let mut p = unflat(&X0);
        let g = grad(&p);
        let a = [0.3 / 5.0, 0.3 / 4.0, 0.3 / 3.0, 0.3 / 2.0, 2.0, 0.3 / 2.0];
        let g4: f64 =
            a.iter().zip(&X0).map(|(a, x)| a * x).sum::<f64>() + 1.0 + 0.1 * (-1.5f64).powi(3);
        Sgd::new(0.1).step(&mut p, &g).unwrap();
        assert!((p.bias[0] - (-1.5 - 0.1 * g4)).abs() < 1e-14);
    }
}
