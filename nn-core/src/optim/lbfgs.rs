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
//! 2. **Line search**: try `x + s d` with `s = 1` (with no history `s = min(1, 1/‖g‖)`, a
//!    first trial step of length at most 1) and halve `s` until the Armijo condition
//!    `L(x + s d) ≤ L(x) + c₁ s gᵀd` holds (`c₁ = 10⁻⁴`) with a finite loss and gradient.
//!    Since `gᵀd < 0`, an accepted step strictly decreases the loss. If the quasi-Newton
//!    direction finds no such `s` within `max_backtracks` halvings, steepest descent is
//!    tried the same way; if that fails too the parameters are left unchanged (the loss is
//!    at its minimum to rounding).
//! 3. **History**: the pair `(s, y)` is stored only if `sᵀy > ε_mach · yᵀy` (an Armijo step
//!    does not guarantee positive curvature, and `H` must stay positive definite); the
//!    oldest pair is dropped beyond `m` (default 10).
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

use super::{check_range, check_same, sqrt};
use crate::{Error, Parameters, Scalar};
use alloc::vec::Vec;

/// Limited-memory BFGS with a backtracking Armijo line search; see the [module](self).
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
            self.two_loop::<T>();
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
                f64::min(1.0, 1.0 / sqrt(gg))
            } else {
                1.0
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

    /// `d ← -H g` by the two-loop recursion.
    fn two_loop<T: Scalar>(&mut self)
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
        let newest = (self.head + m - 1) % m;
        let gamma = 1.0 / (self.rho[newest] * dot(&self.y[newest], &self.y[newest]));
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
mod tests {
    use super::*;
    use crate::optim::testutil::{
        assert_close, flat, grad_ref, loss_grad, loss_ref, unflat, N, P, X0,
    };
    use alloc::collections::VecDeque;

    fn dot(a: &[f64; N], b: &[f64; N]) -> f64 {
        (0..N).map(|k| a[k] * b[k]).sum()
    }

    /// L-BFGS with backtracking Armijo, written out on plain arrays from the spec.
    struct Reference {
        x: [f64; N],
        f: f64,
        g: [f64; N],
        hist: VecDeque<([f64; N], [f64; N])>, // (s, y), oldest first
    }

    impl Reference {
        fn new() -> Self {
            Self {
                x: X0,
                f: loss_ref(&X0),
                g: grad_ref(&X0),
                hist: VecDeque::new(),
            }
        }

        fn direction(&self) -> [f64; N] {
            let mut q = self.g;
            let mut a = [0.0; 10];
            for (j, (s, y)) in self.hist.iter().enumerate().rev() {
                a[j] = dot(s, &q) / dot(s, y);
                for k in 0..N {
                    q[k] -= a[j] * y[k];
                }
            }
            let (s, y) = self.hist.back().unwrap();
            let gamma = dot(s, y) / dot(y, y);
            for qk in &mut q {
                *qk *= gamma;
            }
            for (j, (s, y)) in self.hist.iter().enumerate() {
                let b = dot(y, &q) / dot(s, y);
                for k in 0..N {
                    q[k] += (a[j] - b) * s[k];
                }
            }
            q.map(|r| -r)
        }

        fn step(&mut self) {
            let gg = dot(&self.g, &self.g);
            let (mut d, mut t) = (self.g.map(|g| -g), f64::min(1.0, 1.0 / gg.sqrt()));
            if !self.hist.is_empty() {
                let qn = self.direction();
                if dot(&self.g, &qn) < 0.0 {
                    d = qn;
                    t = 1.0;
                } else {
                    self.hist.clear();
                }
            }
            let gd = dot(&self.g, &d);
            loop {
                let mut xn = self.x;
                for k in 0..N {
                    xn[k] += t * d[k];
                }
                let fnew = loss_ref(&xn);
                if fnew <= self.f + 1e-4 * t * gd {
                    let gn = grad_ref(&xn);
                    let mut s = [0.0; N];
                    let mut y = [0.0; N];
                    for k in 0..N {
                        s[k] = xn[k] - self.x[k];
                        y[k] = gn[k] - self.g[k];
                    }
                    if dot(&s, &y) > f64::EPSILON * dot(&y, &y) {
                        if self.hist.len() == 3 {
                            self.hist.pop_front();
                        }
                        self.hist.push_back((s, y));
                    }
                    (self.x, self.f, self.g) = (xn, fnew, gn);
                    return;
                }
                t *= 0.5;
            }
        }
    }

    #[test]
    fn five_steps_match_the_reference() {
        let mut p = unflat(&X0);
        let mut lbfgs = Lbfgs::with_memory(&p, 3).unwrap();
        let mut r = Reference::new();
        for _ in 0..5 {
            let f = lbfgs.minimize_step(&mut p, loss_grad).unwrap();
            r.step();
            assert_close(&flat(&p), &r.x, "lbfgs iterate");
            assert!((f - r.f).abs() <= 1e-10 * r.f.abs());
        }
        assert_eq!(lbfgs.steps(), 5);
        assert_eq!(lbfgs.len, 3); // the memory filled and wrapped around
    }

    #[test]
    fn converges_on_the_test_problem() {
        let mut p = unflat(&X0);
        let mut lbfgs = Lbfgs::new(&p);
        let mut last = f64::INFINITY;
        for _ in 0..60 {
            let f = lbfgs.minimize_step(&mut p, loss_grad).unwrap();
            assert!(f <= last);
            last = f;
        }
        let g = grad_ref(&flat(&p));
        assert!(dot(&g, &g).sqrt() < 1e-9);
    }

    #[test]
    fn falls_back_to_steepest_descent_on_a_bad_direction() {
        let mut p = unflat(&X0);
        let mut lbfgs = Lbfgs::with_memory(&p, 3).unwrap();
        lbfgs.minimize_step(&mut p, loss_grad).unwrap();
        lbfgs.minimize_step(&mut p, loss_grad).unwrap();
        // Corrupt the history so that H is negative definite: the direction ascends.
        for r in &mut lbfgs.rho {
            *r = -r.abs();
        }
        assert!(lbfgs.len > 0);
        let before = lbfgs.loss;
        let f = lbfgs.minimize_step(&mut p, loss_grad).unwrap();
        assert!(f < before);
        assert!(lbfgs.len <= 1); // the history was dropped
    }

    #[test]
    fn recomputes_after_the_parameters_change() {
        let mut p = unflat(&X0);
        let mut lbfgs = Lbfgs::new(&p);
        lbfgs.minimize_step(&mut p, loss_grad).unwrap();
        p.bias[1] += 1.0;
        let at = loss_ref(&flat(&p));
        let f = lbfgs.minimize_step(&mut p, loss_grad).unwrap();
        assert!(f < at);
    }

    #[test]
    fn stays_put_at_a_minimum() {
        let mut p = P::zeros();
        let mut lbfgs = Lbfgs::new(&p);
        let f = lbfgs
            .minimize_step(&mut p, |p, g| {
                g.fill(0.0);
                let _ = p;
                1.0
            })
            .unwrap();
        assert_eq!((f, lbfgs.steps(), flat(&p)), (1.0, 0, [0.0; N]));
    }

    #[test]
    fn reduces_a_full_batch_loss_monotonically() {
        use crate::optim::testutil::{tiny, tiny_loss, Tiny};
        let mut net = tiny();
        let mut lbfgs = Lbfgs::new(&net);
        let start = tiny_loss(&net, &mut Tiny::zeros());
        let mut last = start;
        for _ in 0..150 {
            let f = lbfgs.minimize_step(&mut net, tiny_loss).unwrap();
            assert!(f <= last, "loss rose from {last} to {f}");
            // and the returned loss is the loss at the new parameters
            assert_eq!(f, tiny_loss(&net, &mut Tiny::zeros()));
            last = f;
        }
        assert!(last < 1e-4 * start, "{start} -> {last}");
        assert!(lbfgs.steps() >= 100);
    }

    /// Every value of the state that a step may change, as bits: the history, the current
    /// point with its loss and gradient, the counters (not the scratch buffers, nor the
    /// evaluation count).
    fn state_bits(l: &Lbfgs<P>) -> alloc::vec::Vec<u64> {
        let mut out = alloc::vec::Vec::new();
        for p in l.s.iter().chain(&l.y).chain([&l.x, &l.g]) {
            out.extend(flat(p).map(f64::to_bits));
        }
        out.extend(l.rho.iter().map(|r| r.to_bits()));
        out.extend([
            l.loss.to_bits(),
            l.len as u64,
            l.head as u64,
            l.t,
            l.cached as u64,
        ]);
        out
    }

    /// Defect: a non-finite loss or gradient at the starting point overwrote the cached
    /// gradient and dropped the cache, so the failed step changed the optimizer's state.
    #[test]
    fn a_failed_step_changes_nothing_bit_for_bit() {
        for bad in ["loss", "gradient"] {
            let mut p = unflat(&X0);
            let mut lbfgs = Lbfgs::new(&p);
            for _ in 0..4 {
                lbfgs.minimize_step(&mut p, loss_grad).unwrap();
            }
            // Moved by hand, so the next step evaluates its starting point.
            p.bias[1] += 0.5;
            let (params, state) = (flat(&p).map(f64::to_bits), state_bits(&lbfgs));
            let err = lbfgs
                .minimize_step(&mut p, |p, g| {
                    let l = loss_grad(p, g);
                    if bad == "loss" {
                        f64::NAN
                    } else {
                        g.bias[0] = f64::INFINITY;
                        l
                    }
                })
                .unwrap_err();
            assert!(matches!(err, Error::NotFinite { .. }), "{bad}: {err:?}");
            assert_eq!(flat(&p).map(f64::to_bits), params, "{bad}: parameters");
            assert!(state_bits(&lbfgs) == state, "{bad}: state changed");
            // and it goes on from there
            assert!(lbfgs.minimize_step(&mut p, loss_grad).is_ok());
        }
    }
}
