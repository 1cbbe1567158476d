//! L-BFGS for full-batch learning (the lecture's default for small data), with a
//! backtracking Armijo line search.
//!
//! One step from `x` with gradient `g = ∇L(x)`:
//!
//! 1. **Direction** `d = -H g` by the two-loop recursion over the last `m` pairs
//!    `s_i = x_{i+1} - x_i`, `y_i = ∇L(x_{i+1}) - ∇L(x_i)`, `ρ_i = 1/(s_iᵀy_i)`:
//!
//!    ```text
//!    q ← g
//!    for i = newest … oldest:  a_i ← ρ_i s_iᵀq;   q ← q - a_i y_i
//!    r ← γ q,   γ = s_kᵀy_k / y_kᵀy_k  (newest pair; γ = 1 without history)
//!    for i = oldest … newest:  b ← ρ_i y_iᵀr;     r ← r + (a_i - b) s_i
//!    d ← -r
//!    ```
//!
//!    If `gᵀd` is not negative (not a descent direction, e.g. after rounding), the history
//!    is dropped and `d = -g` (steepest descent).
//! 2. **Line search**: try `x + s d` with `s = η` (the `lr`, 1 by default; with no history
//!    `s = η min(1, 1/‖g‖₁)`, PyTorch's first trial step) and halve `s` until the Armijo condition
//!    `L(x + s d) ≤ L(x) + c₁ s gᵀd` holds (`c₁ = 10⁻⁴`) with a finite loss and gradient.
//!    Since `gᵀd < 0`, an accepted step strictly decreases the loss. If the quasi-Newton
//!    direction finds no such `s` within `max_backtracks` halvings, steepest descent is
//!    tried the same way; if that fails too the parameters are left unchanged (the loss is
//!    at its minimum to rounding).
//! 3. **History**: the pair `(s, y)` is stored only if `sᵀy > ε_mach · yᵀy` (an Armijo step
//!    does not guarantee positive curvature, and `H` must stay positive definite); the
//!    oldest pair is dropped beyond `m` (default 10).
//!
//! **Without line search** ([`LineSearch::Fixed`], made by [`Lbfgs::fixed_step`]) every
//! step has the fixed length `η` (the first `η min(1, 1/‖g‖₁)`), exactly as PyTorch's
//! `LBFGS(line_search_fn=None)`: pairs are kept when `sᵀy > 10⁻¹⁰` with `s = t·d`, `γ` is
//! that of the newest kept pair, and no step is taken while `max |g| ≤ tolerance_grad` or
//! `gᵀd > -tolerance_change`. Such a step needs only the gradient, so it also runs from
//! gradients computed outside, through [`Optimizer::step`](super::Optimizer::step); see
//! [`fixed`] for the correspondence with PyTorch.
//!
//! The loss is evaluated through a closure `f(params, grads) -> loss` that writes `∇L`
//! into `grads`; it must be the full-batch loss (deterministic), or the line search is
//! meaningless. Every buffer (`2m` history tensors, the current point, two gradients, the
//! direction) is allocated once by [`Lbfgs::new`]; a step allocates nothing.
//!
//! ```
//! use nn_core::{layer::Dense, optim::Lbfgs, Parameters};
//! // Rosenbrock in (w, b): L = (1 - w)² + 100 (b - w²)²
//! let mut p = Dense::<f64, 1, 1>::zeros();
//! p.weight[(0, 0)] = -1.2;
//! p.bias[0] = 1.0;
//! let rosenbrock = |p: &Dense<f64, 1, 1>, g: &mut Dense<f64, 1, 1>| {
//!     let (w, b) = (p.weight[(0, 0)], p.bias[0]);
//!     g.weight[(0, 0)] = -2.0 * (1.0 - w) - 400.0 * w * (b - w * w);
//!     g.bias[0] = 200.0 * (b - w * w);
//!     (1.0 - w).powi(2) + 100.0 * (b - w * w).powi(2)
//! };
//! let mut lbfgs = Lbfgs::new(&p);
//! let mut last = f64::INFINITY;
//! for _ in 0..100 {
//!     let loss = lbfgs.minimize_step(&mut p, rosenbrock).unwrap();
//!     assert!(loss <= last); // monotone
//!     last = loss;
//! }
//! assert!(last < 1e-12);
//! assert!((p.weight[(0, 0)] - 1.0).abs() < 1e-5);
//! ```

use super::{check_range, check_same};
use crate::{Error, Parameters, Scalar};
use alloc::vec::Vec;

pub mod fixed;

/// How [`Lbfgs`] chooses the length of a step along its direction.
///
/// ```
/// use nn_core::optim::{lbfgs::LineSearch, Lbfgs};
/// let p = nn_core::layer::Dense::<f64, 2, 1>::zeros();
/// assert_eq!(Lbfgs::new(&p).line_search, LineSearch::Armijo);
/// assert_eq!(Lbfgs::fixed_step(&p, 0.5).unwrap().line_search, LineSearch::Fixed);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LineSearch {
    /// Backtracking until the Armijo condition holds: every step decreases the loss.
    #[default]
    Armijo,
    /// No line search: the step length is `lr` (PyTorch's `line_search_fn=None`).
    Fixed,
}

/// Limited-memory BFGS with a backtracking Armijo line search, or without line search as
/// PyTorch by default ([`Lbfgs::fixed_step`]); see the [module](self).
///
/// ```
/// use nn_core::{layer::Dense, optim::Lbfgs};
/// let p = Dense::<f32, 4, 2>::zeros();
/// let lbfgs = Lbfgs::new(&p);
/// assert_eq!((lbfgs.memory(), lbfgs.c1, lbfgs.shrink), (10, 1e-4, 0.5));
/// ```
#[derive(Clone, Debug)]
pub struct Lbfgs<P> {
    /// `c₁` of the Armijo condition, in `(0, 1)`.
    pub c1: f64,
    /// The factor the trial step is multiplied by after a rejection, in `(0, 1)`.
    pub shrink: f64,
    /// How many times a direction's trial step is shrunk before giving up on it.
    pub max_backtracks: u32,
    /// Backtracking ([`LineSearch::Armijo`], the default) or a fixed step length.
    pub line_search: LineSearch,
    /// The step length `η` (PyTorch's `lr`): the first trial step with a line search, the
    /// step without; finite and positive, 1 by default.
    pub lr: f64,
    /// Without line search, no step is taken while `max |g| ≤ tolerance_grad` (PyTorch's
    /// `tolerance_grad`, `10⁻⁷` for [`Lbfgs::fixed_step`], 0 otherwise).
    pub tolerance_grad: f64,
    /// Without line search, no step is taken while `gᵀd > -tolerance_change` (PyTorch's
    /// `tolerance_change`, `10⁻⁹` for [`Lbfgs::fixed_step`], 0 otherwise).
    pub tolerance_change: f64,
    s: Vec<P>,
    y: Vec<P>,
    rho: Vec<f64>,
    a: Vec<f64>,
    /// How many pairs are stored.
    len: usize,
    /// Where the next pair goes.
    head: usize,
    /// The current point (the start of the next line search).
    x: P,
    /// `∇L(x)`.
    g: P,
    /// The gradient at a trial point.
    g_trial: P,
    /// The search direction.
    d: P,
    /// `L(x)`, valid when `cached`.
    loss: f64,
    cached: bool,
    t: u64,
    evaluations: u64,
    /// Without line search: `γ` of the newest kept pair (1 before any), as PyTorch's `H_diag`.
    h_diag: f64,
    /// Without line search: the length of the last step along `d`.
    step_len: f64,
    /// Without line search: iterations begun (PyTorch's `n_iter`), moving or not.
    iterations: u64,
    /// The setting the state was built under.
    mode: LineSearch,
}

impl<P> Lbfgs<P> {
    /// L-BFGS with memory `m = 10` for parameters shaped like `params` (only the shape is
    /// used). Allocates every buffer now.
    ///
    /// ```
    /// let lbfgs = nn_core::optim::Lbfgs::new(&nn_core::layer::Dense::<f64, 3, 1>::zeros());
    /// assert_eq!(lbfgs.steps(), 0);
    /// ```
    pub fn new<T: Scalar>(params: &P) -> Self
    where
        P: Parameters<T> + Clone,
    {
        Self::alloc::<T>(params, 10)
    }

    /// L-BFGS keeping the last `memory` pairs `(s, y)` (at least 1).
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Lbfgs};
    /// let p = Dense::<f64, 3, 1>::zeros();
    /// assert_eq!(Lbfgs::with_memory(&p, 5).unwrap().memory(), 5);
    /// assert!(Lbfgs::with_memory(&p, 0).is_err());
    /// ```
    pub fn with_memory<T: Scalar>(params: &P, memory: usize) -> Result<Self, Error>
    where
        P: Parameters<T> + Clone,
    {
        if memory == 0 {
            return Err(Error::InvalidConfig {
                what: "L-BFGS memory",
                expected: "at least 1 pair",
                found: 0.0,
            });
        }
        Ok(Self::alloc::<T>(params, memory))
    }

    fn alloc<T: Scalar>(params: &P, memory: usize) -> Self
    where
        P: Parameters<T> + Clone,
    {
        let zero = || {
            let mut z = params.clone();
            z.fill(T::zero());
            z
        };
        Self {
            c1: 1e-4,
            shrink: 0.5,
            max_backtracks: 50,
            line_search: LineSearch::Armijo,
            lr: 1.0,
            tolerance_grad: 0.0,
            tolerance_change: 0.0,
            s: (0..memory).map(|_| zero()).collect(),
            y: (0..memory).map(|_| zero()).collect(),
            rho: alloc::vec![0.0; memory],
            a: alloc::vec![0.0; memory],
            len: 0,
            head: 0,
            x: zero(),
            g: zero(),
            g_trial: zero(),
            d: zero(),
            loss: f64::NAN,
            cached: false,
            t: 0,
            evaluations: 0,
            h_diag: 1.0,
            step_len: 0.0,
            iterations: 0,
            mode: LineSearch::Armijo,
        }
    }

    /// How many pairs `(s, y)` are kept.
    ///
    /// ```
    /// let p = nn_core::layer::Dense::<f64, 1, 1>::zeros();
    /// assert_eq!(nn_core::optim::Lbfgs::new(&p).memory(), 10);
    /// ```
    pub fn memory(&self) -> usize {
        self.s.len()
    }

    /// How many steps have moved the parameters.
    ///
    /// ```
    /// let p = nn_core::layer::Dense::<f64, 1, 1>::zeros();
    /// assert_eq!(nn_core::optim::Lbfgs::new(&p).steps(), 0);
    /// ```
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// How many times the loss closure has been called.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Lbfgs};
    /// let mut p = Dense::<f64, 1, 1>::zeros();
    /// let mut lbfgs = Lbfgs::new(&p);
    /// // L = (b - 1)²: the first trial step (length 1 along -g) hits the minimum exactly
    /// lbfgs.minimize_step(&mut p, |p, g| { g.bias[0] = 2.0 * (p.bias[0] - 1.0); (p.bias[0] - 1.0).powi(2) }).unwrap();
    /// assert_eq!((lbfgs.evaluations(), p.bias[0]), (2, 1.0));
    /// ```
    pub fn evaluations(&self) -> u64 {
        self.evaluations
    }

    /// Forgets the history and the cached loss and gradient (keeping the memory).
    ///
    /// ```
    /// let p = nn_core::layer::Dense::<f64, 1, 1>::zeros();
    /// let mut lbfgs = nn_core::optim::Lbfgs::new(&p);
    /// lbfgs.reset();
    /// assert_eq!(lbfgs.steps(), 0);
    /// ```
    pub fn reset(&mut self) {
        self.len = 0;
        self.head = 0;
        self.cached = false;
        self.t = 0;
        self.h_diag = 1.0;
        self.step_len = 0.0;
        self.iterations = 0;
    }

    fn validate<T: Scalar>(&self, params: &P) -> Result<(), Error>
    where
        P: Parameters<T>,
    {
        check_range(
            "L-BFGS c1",
            "a value in (0, 1)",
            self.c1,
            f64::MIN_POSITIVE,
            1.0,
            false,
        )?;
        check_range(
            "L-BFGS shrink",
            "a factor in (0, 1)",
            self.shrink,
            f64::MIN_POSITIVE,
            1.0,
            false,
        )?;
        check_range(
            "L-BFGS lr",
            "a finite value > 0",
            self.lr,
            f64::MIN_POSITIVE,
            f64::MAX,
            true,
        )?;
        check_range(
            "L-BFGS tolerance_grad",
            "a value >= 0",
            self.tolerance_grad,
            0.0,
            f64::INFINITY,
            true,
        )?;
        check_range(
            "L-BFGS tolerance_change",
            "a value >= 0",
            self.tolerance_change,
            0.0,
            f64::INFINITY,
            true,
        )?;
        check_same(&self.x, params, "parameter values")
    }

    /// One L-BFGS iteration: direction, line search, history update. `loss(params, grads)`
    /// must return the full-batch loss at `params` and write its gradient into `grads`.
    /// Returns the loss at the new `params`, never above the loss at the old ones.
    ///
    /// The loss and gradient at the accepted point are kept for the next call, so a step
    /// usually costs one evaluation (more when the line search backtracks); they are
    /// recomputed if `params` were changed in between.
    ///
    /// Fails, changing nothing (neither `params` nor the history, the current point or its
    /// cached loss and gradient; only [`evaluations`](Self::evaluations) counts the call),
    /// on a setting out of range, parameters of another shape, or a non-finite loss or
    /// gradient at the starting point ([`Error::NotFinite`]). Trial points of the line
    /// search with a non-finite loss or gradient are rejected like any other, so they are
    /// not errors.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Lbfgs, Error};
    /// let mut p = Dense::<f64, 1, 1>::zeros();
    /// let mut lbfgs = Lbfgs::new(&p);
    /// let r = lbfgs.minimize_step(&mut p, |_, _| f64::NAN);
    /// assert!(matches!(r, Err(Error::NotFinite { .. })));
    /// ```
    pub fn minimize_step<T: Scalar>(
        &mut self,
        params: &mut P,
        mut loss: impl FnMut(&P, &mut P) -> f64,
    ) -> Result<f64, Error>
    where
        P: Parameters<T>,
    {
        self.validate::<T>(params)?;
        if self.line_search == LineSearch::Fixed {
            return self.minimize_fixed::<T>(params, loss);
        }
        self.enter_mode(LineSearch::Armijo);
        if !(self.cached && equal(params, &self.x)) {
            // Into the scratch gradient, so that a failure leaves the state as it was.
            let f0 = loss(params, &mut self.g_trial);
            self.evaluations += 1;
            if !f0.is_finite() {
                return Err(Error::NotFinite {
                    what: "loss at the starting point",
                });
            }
            if !all_finite(&self.g_trial) {
                return Err(Error::NotFinite {
                    what: "gradient at the starting point",
                });
            }
            core::mem::swap(&mut self.g, &mut self.g_trial);
            assign(&mut self.x, params);
            self.loss = f0;
            self.cached = true;
        }
        let gg = dot(&self.g, &self.g);
        if gg == 0.0 {
            return Ok(self.loss); // stationary point
        }

        let mut steepest = self.len == 0;
        if !steepest {
            let newest = (self.head + self.s.len() - 1) % self.s.len();
            let gamma = 1.0 / (self.rho[newest] * dot(&self.y[newest], &self.y[newest]));
            self.two_loop::<T>(gamma);
        }
        loop {
            let mut gd = if steepest { -gg } else { dot(&self.g, &self.d) };
            let descent = gd < 0.0 && gd.is_finite();
            if steepest || !descent {
                // Not a descent direction (or no history): steepest descent, gᵀd = -‖g‖².
                steepest = true;
                gd = -gg;
                self.len = 0;
                self.head = 0;
                assign(&mut self.d, &self.g);
                scale(&mut self.d, -T::one());
            }
            let mut step = if steepest {
                self.lr * f64::min(1.0, 1.0 / l1_norm(&self.g))
            } else {
                self.lr
            };
            for _ in 0..=self.max_backtracks {
                assign(params, &self.x);
                axpy(params, T::of(step), &self.d);
                let f = loss(params, &mut self.g_trial);
                self.evaluations += 1;
                if f.is_finite()
                    && f <= self.loss + self.c1 * step * gd
                    && all_finite(&self.g_trial)
                {
                    self.accept::<T>(params, f);
                    return Ok(f);
                }
                step *= self.shrink;
            }
            if steepest {
                // No decrease along -g at any tried length: stay.
                assign(params, &self.x);
                return Ok(self.loss);
            }
            steepest = true;
        }
    }

    /// `d ← -H g` by the two-loop recursion, with `H₀ = γI`.
    fn two_loop<T: Scalar>(&mut self, gamma: f64)
    where
        P: Parameters<T>,
    {
        let m = self.s.len();
        assign(&mut self.d, &self.g);
        for k in 0..self.len {
            let i = (self.head + m - 1 - k) % m; // newest first
            let a = self.rho[i] * dot(&self.s[i], &self.d);
            self.a[i] = a;
            axpy(&mut self.d, T::of(-a), &self.y[i]);
        }
        scale(&mut self.d, T::of(gamma));
        for k in (0..self.len).rev() {
            let i = (self.head + m - 1 - k) % m; // oldest first
            let b = self.rho[i] * dot(&self.y[i], &self.d);
            axpy(&mut self.d, T::of(self.a[i] - b), &self.s[i]);
        }
        scale(&mut self.d, -T::one());
    }

    /// Moves to the accepted point `params` with loss `f` (gradient in `g_trial`) and stores
    /// the pair `(s, y)` if its curvature is positive.
    fn accept<T: Scalar>(&mut self, params: &P, f: f64)
    where
        P: Parameters<T>,
    {
        let (sy, yy) = curvature(params, &self.x, &self.g_trial, &self.g);
        if sy > f64::EPSILON * yy && sy.is_finite() {
            let i = self.head;
            set_diff(&mut self.s[i], params, &self.x);
            set_diff(&mut self.y[i], &self.g_trial, &self.g);
            self.rho[i] = 1.0 / sy;
            self.head = (self.head + 1) % self.s.len();
            self.len = usize::min(self.len + 1, self.s.len());
        }
        assign(&mut self.x, params);
        core::mem::swap(&mut self.g, &mut self.g_trial);
        self.loss = f;
        self.t += 1;
    }
}

/// `Σ a_k b_k` in `f64`.
fn dot<T: Scalar, P: Parameters<T>>(a: &P, b: &P) -> f64 {
    let mut sum = 0.0;
    for i in (0..a.tensor_count()).filter(|&i| a.is_trainable(i)) {
        if let (Some(a), Some(b)) = (a.tensor(i), b.tensor(i)) {
            sum += a
                .iter()
                .zip(b)
                .map(|(a, b)| a.to_f64() * b.to_f64())
                .sum::<f64>();
        }
    }
    sum
}

/// `Σ |a_k|` in `f64`.
fn l1_norm<T: Scalar, P: Parameters<T>>(a: &P) -> f64 {
    let mut sum = 0.0;
    for i in (0..a.tensor_count()).filter(|&i| a.is_trainable(i)) {
        if let Some(a) = a.tensor(i) {
            sum += a.iter().map(|a| a.to_f64().abs()).sum::<f64>();
        }
    }
    sum
}

/// `(Σ (x1 - x0)(g1 - g0), Σ (g1 - g0)²)` without storing the differences.
fn curvature<T: Scalar, P: Parameters<T>>(x1: &P, x0: &P, g1: &P, g0: &P) -> (f64, f64) {
    let (mut sy, mut yy) = (0.0, 0.0);
    for i in (0..x1.tensor_count()).filter(|&i| x1.is_trainable(i)) {
        if let (Some(x1), Some(x0), Some(g1), Some(g0)) =
            (x1.tensor(i), x0.tensor(i), g1.tensor(i), g0.tensor(i))
        {
            for (((x1, x0), g1), g0) in x1.iter().zip(x0).zip(g1).zip(g0) {
                let s = (*x1 - *x0).to_f64();
                let y = (*g1 - *g0).to_f64();
                sy += s * y;
                yy += y * y;
            }
        }
    }
    (sy, yy)
}

/// `y ← y + a x`.
fn axpy<T: Scalar, P: Parameters<T>>(y: &mut P, a: T, x: &P) {
    y.zip_mut(x, |info, y, x| {
        if info.kind.is_trainable() {
            y.iter_mut().zip(x).for_each(|(y, &x)| *y += a * x)
        }
    });
}

/// `p ← a p`.
fn scale<T: Scalar, P: Parameters<T>>(p: &mut P, a: T) {
    p.visit_mut(|_, v| v.iter_mut().for_each(|x| *x *= a));
}

/// `dst ← src`.
fn assign<T: Scalar, P: Parameters<T>>(dst: &mut P, src: &P) {
    dst.zip_mut(src, |_, d, s| d.copy_from_slice(s));
}

/// `dst ← a - b`.
fn set_diff<T: Scalar, P: Parameters<T>>(dst: &mut P, a: &P, b: &P) {
    for i in (0..a.tensor_count()).filter(|&i| a.is_trainable(i)) {
        if let (Some(d), Some(a), Some(b)) = (dst.tensor_mut(i), a.tensor(i), b.tensor(i)) {
            for ((d, &a), &b) in d.iter_mut().zip(a).zip(b) {
                *d = a - b;
            }
        }
    }
}

fn equal<T: Scalar, P: Parameters<T>>(a: &P, b: &P) -> bool {
    (0..a.tensor_count()).all(|i| a.tensor(i) == b.tensor(i))
}

fn all_finite<T: Scalar, P: Parameters<T>>(p: &P) -> bool {
    (0..p.tensor_count()).all(|i| {
        p.tensor(i)
            .is_none_or(|v| v.iter().all(|x| x.to_f64().is_finite()))
    })
}

#[cfg(test)]
mod tests;
