//! L-BFGS without line search, step for step PyTorch's `LBFGS(line_search_fn=None)`.
//!
//! Iteration `k = 1, 2, …` at the point `x` with gradient `g = ∇L(x)`:
//!
//! ```text
//! if max |g| ≤ tolerance_grad:  stop (no step)
//! k = 1:  d ← -g,  t ← η min(1, 1/‖g‖₁)
//! k > 1:  y ← g - g_prev,  s ← t_prev d_prev
//!         if sᵀy > 10⁻¹⁰:  keep (s, y) (the oldest dropped beyond the memory),  γ ← sᵀy / yᵀy
//!         d ← -H g  (two-loop recursion over the kept pairs, H₀ = γI, γ = 1 before any pair)
//!         t ← η
//! if gᵀd > -tolerance_change:  stop (no step)
//! x ← x + t d
//! ```
//!
//! These are the operations of `torch.optim.LBFGS.step` in the same order (`s` is `t·d`, not a
//! difference of points; `γ` is `sᵀy / yᵀy`), so `f64` iterates agree with PyTorch's to
//! rounding: `tests/pytorch_conventions.rs` checks them to 1e-12 against trajectories
//! PyTorch produced. PyTorch's `step(closure)` runs up to `max_iter` (20) such iterations per
//! call and evaluates the closure once per iteration; its state carries over between calls,
//! so its sequence of points is the sequence of [`Lbfgs::minimize_step`] calls (one
//! iteration each) whatever `max_iter` is. Its other tests (`max_eval`, a loss change or a
//! step below `tolerance_change`) only end a call early; the next call continues from the
//! same state.
//!
//! Two ways to drive it:
//!
//! - [`Lbfgs::minimize_step`] with a closure `f(params, grads) -> loss`, as with a line
//!   search: one evaluation per iteration (the gradient at the new point is kept for the
//!   next);
//! - [`Optimizer::step`] with a gradient computed outside (any training loop that computes
//!   gradients itself): the gradient must be taken at the parameters the previous step left,
//!   as PyTorch's closure is.
//!
//! ```
//! use nn_core::{layer::Dense, optim::{Lbfgs, Optimizer}, Parameters};
//! // L = (w - 1)² + 10 (b + 2)²
//! let grad = |p: &Dense<f64, 1, 1>, g: &mut Dense<f64, 1, 1>| {
//!     g.weight[(0, 0)] = 2.0 * (p.weight[(0, 0)] - 1.0);
//!     g.bias[0] = 20.0 * (p.bias[0] + 2.0);
//!     (p.weight[(0, 0)] - 1.0).powi(2) + 10.0 * (p.bias[0] + 2.0).powi(2)
//! };
//! let mut p = Dense::<f64, 1, 1>::zeros();
//! let mut lbfgs = Lbfgs::fixed_step(&p, 1.0).unwrap();
//! for _ in 0..20 {
//!     lbfgs.minimize_step(&mut p, grad).unwrap();
//! }
//! assert!((p.weight[(0, 0)] - 1.0).abs() < 1e-6 && (p.bias[0] + 2.0).abs() < 1e-6);
//!
//! // the same iterates from gradients computed outside
//! let (mut q, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
//! let mut outside = Lbfgs::fixed_step(&q, 1.0).unwrap();
//! for _ in 0..20 {
//!     grad(&q, &mut g);
//!     outside.step(&mut q, &g).unwrap();
//! }
//! assert_eq!(q.bias[0], p.bias[0]);
//! ```

use super::Lbfgs;
use super::{all_finite, assign, axpy, dot, equal, l1_norm, scale, LineSearch};
use crate::optim::{check_same, Optimizer};
use crate::{Error, Parameters, Scalar};

/// PyTorch's threshold on `sᵀy` below which a pair is not kept.
const MIN_CURVATURE: f64 = 1e-10;

impl<P> Lbfgs<P> {
    /// L-BFGS without line search with step length `lr`, and otherwise PyTorch's
    /// `LBFGS(lr=lr, line_search_fn=None)` defaults: memory 100 (`history_size`),
    /// `tolerance_grad = 10⁻⁷`, `tolerance_change = 10⁻⁹`. Allocates every buffer now.
    /// Fails unless `lr` is finite and positive.
    ///
    /// ```
    /// use nn_core::optim::{lbfgs::LineSearch, Lbfgs};
    /// let p = nn_core::layer::Dense::<f64, 3, 1>::zeros();
    /// let lbfgs = Lbfgs::fixed_step(&p, 0.5).unwrap();
    /// assert_eq!((lbfgs.memory(), lbfgs.lr, lbfgs.line_search), (100, 0.5, LineSearch::Fixed));
    /// assert_eq!((lbfgs.tolerance_grad, lbfgs.tolerance_change), (1e-7, 1e-9));
    /// assert!(Lbfgs::fixed_step(&p, 0.0).is_err());
    /// ```
    pub fn fixed_step<T: Scalar>(params: &P, lr: f64) -> Result<Self, Error>
    where
        P: Parameters<T> + Clone,
    {
        let mut lbfgs = Self::alloc::<T>(params, 100);
        lbfgs.line_search = LineSearch::Fixed;
        lbfgs.lr = lr;
        lbfgs.tolerance_grad = 1e-7;
        lbfgs.tolerance_change = 1e-9;
        lbfgs.validate::<T>(params)?;
        Ok(lbfgs)
    }

    /// [`minimize_step`](Lbfgs::minimize_step) without line search.
    pub(super) fn minimize_fixed<T: Scalar>(
        &mut self,
        params: &mut P,
        mut loss: impl FnMut(&P, &mut P) -> f64,
    ) -> Result<f64, Error>
    where
        P: Parameters<T>,
    {
        self.enter_mode(LineSearch::Fixed);
        // While cached: `g_trial` = ∇L(x), `g` = ∇L at the previous iterate.
        if !(self.cached && equal(params, &self.x)) {
            let f0 = loss(params, &mut self.g_trial);
            self.evaluations += 1;
            if !f0.is_finite() || !all_finite(&self.g_trial) {
                self.cached = false;
                return Err(Error::NotFinite {
                    what: "loss or gradient at the starting point",
                });
            }
            assign(&mut self.x, params);
            self.loss = f0;
            self.cached = true;
        }
        if !self.fixed_iteration::<T>(params) {
            return Ok(self.loss);
        }
        let f = loss(params, &mut self.g_trial);
        self.evaluations += 1;
        if !f.is_finite() || !all_finite(&self.g_trial) {
            assign(params, &self.x);
            self.reset();
            return Err(Error::NotFinite {
                what: "loss or gradient after a fixed-length L-BFGS step (try a smaller lr); \
                       the parameters were put back and the history dropped",
            });
        }
        assign(&mut self.x, params);
        self.loss = f;
        Ok(f)
    }

    /// One iteration with the gradient at `params` in `g_trial` (and the previous iterate's
    /// in `g`); returns whether `params` moved.
    fn fixed_iteration<T: Scalar>(&mut self, params: &mut P) -> bool
    where
        P: Parameters<T>,
    {
        if max_abs(&self.g_trial) <= self.tolerance_grad {
            return false;
        }
        self.iterations += 1;
        core::mem::swap(&mut self.g, &mut self.g_trial); // g: now, g_trial: previous
        if self.iterations == 1 {
            self.len = 0;
            self.head = 0;
            self.h_diag = 1.0;
            assign(&mut self.d, &self.g);
            scale(&mut self.d, -T::one());
        } else {
            self.keep_pair::<T>();
            self.two_loop::<T>(self.h_diag);
        }
        self.step_len = if self.iterations == 1 {
            f64::min(1.0, 1.0 / l1_norm(&self.g)) * self.lr
        } else {
            self.lr
        };
        if dot(&self.g, &self.d) > -self.tolerance_change {
            // No step: the gradient at `params` stays the current one (PyTorch evaluates
            // it again at the same point next time).
            assign(&mut self.g_trial, &self.g);
            return false;
        }
        axpy(params, T::of(self.step_len), &self.d);
        self.t += 1;
        true
    }

    /// `y = g - g_prev`, `s = t_prev d_prev`: kept when `sᵀy > 10⁻¹⁰`, with `γ ← sᵀy / yᵀy`.
    fn keep_pair<T: Scalar>(&mut self)
    where
        P: Parameters<T>,
    {
        let t = T::of(self.step_len);
        let (mut ys, mut yy) = (0.0, 0.0);
        for i in (0..self.g.tensor_count()).filter(|&i| self.g.is_trainable(i)) {
            if let (Some(g), Some(gp), Some(d)) =
                (self.g.tensor(i), self.g_trial.tensor(i), self.d.tensor(i))
            {
                for ((&g, &gp), &d) in g.iter().zip(gp).zip(d) {
                    let y = (g - gp).to_f64();
                    ys += y * (d * t).to_f64();
                    yy += y * y;
                }
            }
        }
        let keep = ys > MIN_CURVATURE; // false for NaN too
        if !keep {
            return;
        }
        let k = self.head;
        for i in (0..self.g.tensor_count()).filter(|&i| self.g.is_trainable(i)) {
            if let (Some(s), Some(d)) = (self.s[k].tensor_mut(i), self.d.tensor(i)) {
                s.iter_mut().zip(d).for_each(|(s, &d)| *s = d * t);
            }
            if let (Some(y), Some(g), Some(gp)) = (
                self.y[k].tensor_mut(i),
                self.g.tensor(i),
                self.g_trial.tensor(i),
            ) {
                for ((y, &g), &gp) in y.iter_mut().zip(g).zip(gp) {
                    *y = g - gp;
                }
            }
        }
        self.rho[k] = 1.0 / ys;
        self.h_diag = ys / yy;
        self.head = (self.head + 1) % self.s.len();
        self.len = usize::min(self.len + 1, self.s.len());
    }

    /// Starts afresh when the line search setting changed since the last step (the cached
    /// gradients mean different things in the two modes).
    pub(super) fn enter_mode(&mut self, mode: LineSearch) {
        if self.mode != mode {
            self.reset();
            self.mode = mode;
        }
    }
}

/// `max_k |a_k|` in `f64`.
fn max_abs<T: Scalar, P: Parameters<T>>(a: &P) -> f64 {
    let mut m = 0.0f64;
    for i in (0..a.tensor_count()).filter(|&i| a.is_trainable(i)) {
        if let Some(a) = a.tensor(i) {
            m = a.iter().fold(m, |m, a| m.max(a.to_f64().abs()));
        }
    }
    m
}

/// A step from a gradient computed outside, which only L-BFGS without line search can take
/// (a line search evaluates the loss itself): see the [module](self).
impl<T: Scalar, P: Parameters<T> + Clone> Optimizer<T, P> for Lbfgs<P> {
    /// One iteration with `grads = ∇L(params)`. Fails, changing nothing, with a line search
    /// set ([`Error::OutOfOrder`]: use [`Lbfgs::minimize_step`] or
    /// [`Lbfgs::fixed_step`]), on a setting out of range, a gradient of another shape or a
    /// non-finite gradient.
    fn step(&mut self, params: &mut P, grads: &P) -> Result<(), Error> {
        if self.line_search != LineSearch::Fixed {
            return Err(Error::OutOfOrder {
                call: "Optimizer::step on L-BFGS with a line search",
                expected: "`line_search = LineSearch::Fixed` (`Lbfgs::fixed_step`) first, or \
                           `minimize_step` with a loss closure",
            });
        }
        self.validate::<T>(params)?;
        check_same(params, grads, "gradient values")?;
        if !all_finite(grads) {
            return Err(Error::NotFinite { what: "gradient" });
        }
        self.enter_mode(LineSearch::Fixed);
        self.cached = false; // the closure's cache does not follow outside steps
        assign(&mut self.g_trial, grads);
        self.fixed_iteration::<T>(params);
        Ok(())
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn reset(&mut self) {
        Lbfgs::reset(self);
    }
    fn learning_rate(&self) -> Option<f64> {
        Some(self.lr)
    }
    /// Sets the step length `η` (PyTorch's `lr`), finite and positive.
    fn set_learning_rate(&mut self, lr: f64) -> Result<(), Error> {
        if !(lr > 0.0 && lr <= f64::MAX) {
            return Err(Error::InvalidConfig {
                what: "L-BFGS step length lr",
                expected: "a finite value > 0",
                found: lr,
            });
        }
        self.lr = lr;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testutil::{flat, grad, loss_grad, unflat, P, X0};

    #[test]
    fn the_closure_and_outside_gradients_give_the_same_iterates() {
        let mut a = unflat(&X0);
        let mut b = unflat(&X0);
        let mut la = Lbfgs::fixed_step(&a, 0.8).unwrap();
        let mut lb = Lbfgs::fixed_step(&b, 0.8).unwrap();
        for _ in 0..15 {
            la.minimize_step(&mut a, loss_grad).unwrap();
            let g = grad(&b);
            lb.step(&mut b, &g).unwrap();
            assert_eq!(flat(&a), flat(&b));
        }
        // 10 steps, then gᵀd is above -tolerance_change: both stay where they are
        assert_eq!((la.steps(), lb.steps()), (10, 10));
        assert_eq!(la.evaluations(), 11); // one per step, plus the start
    }

    #[test]
    fn the_first_step_is_scaled_by_the_l1_norm() {
        let mut p = unflat(&X0);
        let g = grad(&p);
        let l1: f64 = flat(&g).iter().map(|g| g.abs()).sum();
        assert!(l1 > 1.0);
        let mut lbfgs = Lbfgs::fixed_step(&p, 0.5).unwrap();
        lbfgs.step(&mut p, &g).unwrap();
        for ((x, x0), g) in flat(&p).iter().zip(X0).zip(flat(&g)) {
            assert!((x - (x0 - 0.5 / l1 * g)).abs() < 1e-15);
        }
    }

    #[test]
    fn stops_where_the_gradient_is_below_tolerance() {
        let mut p = P::zeros();
        let mut lbfgs = Lbfgs::fixed_step(&p, 1.0).unwrap();
        let mut g = P::zeros();
        g.fill(1e-8);
        lbfgs.step(&mut p, &g).unwrap();
        assert_eq!((flat(&p), lbfgs.steps()), ([0.0; 6], 0));
    }

    #[test]
    fn a_line_search_needs_the_closure_and_bad_input_is_refused() {
        let mut p = unflat(&X0);
        let g = grad(&p);
        let mut armijo = Lbfgs::new(&p);
        assert!(matches!(
            armijo.step(&mut p, &g),
            Err(Error::OutOfOrder { .. })
        ));
        let mut fixed = Lbfgs::fixed_step(&p, 1.0).unwrap();
        let mut nan = g.clone();
        nan.bias[0] = f64::NAN;
        assert!(matches!(
            fixed.step(&mut p, &nan),
            Err(Error::NotFinite { .. })
        ));
        fixed.lr = -1.0;
        assert!(matches!(
            fixed.step(&mut p, &g),
            Err(Error::InvalidConfig { .. })
        ));
        assert_eq!(flat(&p), X0);
    }

    #[test]
    fn a_diverging_step_puts_the_parameters_back() {
        let mut p = unflat(&X0);
        let mut lbfgs = Lbfgs::fixed_step(&p, 1.0).unwrap();
        let mut calls = 0;
        let r = lbfgs.minimize_step(&mut p, |p, g| {
            calls += 1;
            if calls == 1 {
                loss_grad(p, g)
            } else {
                f64::INFINITY
            }
        });
        assert!(matches!(r, Err(Error::NotFinite { .. })));
        assert_eq!((flat(&p), lbfgs.steps()), (X0, 0));
    }
}
