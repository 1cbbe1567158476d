//! Rprop (resilient backpropagation) for full-batch learning, in the iRprop⁻ variant
//! (Igel & Hüsken 2000; Riedmiller & Braun 1993 for the original).
//!
//! Every weight has its own step size `Δ` (initially `Δ₀ = 0.1`) and only the sign of its
//! gradient is used. With `g` this step's gradient and `g⁻` the one stored last step:
//!
//! ```text
//! if g⁻ · g > 0:  Δ ← min(Δ · η⁺, Δ_max)                  (same sign: accelerate)
//! if g⁻ · g < 0:  Δ ← max(Δ · η⁻, Δ_min);  g ← 0          (sign flip: slow down, no step)
//! β  ← β - sign(g) · Δ                                     (sign(0) = 0)
//! g⁻ ← g
//! ```
//!
//! with `η⁺ = 1.2`, `η⁻ = 0.5`, `Δ ∈ [10⁻⁶, 50]`. iRprop⁻ differs from the original Rprop
//! (Rprop⁺) in that a sign change does not revert the previous step (no weight backtracking);
//! it only sets the stored gradient to 0 and skips the step, so the next step moves by the
//! reduced `Δ` without growing it. Rprop⁻ is the same without zeroing the stored gradient.
//!
//! Because only signs are used, the gradient must be the full-batch one (the lecture's
//! "batch learning"): mini-batch noise flips signs at random. Rprop is not a descent method:
//! a single step can raise the loss (a weight overshooting its minimum before its sign
//! flips); over a run the loss falls fast. [`Lbfgs`](super::Lbfgs) never raises it.
//!
//! ```
//! use nn_core::{layer::Dense, optim::Rprop, Parameters};
//! let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
//! let mut rprop = Rprop::default();
//! g.fill(-3.0);
//! rprop.step(&mut w, &g).unwrap(); // +Δ₀ = 0.1
//! rprop.step(&mut w, &g).unwrap(); // same sign: Δ = 0.12
//! assert!((w.bias[0] - 0.22).abs() < 1e-15);
//! ```

use super::{check_range, check_same, sign, Optimizer};
use crate::{Error, Parameters, Scalar};

/// iRprop⁻ with per-weight step sizes.
///
/// ```
/// let r = nn_core::optim::Rprop::<nn_core::layer::Dense<f64, 2, 2>>::default();
/// assert_eq!((r.eta_plus, r.eta_minus, r.step_min, r.step_max, r.step_init), (1.2, 0.5, 1e-6, 50.0, 0.1));
/// ```
#[derive(Clone, Debug)]
pub struct Rprop<P> {
    /// `η⁺ > 1`, the factor applied to `Δ` while the gradient keeps its sign.
    pub eta_plus: f64,
    /// `η⁻ ∈ (0, 1)`, the factor applied to `Δ` when the gradient changes sign.
    pub eta_minus: f64,
    /// `Δ_min > 0`, the smallest step.
    pub step_min: f64,
    /// `Δ_max`, the largest step.
    pub step_max: f64,
    /// `Δ₀`, every weight's first step, in `[Δ_min, Δ_max]`.
    pub step_init: f64,
    t: u64,
    /// `(Δ, g⁻)`.
    state: Option<(P, P)>,
}

impl<P> Default for Rprop<P> {
    /// `η⁺ = 1.2`, `η⁻ = 0.5`, `Δ ∈ [10⁻⁶, 50]`, `Δ₀ = 0.1`.
    fn default() -> Self {
        Self {
            eta_plus: 1.2,
            eta_minus: 0.5,
            step_min: 1e-6,
            step_max: 50.0,
            step_init: 0.1,
            t: 0,
            state: None,
        }
    }
}

impl<P> Rprop<P> {
    /// The defaults with initial step `step_init`.
    ///
    /// ```
    /// let r = nn_core::optim::Rprop::<nn_core::layer::Dense<f64, 1, 1>>::new(0.01);
    /// assert_eq!((r.step_init, r.eta_plus), (0.01, 1.2));
    /// ```
    pub fn new(step_init: f64) -> Self {
        Self {
            step_init,
            ..Self::default()
        }
    }

    /// The per-weight step sizes `Δ`, `None` before the first step.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Rprop, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(1.0);
    /// let mut r = Rprop::default();
    /// r.step(&mut w, &g).unwrap();
    /// r.step(&mut w, &g).unwrap();
    /// assert!((r.step_sizes().unwrap().bias[0] - 0.12).abs() < 1e-15);
    /// ```
    pub fn step_sizes(&self) -> Option<&P> {
        self.state.as_ref().map(|(d, _)| d)
    }

    /// The stored gradient `g⁻` (0 where the last step saw a sign flip), `None` before the
    /// first step.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Rprop, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(2.0);
    /// let mut r = Rprop::default();
    /// r.step(&mut w, &g).unwrap();
    /// assert_eq!(r.stored_gradient().unwrap().bias[0], 2.0);
    /// ```
    pub fn stored_gradient(&self) -> Option<&P> {
        self.state.as_ref().map(|(_, g)| g)
    }

    /// The number of steps taken.
    ///
    /// ```
    /// assert_eq!(nn_core::optim::Rprop::<nn_core::layer::Dense<f64, 1, 1>>::default().steps(), 0);
    /// ```
    pub fn steps(&self) -> u64 {
        self.t
    }

    fn validate(&self) -> Result<(), Error> {
        check_range(
            "Rprop eta_plus",
            "a finite factor >= 1",
            self.eta_plus,
            1.0,
            f64::MAX,
            true,
        )?;
        check_range(
            "Rprop eta_minus",
            "a factor in (0, 1]",
            self.eta_minus,
            f64::MIN_POSITIVE,
            1.0,
            true,
        )?;
        check_range(
            "Rprop step_min",
            "a finite step > 0",
            self.step_min,
            f64::MIN_POSITIVE,
            f64::MAX,
            true,
        )?;
        check_range(
            "Rprop step_max",
            "a finite step >= step_min",
            self.step_max,
            self.step_min,
            f64::MAX,
            true,
        )?;
        check_range(
            "Rprop step_init",
            "a step in [step_min, step_max]",
            self.step_init,
            self.step_min,
            self.step_max,
            true,
        )
    }

    /// One iRprop⁻ step with the full-batch gradient `grads` at `params`. The first call
    /// allocates `Δ` (filled with `Δ₀`) and `g⁻` (zero). Fails, changing nothing, on a
    /// setting out of range or a gradient of another shape.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Rprop, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// let mut r = Rprop::default();
    /// g.fill(1.0);
    /// r.step(&mut w, &g).unwrap();  // -0.1
    /// g.fill(-1.0);
    /// r.step(&mut w, &g).unwrap();  // sign flip: Δ = 0.05, no step
    /// assert!((w.bias[0] + 0.1).abs() < 1e-15);
    /// r.step(&mut w, &g).unwrap();  // g⁻ was forgotten: step +0.05, no acceleration
    /// assert!((w.bias[0] + 0.05).abs() < 1e-15);
    /// ```
    pub fn step<T: Scalar>(&mut self, params: &mut P, grads: &P) -> Result<(), Error>
    where
        P: Parameters<T> + Clone,
    {
        self.validate()?;
        check_same(params, grads, "gradient values")?;
        let init = T::of(self.step_init);
        let (deltas, prev) = self.state.get_or_insert_with(|| {
            let mut d = params.clone();
            d.fill(init);
            let mut g = params.clone();
            g.fill(T::zero());
            (d, g)
        });
        check_same(params, deltas, "step sizes")?;
        check_same(params, prev, "stored gradient values")?;
        let (up, down) = (T::of(self.eta_plus), T::of(self.eta_minus));
        let (lo, hi) = (T::of(self.step_min), T::of(self.step_max));
        for i in 0..params.tensor_count() {
            if !params.is_trainable(i) {
                continue;
            }
            let (Some(p), Some(g), Some(d), Some(gp)) = (
                params.tensor_mut(i),
                grads.tensor(i),
                deltas.tensor_mut(i),
                prev.tensor_mut(i),
            ) else {
                continue;
            };
            for (((p, &g), d), gp) in p.iter_mut().zip(g).zip(d.iter_mut()).zip(gp.iter_mut()) {
                let mut g = g;
                let s = *gp * g;
                if s > T::zero() {
                    *d = (*d * up).min(hi);
                } else if s < T::zero() {
                    *d = (*d * down).max(lo);
                    g = T::zero();
                }
                *p -= sign(g) * *d;
                *gp = g;
            }
        }
        self.t += 1;
        Ok(())
    }
}

impl<T: Scalar, P: Parameters<T> + Clone> Optimizer<T, P> for Rprop<P> {
    fn step(&mut self, params: &mut P, grads: &P) -> Result<(), Error> {
        Rprop::step(self, params, grads)
    }
    fn steps(&self) -> u64 {
        self.t
    }
    /// Sets every `Δ` back to `Δ₀` and forgets the stored gradient.
    fn reset(&mut self) {
        self.t = 0;
        if let Some((d, g)) = &mut self.state {
            d.fill(T::of(self.step_init));
            g.fill(T::zero());
        }
    }
    fn save_state(&self, f: &mut dyn FnMut(&'static str, &P)) -> Result<u64, Error> {
        if let Some((d, g)) = &self.state {
            f("step_sizes", d);
            f("previous_gradient", g);
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
            let (mut d, mut g) = (None, None);
            super::load_slot(&mut d, params, "step_sizes", f)?;
            super::load_slot(&mut g, params, "previous_gradient", f)?;
            self.state = d.zip(g);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testutil::{assert_close, flat, grad, grad_ref, unflat, N, P, X0};

    #[test]
    fn five_steps_match_irprop_minus() {
        let mut p = unflat(&X0);
        let mut r = Rprop::<P>::new(0.3);
        let (mut x, mut d, mut gp) = (X0, [0.3; N], [0.0; N]);
        for _ in 0..5 {
            {
                let g = grad(&p);
                r.step(&mut p, &g)
            }
            .unwrap();
            let g = grad_ref(&x);
            for k in 0..N {
                let mut gk = g[k];
                if gp[k] * gk > 0.0 {
                    d[k] = f64::min(d[k] * 1.2, 50.0);
                } else if gp[k] * gk < 0.0 {
                    d[k] = f64::max(d[k] * 0.5, 1e-6);
                    gk = 0.0;
                }
                if gk > 0.0 {
                    x[k] -= d[k];
                } else if gk < 0.0 {
                    x[k] += d[k];
                }
                gp[k] = gk;
            }
            assert_close(&flat(&p), &x, "rprop");
            assert_close(&flat(r.step_sizes().unwrap()), &d, "step sizes");
        }
    }

    #[test]
    fn the_five_steps_exercise_every_branch() {
        // The reference test above is only meaningful if signs both persist and flip.
        let mut p = unflat(&X0);
        let mut r = Rprop::<P>::new(0.3);
        let (mut grew, mut shrank) = (false, false);
        for _ in 0..5 {
            {
                let g = grad(&p);
                r.step(&mut p, &g)
            }
            .unwrap();
            for &d in &flat(r.step_sizes().unwrap()) {
                grew |= d > 0.3 + 1e-12;
                shrank |= d < 0.3 - 1e-12;
            }
        }
        assert!(grew && shrank);
    }

    #[test]
    fn step_sizes_stay_in_bounds() {
        let mut p = unflat(&X0);
        let mut r = Rprop::<P> {
            step_max: 0.5,
            step_min: 0.01,
            ..Rprop::default()
        };
        for _ in 0..200 {
            {
                let g = grad(&p);
                r.step(&mut p, &g)
            }
            .unwrap();
            for &d in &flat(r.step_sizes().unwrap()) {
                assert!((0.01..=0.5).contains(&d));
            }
        }
    }

    #[test]
    fn invalid_settings_are_errors() {
        let mut p = unflat(&X0);
        let g = grad(&p);
        let mut r = Rprop::<P> {
            eta_minus: 1.5,
            ..Rprop::default()
        };
        assert!(r.step(&mut p, &g).is_err());
        assert_eq!(flat(&p), X0);
    }
}

#[cfg(test)]
mod full_batch {
    use super::*;
    use crate::optim::testutil::{tiny, tiny_loss, Tiny};

    /// iRprop⁻ is not a descent method: a step whose gradient signs flip can raise the loss
    /// (here first at step 16, from 0.190 to 0.196). Over the run the loss still falls by
    /// five orders of magnitude, and it falls over every window of 20 steps.
    #[test]
    fn reduces_the_full_batch_loss() {
        let mut net = tiny();
        let mut g = Tiny::zeros();
        let mut r = Rprop::<Tiny<f64>>::default();
        let mut losses = [0.0; 301];
        for l in &mut losses {
            *l = tiny_loss(&net, &mut g);
            r.step(&mut net, &g).unwrap();
        }
        assert!(
            losses[300] < 1e-5 * losses[0],
            "{} -> {}",
            losses[0],
            losses[300]
        );
        for w in losses.windows(21) {
            assert!(
                w[20] < w[0],
                "no decrease over 20 steps: {} -> {}",
                w[0],
                w[20]
            );
        }
        // and the running minimum is monotone by construction; the best loss after
        // 100 steps is already below 1% of the start
        let best = losses[..=100].iter().copied().fold(f64::INFINITY, f64::min);
        assert!(best < 0.01 * losses[0]);
    }
}
