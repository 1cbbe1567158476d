//! Adam (Kingma & Ba, arXiv:1412.6980), exactly the lecture's Algorithm 1, element-wise:
//!
//! ```text
//! t  ← t + 1
//! g  ← ∇_θ f_t(θ_{t-1})
//! m  ← β₁ m + (1 - β₁) g          (biased first moment)
//! v  ← β₂ v + (1 - β₂) g²         (biased second raw moment)
//! m̂ ← m / (1 - β₁ᵗ)              (bias-corrected)
//! v̂ ← v / (1 - β₂ᵗ)
//! θ  ← θ - α m̂ / (√v̂ + ε)
//! ```
//!
//! Defaults are the lecture's: `α = 0.001`, `β₁ = 0.9`, `β₂ = 0.999`, `ε = 10⁻⁸`. `m` and
//! `v` start at 0 and are values of the parameters' type, created on the first step. This
//! is the algorithm as written (ε added to `√v̂`), not the paper's "more efficient" reordering
//! with `ε̂`. At `t = 1`, `m̂ = g`, so the first step is `-α g/(|g| + ε) ≈ -α sign(g)`.
//!
//! ```
//! use nn_core::{layer::Dense, optim::Adam, Parameters};
//! let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
//! g.fill(-250.0);
//! let mut adam = Adam::default();
//! adam.step(&mut w, &g).unwrap();
//! assert!((w.bias[0] - 0.001).abs() < 1e-12); // ≈ α, whatever the gradient's scale
//! ```

use super::{check_range, check_same, powf, sqrt, zeros_like, Optimizer};
use crate::{Error, Parameters, Scalar};

/// Adam with the lecture's Algorithm 1.
///
/// ```
/// use nn_core::optim::Adam;
/// let adam = Adam::<nn_core::layer::Dense<f32, 2, 2>>::default();
/// assert_eq!((adam.alpha, adam.beta1, adam.beta2, adam.eps), (0.001, 0.9, 0.999, 1e-8));
/// ```
pub type Adam<P> = AdamLike<P, false>;

/// The state and settings shared by [`Adam`] (`NESTEROV = false`) and
/// [`Nadam`](super::Nadam) (`true`), which differ only in the parameter update.
#[derive(Clone, Debug)]
pub struct AdamLike<P, const NESTEROV: bool> {
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
    /// The tensors of a step shared by threads ([`Optimizer::step_parts`]); kept so a step
    /// allocates nothing.
    views: Views,
}

/// Each trained tensor of one step as the addresses of its values, gradient, `m` and `v`
/// and its length (valid during that step only).
#[derive(Clone, Default)]
struct Views(#[cfg(feature = "alloc")] alloc::vec::Vec<[usize; 5]>);

impl core::fmt::Debug for Views {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("..")
    }
}

impl<P, const NESTEROV: bool> Default for AdamLike<P, NESTEROV> {
    /// The lecture's defaults: `α = 0.001`, `β₁ = 0.9`, `β₂ = 0.999`, `ε = 10⁻⁸`.
    fn default() -> Self {
        Self::new(0.001)
    }
}

impl<P, const NESTEROV: bool> AdamLike<P, NESTEROV> {
    /// Step size `alpha`, the other settings at the lecture's defaults.
    ///
    /// ```
    /// let adam = nn_core::optim::Adam::<nn_core::layer::Dense<f64, 1, 1>>::new(0.01);
    /// assert_eq!((adam.alpha, adam.beta2), (0.01, 0.999));
    /// ```
    pub fn new(alpha: f64) -> Self {
        Self {
            alpha,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            t: 0,
            moments: None,
            views: Views::default(),
        }
    }

    /// Sets `β₁` and `β₂`.
    ///
    /// ```
    /// let adam = nn_core::optim::Adam::<nn_core::layer::Dense<f64, 1, 1>>::new(0.01).with_betas(0.8, 0.99);
    /// assert_eq!((adam.beta1, adam.beta2), (0.8, 0.99));
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
    /// let adam = nn_core::optim::Adam::<nn_core::layer::Dense<f64, 1, 1>>::default().with_eps(1e-6);
    /// assert_eq!(adam.eps, 1e-6);
    /// ```
    pub fn with_eps(self, eps: f64) -> Self {
        Self { eps, ..self }
    }

    /// The biased moments `(m, v)`, `None` before the first step.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Adam, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(2.0);
    /// let mut adam = Adam::default();
    /// adam.step(&mut w, &g).unwrap();
    /// let (m, v) = adam.moments().unwrap();
    /// assert!((m.bias[0] - 0.2).abs() < 1e-15 && (v.bias[0] - 0.004).abs() < 1e-15);
    /// ```
    pub fn moments(&self) -> Option<(&P, &P)> {
        self.moments.as_ref().map(|(m, v)| (m, v))
    }

    /// The number of steps taken, the `t` of the last step.
    ///
    /// ```
    /// assert_eq!(nn_core::optim::Adam::<nn_core::layer::Dense<f64, 1, 1>>::default().steps(), 0);
    /// ```
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// One step (Algorithm 1, or with `NESTEROV` the lecture's Nadam update) with the gradient `grads` at `params`. The first call
    /// allocates `m` and `v`. Fails, changing nothing, on a setting out of range or a
    /// gradient of another shape.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::Adam};
    /// let (mut w, g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// assert!(Adam::default().with_betas(1.0, 0.999).step(&mut w, &g).is_err());
    /// ```
    pub fn step<T: Scalar>(&mut self, params: &mut P, grads: &P) -> Result<(), Error>
    where
        P: Parameters<T> + Clone,
    {
        self.step_parts(params, grads, &mut super::parts::Serial)
    }

    /// [`step`](Self::step) with the element-wise update shared by `parts`
    /// ([`Optimizer::step_parts`]): the same result bit for bit.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::{parts::Serial, Adam}, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 3, 2>::zeros(), Dense::<f64, 3, 2>::zeros());
    /// g.fill(0.5);
    /// let mut adam = Adam::new(0.01);
    /// adam.step_parts(&mut w, &g, &mut Serial).unwrap();
    /// assert!((w.weight[(0, 0)] + 0.01).abs() < 1e-9); // the first step: -α sign(g)
    /// ```
    pub fn step_parts<T: Scalar>(
        &mut self,
        params: &mut P,
        grads: &P,
        parts: &mut dyn super::Parts,
    ) -> Result<(), Error>
    where
        P: Parameters<T> + Clone,
    {
        let cfg = Config::new(self.alpha, self.beta1, self.beta2, self.eps)?;
        let state = State {
            t: &mut self.t,
            moments: &mut self.moments,
            views: &mut self.views,
        };
        adam_step(cfg, NESTEROV, state, params, grads, parts)
    }
}

impl<T: Scalar, P: Parameters<T> + Clone, const NESTEROV: bool> Optimizer<T, P>
    for AdamLike<P, NESTEROV>
{
    fn step(&mut self, params: &mut P, grads: &P) -> Result<(), Error> {
        AdamLike::step(self, params, grads)
    }
    fn step_parts(
        &mut self,
        params: &mut P,
        grads: &P,
        parts: &mut dyn super::Parts,
    ) -> Result<(), Error> {
        AdamLike::step_parts(self, params, grads, parts)
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
    fn learning_rate(&self) -> Option<f64> {
        Some(self.alpha)
    }
    /// Sets `α`.
    fn set_learning_rate(&mut self, lr: f64) -> Result<(), Error> {
        super::check_rate(lr)?;
        self.alpha = lr;
        Ok(())
    }
    fn save_state(&self, f: &mut dyn FnMut(&'static str, &P)) -> Result<u64, Error> {
        if let Some((m, v)) = &self.moments {
            f("m", m);
            f("v", v);
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
            let (mut m, mut v) = (None, None);
            super::load_slot(&mut m, params, "m", f)?;
            super::load_slot(&mut v, params, "v", f)?;
            self.moments = m.zip(v);
        }
        Ok(())
    }
}

/// Validated settings shared by Adam and Nadam.
#[derive(Clone, Copy)]
pub(crate) struct Config {
    alpha: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
}

impl Config {
    pub(crate) fn new(alpha: f64, beta1: f64, beta2: f64, eps: f64) -> Result<Self, Error> {
        check_range(
            "step size alpha",
            "a finite value >= 0",
            alpha,
            0.0,
            f64::MAX,
            true,
        )?;
        check_range("beta1", "a value in [0, 1)", beta1, 0.0, 1.0, false)?;
        check_range("beta2", "a value in [0, 1)", beta2, 0.0, 1.0, false)?;
        check_range("eps", "a finite value >= 0", eps, 0.0, f64::MAX, true)?;
        Ok(Self {
            alpha,
            beta1,
            beta2,
            eps,
        })
    }
}

/// Calls `f` with every trained tensor's values, gradient, `m` and `v` (of one length: the
/// shapes were checked).
fn each_tensor<T: Scalar, P: Parameters<T>>(
    params: &mut P,
    grads: &P,
    m: &mut P,
    v: &mut P,
    mut f: impl FnMut(&mut [T], &[T], &mut [T], &mut [T]),
) {
    for i in 0..params.tensor_count() {
        if !params.is_trainable(i) {
            continue;
        }
        if let (Some(p), Some(g), Some(m), Some(v)) = (
            params.tensor_mut(i),
            grads.tensor(i),
            m.tensor_mut(i),
            v.tensor_mut(i),
        ) {
            f(p, g, m, v);
        }
    }
}

/// Every trained tensor's update on the calling thread.
fn update_in_turn<T: Scalar, P: Parameters<T>>(
    params: &mut P,
    grads: &P,
    m: &mut P,
    v: &mut P,
    k: crate::kernels::AdamCoefficients,
) {
    // Slices of one length: cannot fail (nor stop half-way).
    each_tensor(params, grads, m, v, |p, g, m, v| {
        let _ = crate::kernels::adam_update(p, g, m, v, k);
    });
}

/// Every trained tensor's update, part `p` of `parts` updating range `p` of each tensor;
/// `views` is the kept buffer of the tensors' addresses.
#[cfg(feature = "alloc")]
fn update_in_parts<T: Scalar, P: Parameters<T>>(
    params: &mut P,
    grads: &P,
    (m, v): (&mut P, &mut P),
    k: crate::kernels::AdamCoefficients,
    views: &mut alloc::vec::Vec<[usize; 5]>,
    parts: &mut dyn super::Parts,
) {
    views.clear();
    each_tensor(params, grads, m, v, |p, g, m, v| {
        // Written through later: the addresses of the mutable borrows.
        let addr = |x: *mut T| x as usize;
        let len = p.len();
        views.push([
            addr(p.as_mut_ptr()),
            g.as_ptr() as usize,
            addr(m.as_mut_ptr()),
            addr(v.as_mut_ptr()),
            len,
        ]);
    });
    let count = parts.count();
    let views = &views[..];
    parts.run(&|part| {
        for &[p, g, m, v, len] in views {
            let r = super::parts::range(len, count, part);
            // SAFETY: the addresses are those of `params`, `grads` and the moments, borrowed
            // (mutably but for `grads`) by the caller until `run` returns; every part touches
            // only its own range `r` of each tensor, so no two parts' slices overlap.
            let (p, g, m, v) = unsafe {
                let at = |a: usize| (a as *mut T).add(r.start);
                (
                    core::slice::from_raw_parts_mut(at(p), r.len()),
                    core::slice::from_raw_parts(at(g), r.len()),
                    core::slice::from_raw_parts_mut(at(m), r.len()),
                    core::slice::from_raw_parts_mut(at(v), r.len()),
                )
            };
            // Slices of one length: cannot fail.
            let _ = crate::kernels::adam_update(p, g, m, v, k);
        }
    });
}

/// The optimizer's state a step changes.
struct State<'a, P> {
    t: &'a mut u64,
    moments: &'a mut Option<(P, P)>,
    views: &'a mut Views,
}

/// One Adam (`nesterov = false`) or Nadam (`true`) step, each tensor cut into `parts`'
/// ranges ([`parts::range`](super::parts::range)).
fn adam_step<T: Scalar, P: Parameters<T> + Clone>(
    cfg: Config,
    nesterov: bool,
    state: State<'_, P>,
    params: &mut P,
    grads: &P,
    parts: &mut dyn super::Parts,
) -> Result<(), Error> {
    check_same(params, grads, "gradient values")?;
    let moments = state.moments;
    let (m, v) = moments.get_or_insert_with(|| (zeros_like(params), zeros_like(params)));
    check_same(params, m, "first-moment values")?;
    check_same(params, v, "second-moment values")?;
    let step = *state.t + 1;
    let bias1 = 1.0 - powf(cfg.beta1, step as f64);
    let bias2 = 1.0 - powf(cfg.beta2, step as f64);
    let k = crate::kernels::AdamCoefficients {
        beta1: cfg.beta1,
        beta2: cfg.beta2,
        step: cfg.alpha / bias1,
        inv_sqrt_bias2: 1.0 / sqrt(bias2),
        eps: cfg.eps,
        nesterov,
    };
    if parts.count() <= 1 {
        update_in_turn(params, grads, m, v, k);
    } else {
        #[cfg(feature = "alloc")]
        update_in_parts(params, grads, (m, v), k, &mut state.views.0, parts);
        #[cfg(not(feature = "alloc"))]
        {
            // Without `alloc` there is no kept buffer to share the update through.
            let _ = &state.views;
            update_in_turn(params, grads, m, v, k);
        }
    }
    *state.t = step;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testutil::{assert_close, flat, grad, grad_ref, unflat, N, P, X0};

    /// Algorithm 1 on plain arrays.
    fn reference(alpha: f64, b1: f64, b2: f64, eps: f64, steps: usize) -> [f64; N] {
        let (mut x, mut m, mut v) = (X0, [0.0; N], [0.0; N]);
        for t in 1..=steps {
            let g = grad_ref(&x);
            for k in 0..N {
                m[k] = b1 * m[k] + (1.0 - b1) * g[k];
                v[k] = b2 * v[k] + (1.0 - b2) * g[k] * g[k];
                let mh = m[k] / (1.0 - b1.powi(t as i32));
                let vh = v[k] / (1.0 - b2.powi(t as i32));
                x[k] -= alpha * mh / (vh.sqrt() + eps);
            }
        }
        x
    }

    #[test]
    fn five_steps_match_algorithm_1() {
        for (alpha, b1, b2, eps) in [(0.001, 0.9, 0.999, 1e-8), (0.1, 0.5, 0.9, 1e-3)] {
            let mut p = unflat(&X0);
            let mut adam = Adam::<P>::new(alpha).with_betas(b1, b2).with_eps(eps);
            for t in 1..=5 {
                {
                    let g = grad(&p);
                    adam.step(&mut p, &g)
                }
                .unwrap();
                assert_close(&flat(&p), &reference(alpha, b1, b2, eps, t), "adam");
            }
            assert_eq!(adam.steps(), 5);
        }
    }

    #[test]
    fn first_step_is_alpha_times_the_sign() {
        let mut p = unflat(&X0);
        let g = grad(&p);
        Adam::<P>::default().step(&mut p, &g).unwrap();
        let (x, g) = (flat(&p), flat(&g));
        for k in 0..N {
            let want = X0[k] - 0.001 * g[k] / (g[k].abs() + 1e-8);
            assert!((x[k] - want).abs() < 1e-15);
        }
    }

    /// Parts run backwards, so a part that read another's range would see it updated.
    struct Backwards(usize);
    impl crate::optim::Parts for Backwards {
        fn count(&self) -> usize {
            self.0
        }
        fn run(&mut self, job: &(dyn Fn(usize) + Sync)) {
            (0..self.0).rev().for_each(job)
        }
    }

    /// Shared by 2, 3 or 7 parts (more parts than a bias has values), Adam's and Nadam's
    /// steps are one thread's bit for bit, step after step.
    #[test]
    fn steps_in_parts_are_one_threads_bit_for_bit() {
        use crate::optim::{testutil::bits, Nadam};
        for parts in [2, 3, 7] {
            let (mut a, mut b) = (unflat(&X0), unflat(&X0));
            let (mut one, mut split) = (Adam::<P>::new(0.01), Adam::<P>::new(0.01));
            let (mut c, mut d) = (unflat(&X0), unflat(&X0));
            let (mut n1, mut n2) = (Nadam::<P>::new(0.01), Nadam::<P>::new(0.01));
            for _ in 0..4 {
                let g = grad(&a);
                one.step(&mut a, &g).unwrap();
                split.step_parts(&mut b, &g, &mut Backwards(parts)).unwrap();
                assert_eq!(bits(&a), bits(&b), "adam, {parts} parts");
                let g = grad(&c);
                n1.step(&mut c, &g).unwrap();
                n2.step_parts(&mut d, &g, &mut Backwards(parts)).unwrap();
                assert_eq!(bits(&c), bits(&d), "nadam, {parts} parts");
            }
            assert_eq!(
                bits(one.moments().unwrap().1),
                bits(split.moments().unwrap().1)
            );
        }
    }

    #[test]
    fn f32_steps_track_f64() {
        let mut p64 = unflat(&X0);
        let mut p32 = unflat(&X0).into_f32();
        let mut a32 = Adam::new(0.01);
        let mut a64 = Adam::<P>::new(0.01);
        for _ in 0..5 {
            let g = grad(&p64);
            a32.step(&mut p32, &g.clone().into_f32()).unwrap();
            a64.step(&mut p64, &g).unwrap();
        }
        let mut k = 0;
        let want = flat(&p64);
        p32.visit(|_, v| {
            for &x in v {
                assert!((x as f64 - want[k]).abs() < 1e-5);
                k += 1;
            }
        });
    }

    trait IntoF32 {
        fn into_f32(self) -> crate::layer::Dense<f32, 2, 2>;
    }
    impl IntoF32 for P {
        fn into_f32(self) -> crate::layer::Dense<f32, 2, 2> {
            let mut out = crate::layer::Dense::<f32, 2, 2>::zeros();
            let x = flat(&self);
            let mut k = 0;
            out.visit_mut(|_, v| {
                for o in v {
                    *o = x[k] as f32;
                    k += 1;
                }
            });
            out
        }
    }
}
