//! Optimizers, gradient clipping and weight decay, written once against [`Parameters`].
//!
//! A network's gradient and an optimizer's state (velocity, Adam's moments, Rprop's step
//! sizes) are values of the network's own type `P`, so tensor `i` of each is the same
//! parameter and they zip by index. The state is created on the first step (one clone of the
//! parameters, all set to zero); after that a step allocates nothing.
//!
//! | optimizer | update (element-wise, step `t = 1, 2, …`) |
//! |---|---|
//! | [`Sgd`] | `β ← β - η_t ∇L(β)`, `η_t` from a [`Schedule`] |
//! | [`Momentum`] | `Δβ ← αΔβ - η∇L(β)`, `β ← β + Δβ` |
//! | [`Nesterov`] | `Δβ ← αΔβ - η∇L(β + αΔβ)`, `β ← β + Δβ` (gradient at the look-ahead point) |
//! | [`Adam`] | `m ← β₁m + (1-β₁)g`, `v ← β₂v + (1-β₂)g²`, `θ ← θ - α m̂/(√v̂ + ε)` |
//! | [`Nadam`] | as Adam, but `θ ← θ - α/(√v̂ + ε) · (β₁m̂ + (1-β₁)g/(1-β₁ᵗ))` |
//! | [`Rmsprop`] | `v ← αv + (1-α)g²`, `θ ← θ - η g/(√v + ε)` (PyTorch's form and defaults; optional momentum, centered) |
//! | [`Rprop`] | per-weight step `Δ` grown by `η⁺` while the gradient keeps its sign, shrunk by `η⁻` when it flips; `β ← β - sign(g)Δ` (iRprop⁻) |
//! | [`Lbfgs`] | `β ← β + s d`, `d = -H∇L` from the last `m` steps (two-loop recursion), `s` by backtracking (Armijo) or fixed (PyTorch's `line_search_fn=None`) |
//!
//! The stochastic ones ([`Sgd`], [`Momentum`], [`Nesterov`], [`Adam`], [`Nadam`], [`Rmsprop`]) implement
//! [`Optimizer`]. [`Rprop`] does too but, using only gradient signs, it is meant for
//! full-batch learning, as is [`Lbfgs`], which evaluates the loss itself through a closure
//! (its line search needs several evaluations per step) and needs the `alloc` feature;
//! without line search ([`Lbfgs::fixed_step`], PyTorch's `line_search_fn=None`) it also
//! steps from gradients computed outside, through [`Optimizer`].
//!
//! Around the step: [`WeightDecay`] adds the lecture's `λW` (L2) or `λ sign W` (L1) to the
//! gradient, and [`clip_global_norm`] rescales a gradient whose norm is too large.
//!
//! ```
//! use nn_core::{network, loss::{LossExt, SquaredError}, nalgebra::SVector, Parameters};
//! use nn_core::optim::{clip_global_norm, Adam, Optimizer, WeightDecay};
//! use rand::{rngs::StdRng, SeedableRng};
//!
//! network! { struct Net { input: 2, hidden: dense(8, tanh), out: dense(1) } }
//!
//! let data = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)];
//! let mut net: Net<f64> = Net::new(&mut StdRng::seed_from_u64(3));
//! let (mut grads, mut sample) = (Net::zeros(), Net::zeros());
//! let mut adam = Adam::new(0.05);
//! let decay = WeightDecay::l2(1e-4);
//! let loss = |net: &Net<f64>| -> f64 {
//!     data.iter().map(|(x, y)| (net.forward(&SVector::from(*x))[0] - y).powi(2)).sum()
//! };
//! let before = loss(&net);
//! for _ in 0..300 {
//!     grads.fill(0.0);
//!     for (x, y) in &data {
//!         let x = SVector::from(*x);
//!         let trace = net.forward_trace(&x);
//!         let (_, dl_df) = SquaredError.value_and_grad(trace.output(), &SVector::from([*y])).unwrap();
//!         net.backward(&x, &trace, &dl_df, &mut sample);
//!         grads.zip_mut(&sample, |_, g, s| g.iter_mut().zip(s).for_each(|(g, s)| *g += s));
//!     }
//!     decay.apply(&mut grads, &net).unwrap();
//!     clip_global_norm(&mut grads, 10.0).unwrap();
//!     adam.step(&mut net, &grads).unwrap();
//! }
//! assert!(loss(&net) < 0.1 * before);
//! ```

use crate::{Error, Parameters, Scalar};

pub mod adam;
pub mod clip;
pub mod decay;
#[cfg(feature = "alloc")]
pub mod lbfgs;
pub mod momentum;
pub mod nadam;
pub mod nesterov;
pub mod parts;
pub mod rmsprop;
pub mod rprop;
pub mod schedule;
pub mod sgd;

pub use adam::{Adam, AdamLike};
pub use clip::{clip_global_norm, global_norm};
pub use decay::{Penalty, WeightDecay};
#[cfg(feature = "alloc")]
pub use lbfgs::{Lbfgs, LineSearch};
pub use momentum::Momentum;
pub use nadam::Nadam;
pub use nesterov::Nesterov;
pub use parts::Parts;
pub use rmsprop::Rmsprop;
pub use rprop::Rprop;
pub use schedule::Schedule;
pub use sgd::Sgd;

/// A first-order optimizer: one update of `params` from the gradient `grads` (a value of the
/// same type, so tensor `i` of both is the same parameter).
///
/// The first step may allocate the optimizer's state (one zeroed clone of `params` per state
/// tensor set); later steps allocate nothing. A step fails, changing nothing, when a
/// setting is out of range or `grads` has a different shape than `params`.
///
/// ```
/// use nn_core::{layer::Dense, optim::{Momentum, Optimizer, Sgd}, Parameters};
///
/// // Generic training code takes any optimizer.
/// fn descend<O: Optimizer<f64, Dense<f64, 2, 1>>>(opt: &mut O, steps: usize) -> f64 {
///     let mut w = Dense::<f64, 2, 1>::zeros();
///     let mut g = Dense::<f64, 2, 1>::zeros();
///     for _ in 0..steps {
///         // L = (w0 - 1)² + (w1 - 1)² + b², so ∇L = 2(w - 1), 2b
///         g.zip_mut(&w, |info, g, w| for (g, w) in g.iter_mut().zip(w) {
///             *g = 2.0 * (w - if info.kind.is_weight() { 1.0 } else { 0.0 });
///         });
///         opt.step(&mut w, &g).unwrap();
///     }
///     assert_eq!(opt.steps(), steps as u64);
///     (w.weight[(0, 0)] - 1.0).abs()
/// }
/// assert!(descend(&mut Sgd::new(0.1), 50) < 1e-4);
/// assert!(descend(&mut Momentum::new(0.1, 0.5), 50) < 1e-4);
/// ```
pub trait Optimizer<T: Scalar, P: Parameters<T> + Clone> {
    /// Updates `params` given the gradient `grads` of the loss (at `params`, or, for
    /// [`Nesterov`], at the look-ahead point its [`lookahead`](Nesterov::lookahead) moved
    /// `params` to).
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::{Adam, Optimizer}, Parameters};
    /// let (mut w, mut g) = (Dense::<f32, 2, 2>::zeros(), Dense::<f32, 2, 2>::zeros());
    /// g.fill(1.0);
    /// let mut opt: Box<dyn Optimizer<f32, Dense<f32, 2, 2>>> = Box::new(Adam::new(0.1));
    /// opt.step(&mut w, &g).unwrap();
    /// assert!((w.bias[0] + 0.1).abs() < 1e-6);
    /// ```
    fn step(&mut self, params: &mut P, grads: &P) -> Result<(), Error>;

    /// [`step`](Self::step), its work cut into `parts.count()` parts that `parts` may run on
    /// several threads, with the same result bit for bit. By default `step` on the calling
    /// thread; [`Adam`] and [`Nadam`] share their element-wise update (see [`parts`]).
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::{parts::Serial, Adam, Optimizer}, Parameters};
    /// let (mut w, mut g) = (Dense::<f32, 2, 2>::zeros(), Dense::<f32, 2, 2>::zeros());
    /// g.fill(1.0);
    /// let mut v = w.clone();
    /// Adam::new(0.1).step_parts(&mut w, &g, &mut Serial).unwrap();
    /// Adam::new(0.1).step(&mut v, &g).unwrap();
    /// assert_eq!(w, v);
    /// ```
    fn step_parts(
        &mut self,
        params: &mut P,
        grads: &P,
        parts: &mut dyn Parts,
    ) -> Result<(), Error> {
        let _ = parts;
        self.step(params, grads)
    }

    /// How many steps have been taken (the lecture's `t` after the last step).
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::{Optimizer, Sgd}};
    /// let (mut w, g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// let mut sgd = Sgd::new(0.1);
    /// Optimizer::step(&mut sgd, &mut w, &g).unwrap();
    /// assert_eq!(Optimizer::<f64, Dense<f64, 1, 1>>::steps(&sgd), 1);
    /// ```
    fn steps(&self) -> u64;

    /// Forgets the state (zeroing it in place, keeping its memory) and the step counter.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::{Momentum, Optimizer}, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(1.0);
    /// let mut opt = Momentum::new(0.1, 0.9);
    /// opt.step(&mut w, &g).unwrap();
    /// Optimizer::<f64, _>::reset(&mut opt);
    /// assert_eq!((opt.steps(), opt.velocity().unwrap().bias[0]), (0, 0.0));
    /// ```
    fn reset(&mut self);

    /// Called by training loops before each gradient is computed. Most optimizers need
    /// nothing here; [`Nesterov`] moves `params` to its look-ahead point, where the lecture
    /// takes the gradient. Fails, changing nothing, on an invalid setting.
    fn before_gradient(&mut self, _params: &mut P) -> Result<(), Error> {
        Ok(())
    }

    /// Called by training loops instead of [`step`](Optimizer::step) (or after a `step` that
    /// failed) when a step is given up after [`before_gradient`](Optimizer::before_gradient)
    /// succeeded: a non-finite loss or gradient, a loss or data error. Puts `params` and the
    /// state back, bit for bit, to what they were before `before_gradient`, so training
    /// keeps the last good state.
    ///
    /// The default does nothing, which is right for every optimizer whose
    /// `before_gradient` changes nothing. An optimizer that overrides `before_gradient` must
    /// override this too, and a wrapper around another optimizer must forward both. (Every
    /// optimizer's `step` itself changes nothing when it returns an error.)
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::{Nesterov, Optimizer}, Parameters};
    /// let (mut w, mut g) = (Dense::<f32, 1, 1>::zeros(), Dense::<f32, 1, 1>::zeros());
    /// g.fill(0.3);
    /// let mut opt = Nesterov::new(0.1, 0.9);
    /// for _ in 0..3 {
    ///     opt.before_gradient(&mut w).unwrap();
    ///     opt.step(&mut w, &g).unwrap();
    /// }
    /// let before = w.clone();
    /// opt.before_gradient(&mut w).unwrap(); // now at the look-ahead point
    /// assert_ne!(w.bias[0], before.bias[0]);
    /// opt.abandon_step(&mut w);              // e.g. the loss there was NaN
    /// assert_eq!(w.bias[0].to_bits(), before.bias[0].to_bits());
    /// ```
    fn abandon_step(&mut self, _params: &mut P) {}

    /// The learning rate the next step uses (SGD's and momentum's `η_t`, Adam's and Nadam's
    /// `α`, RMSprop's `η`, L-BFGS's step length); `None` for [`Rprop`], which steps by signs.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::{Adam, Optimizer, Rprop}};
    /// type P = Dense<f32, 2, 2>;
    /// assert_eq!(Optimizer::<f32, P>::learning_rate(&Adam::<P>::new(0.01)), Some(0.01));
    /// assert_eq!(Optimizer::<f32, P>::learning_rate(&Rprop::<P>::default()), None);
    /// ```
    fn learning_rate(&self) -> Option<f64> {
        None
    }

    /// Sets the learning rate of the following steps (an optimizer with a [`Schedule`]
    /// gets the constant rate `lr`). Fails, changing nothing, on a negative or non-finite
    /// rate ([`Error::InvalidConfig`]) and for [`Rprop`] ([`Error::Unsupported`]).
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::{Nadam, Optimizer}};
    /// type P = Dense<f64, 1, 1>;
    /// let mut opt = Nadam::<P>::new(0.01);
    /// Optimizer::<f64, P>::set_learning_rate(&mut opt, 0.002).unwrap();
    /// assert_eq!(opt.alpha, 0.002);
    /// assert!(Optimizer::<f64, P>::set_learning_rate(&mut opt, -1.0).is_err());
    /// ```
    fn set_learning_rate(&mut self, _lr: f64) -> Result<(), Error> {
        Err(Error::Unsupported {
            what: "a learning rate",
            by: "this optimizer",
            expected: "an optimizer with a learning rate (SGD, momentum, Adam, Nadam, RMSprop)",
        })
    }

    /// Hands every state tensor set (Adam's `"m"` and `"v"`, momentum's `"velocity"`) to
    /// `f` and returns the step counter: what a checkpoint saves. Nothing is handed before
    /// the first step. Fails for an optimizer whose state cannot be saved
    /// ([`Error::Unsupported`]: L-BFGS) or that is mid-step (Nesterov at its look-ahead
    /// point, [`Error::OutOfOrder`]).
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::{Adam, Optimizer}, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(1.0);
    /// let mut adam = Adam::new(0.1);
    /// adam.step(&mut w, &g).unwrap();
    /// let mut names = vec![];
    /// let t = Optimizer::<f64, _>::save_state(&adam, &mut |name, _| names.push(name)).unwrap();
    /// assert_eq!((t, names), (1, vec!["m", "v"]));
    /// ```
    fn save_state(&self, _f: &mut dyn FnMut(&'static str, &P)) -> Result<u64, Error> {
        Err(Error::Unsupported {
            what: "checkpoints",
            by: "this optimizer",
            expected: "SGD, momentum, Nesterov, Adam, Nadam, RMSprop or Rprop",
        })
    }

    /// Restores what [`save_state`](Optimizer::save_state) handed out: the step counter
    /// `steps` and, when `steps > 0`, every state tensor set, created shaped like `params`
    /// and filled by `f` (which fails when it has no such set). The settings (rates,
    /// betas) are the optimizer's own, not restored. On an error the state is undefined:
    /// [`reset`](Optimizer::reset) it or build a fresh optimizer.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::{Momentum, Optimizer}, Parameters};
    /// let (mut w, mut g) = (Dense::<f64, 1, 1>::zeros(), Dense::<f64, 1, 1>::zeros());
    /// g.fill(1.0);
    /// let mut a = Momentum::new(0.1, 0.9);
    /// a.step(&mut w, &g).unwrap();
    /// let v = a.velocity().unwrap().clone();
    /// let mut b = Momentum::new(0.1, 0.9);
    /// Optimizer::<f64, _>::load_state(&mut b, &w, 1, &mut |_, s| { *s = v.clone(); Ok(()) }).unwrap();
    /// assert_eq!((b.steps(), b.velocity()), (1, Some(&v)));
    /// ```
    fn load_state(
        &mut self,
        _params: &P,
        _steps: u64,
        _f: &mut dyn FnMut(&'static str, &mut P) -> Result<(), Error>,
    ) -> Result<(), Error> {
        Err(Error::Unsupported {
            what: "checkpoints",
            by: "this optimizer",
            expected: "SGD, momentum, Nesterov, Adam, Nadam, RMSprop or Rprop",
        })
    }
}

/// The learning rate of an optimizer, without its types: what a [`Fit`](crate::train::Fit)
/// callback gets to read and set it (for any `O: Optimizer<T, P>`).
///
/// ```
/// use nn_core::{layer::Dense, optim::{Adam, LearningRate}};
/// let mut adam = Adam::<Dense<f32, 2, 2>>::new(0.01);
/// let opt: &mut dyn LearningRate = &mut nn_core::optim::RateOf::<f32, _, _>::new(&mut adam);
/// opt.set_learning_rate(opt.learning_rate().unwrap() / 2.0).unwrap();
/// assert_eq!(adam.alpha, 0.005);
/// ```
pub trait LearningRate {
    /// [`Optimizer::learning_rate`].
    fn learning_rate(&self) -> Option<f64>;
    /// [`Optimizer::set_learning_rate`].
    fn set_learning_rate(&mut self, lr: f64) -> Result<(), Error>;
}

/// An optimizer seen as a [`LearningRate`].
pub struct RateOf<'a, T, P, O>(&'a mut O, core::marker::PhantomData<fn(T, P)>);

impl<'a, T, P, O> RateOf<'a, T, P, O> {
    /// Wraps `opt`.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::{LearningRate, RateOf, Sgd}};
    /// let mut sgd = Sgd::new(0.1);
    /// assert_eq!(RateOf::<f64, Dense<f64, 1, 1>, _>::new(&mut sgd).learning_rate(), Some(0.1));
    /// ```
    pub fn new(opt: &'a mut O) -> Self {
        Self(opt, core::marker::PhantomData)
    }
}

impl<T: Scalar, P: Parameters<T> + Clone, O: Optimizer<T, P>> LearningRate for RateOf<'_, T, P, O> {
    fn learning_rate(&self) -> Option<f64> {
        self.0.learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f64) -> Result<(), Error> {
        self.0.set_learning_rate(lr)
    }
}

/// `Ok` for a finite rate `>= 0`.
pub(crate) fn check_rate(lr: f64) -> Result<(), Error> {
    check_range(
        "learning rate",
        "a finite rate >= 0",
        lr,
        0.0,
        f64::MAX,
        true,
    )
}

/// Loads state tensor set `name` into `slot` (created zeroed, shaped like `params`).
pub(crate) fn load_slot<T: Scalar, P: Parameters<T> + Clone>(
    slot: &mut Option<P>,
    params: &P,
    name: &'static str,
    f: &mut dyn FnMut(&'static str, &mut P) -> Result<(), Error>,
) -> Result<(), Error> {
    let s = slot.get_or_insert_with(|| zeros_like(params));
    f(name, s)?;
    check_same(params, s, "optimizer state values")
}

/// Checks the settings Momentum and Nesterov share: the schedule, and `0 ≤ α < 1`.
pub(crate) fn check_momentum(schedule: &Schedule, alpha: f64) -> Result<(), Error> {
    schedule.validate()?;
    check_range(
        "momentum alpha",
        "a value in [0, 1)",
        alpha,
        0.0,
        1.0,
        false,
    )
}

/// The velocity `Δβ` for a step with `grads` at `params`: created zeroed on the first call,
/// and checked to have the parameters' tensors (as `grads` is).
pub(crate) fn velocity_for<'v, T: Scalar, P: Parameters<T> + Clone>(
    velocity: &'v mut Option<P>,
    params: &P,
    grads: &P,
) -> Result<&'v mut P, Error> {
    check_same(params, grads, "gradient values")?;
    let v = velocity.get_or_insert_with(|| zeros_like(params));
    check_same(params, v, "velocity values")?;
    Ok(v)
}

/// Calls `f(p, g, s)` for every parameter value `p` with its gradient `g` and one value `s`
/// of per-parameter optimizer state (all three of the same shape, checked by the caller).
/// Buffers ([`ParamKind::Buffer`](crate::ParamKind::Buffer)) are skipped.
pub(crate) fn zip_state<T: Copy, P: Parameters<T>>(
    params: &mut P,
    grads: &P,
    state: &mut P,
    mut f: impl FnMut(&mut T, T, &mut T),
) {
    for i in 0..params.tensor_count() {
        if !params.is_trainable(i) {
            continue;
        }
        let (Some(p), Some(g), Some(s)) =
            (params.tensor_mut(i), grads.tensor(i), state.tensor_mut(i))
        else {
            continue;
        };
        for ((p, &g), s) in p.iter_mut().zip(g).zip(s.iter_mut()) {
            f(p, g, s);
        }
    }
}

/// `Ok` when `other` has exactly the tensors of `params`: same count, same lengths.
pub(crate) fn check_same<T, P: Parameters<T>>(
    params: &P,
    other: &P,
    what: &'static str,
) -> Result<(), Error> {
    let n = params.tensor_count();
    if other.tensor_count() != n {
        return Err(Error::LengthMismatch {
            what,
            expected: n,
            found: other.tensor_count(),
        });
    }
    for i in 0..n {
        let (a, b) = (
            params.tensor(i).map_or(0, <[T]>::len),
            other.tensor(i).map_or(0, <[T]>::len),
        );
        if a != b {
            return Err(Error::LengthMismatch {
                what,
                expected: a,
                found: b,
            });
        }
    }
    Ok(())
}

/// A zeroed value shaped like `p` (the one allocation of an optimizer's state).
pub(crate) fn zeros_like<T: Scalar, P: Parameters<T> + Clone>(p: &P) -> P {
    let mut z = p.clone();
    z.fill(T::zero());
    z
}

/// `Err(InvalidConfig)` unless `lo <= value < hi` (`hi_inclusive` makes it `<= hi`).
pub(crate) fn check_range(
    what: &'static str,
    expected: &'static str,
    value: f64,
    lo: f64,
    hi: f64,
    hi_inclusive: bool,
) -> Result<(), Error> {
    let ok = value >= lo
        && if hi_inclusive {
            value <= hi
        } else {
            value < hi
        };
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidConfig {
            what,
            expected,
            found: value,
        })
    }
}

/// `x^y` in `f64`, with or without `std`.
pub(crate) fn powf(x: f64, y: f64) -> f64 {
    nalgebra::ComplexField::powf(x, y)
}

/// `√x` in `f64`, with or without `std`.
pub(crate) fn sqrt(x: f64) -> f64 {
    nalgebra::ComplexField::sqrt(x)
}

/// `+1`, `-1`, or `0` for zero (and NaN).
pub(crate) fn sign<T: Scalar>(x: T) -> T {
    if x > T::zero() {
        T::one()
    } else if x < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

/// Test problems and independent reference arithmetic on plain `f64` arrays.
#[cfg(test)]
#[allow(clippy::needless_range_loop)] // reference arithmetic, written as plain loops
pub(crate) mod testutil {
    use crate::{layer::Dense, Parameters};

    /// The parameters of the test problems: 4 weights and 2 biases.
    pub type P = Dense<f64, 2, 2>;
    /// The number of scalar parameters of [`P`].
    pub const N: usize = 6;

    /// The parameters as one array, in tensor order (weight column-major, then bias).
    pub fn flat(p: &P) -> [f64; N] {
        let mut out = [0.0; N];
        let mut k = 0;
        p.visit(|_, v| {
            for &x in v {
                out[k] = x;
                k += 1;
            }
        });
        out
    }

    /// Parameters from an array in tensor order.
    pub fn unflat(a: &[f64; N]) -> P {
        let mut p = P::zeros();
        let mut k = 0;
        p.visit_mut(|_, v| {
            for x in v {
                *x = a[k];
                k += 1;
            }
        });
        p
    }

    /// `A_ij`: a fixed symmetric positive definite, ill-conditioned matrix.
    pub fn a(i: usize, j: usize) -> f64 {
        let d = [4.0, 1.0, 3.0, 0.8, 2.0, 6.0];
        if i == j {
            d[i]
        } else {
            0.3 / (1.0 + (i as f64 - j as f64).abs())
        }
    }

    /// `b`.
    pub const B: [f64; N] = [1.0, -2.0, 0.5, 3.0, -1.0, 0.25];

    /// The starting point.
    pub const X0: [f64; N] = [0.5, -0.25, 1.0, 2.0, -1.5, 0.75];

    /// `L(x) = ½ xᵀAx - bᵀx + ¼ Σ x_k⁴/10` (a little non-quadratic) on a plain array.
    pub fn loss_ref(x: &[f64; N]) -> f64 {
        let mut l = 0.0;
        for i in 0..N {
            for j in 0..N {
                l += 0.5 * x[i] * a(i, j) * x[j];
            }
            l -= B[i] * x[i] - 0.025 * x[i].powi(4);
        }
        l
    }

    /// `∇L(x) = Ax - b + x³/10` on a plain array.
    pub fn grad_ref(x: &[f64; N]) -> [f64; N] {
        let mut g = [0.0; N];
        for i in 0..N {
            for j in 0..N {
                g[i] += a(i, j) * x[j];
            }
            g[i] += -B[i] + 0.1 * x[i].powi(3);
        }
        g
    }

    /// `L` at parameters, writing `∇L` into `grads`.
    pub fn loss_grad(p: &P, grads: &mut P) -> f64 {
        let x = flat(p);
        let g = grad_ref(&x);
        let mut k = 0;
        grads.visit_mut(|_, v| {
            for out in v {
                *out = g[k];
                k += 1;
            }
        });
        loss_ref(&x)
    }

    /// `∇L` at parameters, as a new value.
    pub fn grad(p: &P) -> P {
        let mut g = P::zeros();
        loss_grad(p, &mut g);
        g
    }

    crate::network! {
        /// A small network for full-batch tests.
        pub struct Tiny { input: 2, hidden: dense(5, tanh), out: dense(1) }
    }

    /// The fixed starting network.
    pub fn tiny() -> Tiny<f64> {
        use rand::{rngs::StdRng, SeedableRng};
        Tiny::new(&mut StdRng::seed_from_u64(11))
    }

    /// Full-batch squared error of [`Tiny`] on 12 points of `y = sin(2x₁) x₂`, writing
    /// the summed gradient into `grads`. Allocates nothing.
    pub fn tiny_loss(net: &Tiny<f64>, grads: &mut Tiny<f64>) -> f64 {
        use crate::loss::{LossExt, SquaredError};
        use nalgebra::SVector;
        let mut sample = Tiny::zeros();
        grads.fill(0.0);
        let mut total = 0.0;
        for i in 0..12 {
            let x1 = -1.0 + 2.0 * (i % 4) as f64 / 3.0;
            let x2 = -1.0 + (i / 4) as f64;
            let x = SVector::from([x1, x2]);
            let y = SVector::from([(2.0 * x1).sin() * x2]);
            let trace = net.forward_trace(&x);
            let (l, dl_df) = SquaredError.value_and_grad(trace.output(), &y).unwrap();
            net.backward(&x, &trace, &dl_df, &mut sample);
            grads.zip_mut(&sample, |_, g, s| {
                g.iter_mut().zip(s).for_each(|(g, s)| *g += s)
            });
            total += l;
        }
        total
    }

    /// Parameters whose shape is chosen at run time (the networks' types fix theirs), to
    /// give an optimizer a gradient of another shape.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Dyn(pub alloc::vec::Vec<alloc::vec::Vec<f64>>);

    impl Parameters<f64> for Dyn {
        fn tensor_count(&self) -> usize {
            self.0.len()
        }
        fn tensor_info(&self, i: usize) -> Option<crate::ParamInfo> {
            (i < self.0.len()).then(|| crate::ParamInfo {
                layer: "dyn",
                name: "weight",
                shape: crate::Shape::new(&[self.0[i].len()]),
                kind: crate::ParamKind::Weight,
            })
        }
        fn tensor(&self, i: usize) -> Option<&[f64]> {
            self.0.get(i).map(|v| &v[..])
        }
        fn tensor_mut(&mut self, i: usize) -> Option<&mut [f64]> {
            self.0.get_mut(i).map(|v| &mut v[..])
        }
    }

    /// Every value of `p`, as bits.
    pub fn bits<P: Parameters<f64>>(p: &P) -> alloc::vec::Vec<u64> {
        let mut out = alloc::vec::Vec::new();
        p.visit(|_, v| out.extend(v.iter().map(|x| x.to_bits())));
        out
    }

    /// Asserts `‖got - want‖ / ‖want‖ < 1e-6` (absolute near zero).
    pub fn assert_close(got: &[f64; N], want: &[f64; N], ctx: &str) {
        let diff: f64 = got
            .iter()
            .zip(want)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        let scale: f64 = want.iter().map(|b| b * b).sum::<f64>().sqrt().max(1e-12);
        assert!(
            diff / scale < 1e-6,
            "{ctx}: got {got:?}, want {want:?} (relative error {})",
            diff / scale
        );
    }
}

/// Every optimizer, given a gradient or parameters of another shape after some good steps,
/// fails with [`Error::LengthMismatch`] and leaves the parameters and its state (all of
/// it, as `Debug` prints the full values of [`testutil::Dyn`]) as they were.
#[cfg(test)]
mod mismatch_tests {
    use super::testutil::{bits, Dyn};
    use super::*;
    use alloc::{format, string::String, vec, vec::Vec};

    fn good() -> (Dyn, Dyn) {
        let p = Dyn(vec![vec![0.5, -0.25, 1.0], vec![2.0, -1.5]]);
        let g = Dyn(vec![vec![0.3, -0.1, 0.7], vec![-0.2, 0.9]]);
        (p, g)
    }

    fn wrong() -> [Dyn; 2] {
        // a tensor of another length, and a missing tensor
        [
            Dyn(vec![vec![0.1, 0.2], vec![0.3, 0.4]]),
            Dyn(vec![vec![0.1, 0.2, 0.3]]),
        ]
    }

    /// Takes three good steps with `step`, then checks that each wrong gradient and each
    /// wrong parameter set fails with a length mismatch, changing nothing.
    fn check<O: core::fmt::Debug>(
        name: &str,
        mut opt: O,
        takes_gradient: bool,
        mut step: impl FnMut(&mut O, &mut Dyn, &Dyn) -> Result<(), Error>,
    ) {
        let (mut p, g) = good();
        for _ in 0..3 {
            step(&mut opt, &mut p, &g).unwrap();
        }
        let state: String = format!("{opt:?}");
        let before = bits(&p);
        for w in wrong() {
            if takes_gradient {
                let r = step(&mut opt, &mut p, &w);
                assert!(
                    matches!(r, Err(Error::LengthMismatch { .. })),
                    "{name}: {r:?}"
                );
                assert_eq!(bits(&p), before, "{name}: parameters changed");
                assert_eq!(format!("{opt:?}"), state, "{name}: state changed");
            }
            let mut q = w.clone();
            let q_bits: Vec<u64> = bits(&q);
            let r = step(&mut opt, &mut q, &g);
            assert!(
                matches!(r, Err(Error::LengthMismatch { .. })),
                "{name}: {r:?}"
            );
            assert_eq!(bits(&q), q_bits, "{name}: mismatched parameters changed");
            assert_eq!(format!("{opt:?}"), state, "{name}: state changed");
        }
    }

    #[test]
    fn every_optimizer_rejects_another_shape_changing_nothing() {
        check("sgd", Sgd::new(0.1), true, |o, p, g| o.step(p, g));
        check("momentum", Momentum::new(0.1, 0.9), true, |o, p, g| {
            o.step(p, g)
        });
        check("adam", Adam::new(0.1), true, |o, p, g| o.step(p, g));
        check("nadam", Nadam::new(0.1), true, |o, p, g| o.step(p, g));
        check("rprop", Rprop::default(), true, |o, p, g| o.step(p, g));
        // Nesterov: the look-ahead fails first, or the step, which the caller then abandons.
        check("nesterov", Nesterov::new(0.1, 0.9), true, |o, p, g| {
            o.before_gradient(p)?;
            let r = o.step(p, g);
            if r.is_err() {
                o.abandon_step(p);
            }
            r
        });
        let (p, _) = good();
        // L-BFGS computes its gradient itself: only parameters of another shape apply.
        check("lbfgs", lbfgs::Lbfgs::new(&p), false, |o, p, g| {
            let g = g.clone();
            o.minimize_step(p, |x, out| {
                // L = ½‖x - g‖², any smooth loss will do
                let mut l = 0.0;
                for (t, (o, x)) in out.0.iter_mut().zip(&x.0).enumerate() {
                    for (k, (o, x)) in o.iter_mut().zip(x).enumerate() {
                        let d = x - g.0.get(t).and_then(|v| v.get(k)).copied().unwrap_or(0.0);
                        *o = d;
                        l += 0.5 * d * d;
                    }
                }
                l
            })
            .map(|_| ())
        });
    }
}
