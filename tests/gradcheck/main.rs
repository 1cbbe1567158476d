//! Gradient checks: every backward pass against central finite differences, in `f64`.
//!
//! For each test network (declared with `network!`, 1, 2 and 4 layers) and each loss, the
//! gradients of `backward` with respect to every parameter tensor and to the input must match
//! `(L(θ + εe_k) - L(θ - εe_k)) / 2ε` to a norm-wise relative error below [`TOL`]. The batch
//! path must agree with the single-sample path to [`BATCH_TOL`].
//!
//! - `activations`: every activation as a hidden and as an output activation.
//! - `losses`: every loss and target kind through networks of each depth.
//! - `loss_formulas`: `∂ℓ/∂f` as the lecture writes it, against finite differences on the
//!   loss alone; cross-entropy at logits of magnitude 1e4.
//! - `batch`: `backward_batch` against per-sample `backward`, and `Reduction::Mean`.
//! - `embedding`: semi-supervised embedding's pair loss, alone and through a network whose
//!   hidden layer is an output beside the logits.
//!
//! One helper, [`check`], runs the whole single-sample check given a network, an input and a
//! loss closure; [`check_batch`] runs the batch-versus-single-sample comparison. Networks take
//! part through the [`Checked`] trait, implemented by the [`checked!`] macro from the
//! inherent methods `network!` generates.

use nn_core::gradcheck::{
    max_relative_error, numeric_gradient, numeric_gradient_of, relative_error,
};
use nn_core::nalgebra::SVector;
use nn_core::{Batch, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Finite-difference step. The truncation error is `O(EPS²)` and the rounding error about
/// `1e-16 · |L| / EPS`; at 1e-6 rounding alone reaches 1e-6 relative on the deepest networks'
/// smallest (~1e-4) gradients, at 1e-5 the worst error over this suite is below 1e-7.
pub const EPS: f64 = 1e-5;
/// Largest accepted norm-wise relative error between analytic and numeric gradients.
pub const TOL: f64 = 1e-6;
/// Largest accepted relative error between the batch path and the single-sample path.
pub const BATCH_TOL: f64 = 1e-12;
/// Every pre-activation must be at least this far from a ReLU kink at 0 (the step `EPS`
/// moves a pre-activation by far less than this).
pub const KINK: f64 = 1e-3;

/// One `f64` sample (used by [`checked!`]).
pub type V<const N: usize> = SVector<f64, N>;
/// A batch of `f64` samples (used by [`checked!`]).
pub type B<const N: usize> = Batch<f64, N>;

/// Uniform access to what `network!` generates (inherent methods) for one `f64` network with
/// `I` inputs and `O` outputs. Implemented with [`checked!`].
pub trait Checked<const I: usize, const O: usize>:
    Parameters<f64> + Clone + core::fmt::Debug
{
    /// `Net::zeros()`.
    fn zero_grads() -> Self;
    /// `forward` (inference, activations in place).
    fn output(&self, x: &SVector<f64, I>) -> SVector<f64, O>;
    /// Each layer's activation name, from `summary()`.
    fn activations() -> Vec<&'static str>;
    /// `forward_trace`: the output and each layer's pre-activation `z_l`.
    fn traced(&self, x: &SVector<f64, I>) -> (SVector<f64, O>, Vec<Vec<f64>>);
    /// `forward_trace` then `backward` into a gradient buffer filled with NaN first (so a
    /// gradient that is accumulated instead of overwritten shows up).
    fn backprop(&self, x: &SVector<f64, I>, dl_df: &SVector<f64, O>) -> (Self, SVector<f64, I>);
    /// `forward_batch` (inference).
    fn batch_output(&self, x: &Batch<f64, I>) -> Batch<f64, O>;
    /// `forward_batch_trace(..).output()`.
    fn batch_trace_output(&self, x: &Batch<f64, I>) -> Batch<f64, O>;
    /// `forward_batch_trace` then `backward_batch`, into NaN-filled gradients; also runs
    /// `backward_batch_params` on the same trace and returns its gradients third.
    fn batch_backprop(
        &self,
        x: &Batch<f64, I>,
        dl_df: &Batch<f64, O>,
    ) -> (Self, Batch<f64, I>, Self);
}

/// Implements [`Checked`] for a `network!` struct: `checked!(Net: 3 -> 4, z: [h_z, out_z]);`
/// lists the trace's pre-activation fields (`<layer>_z`) for the kink check.
macro_rules! checked {
    ($net:ident : $i:literal -> $o:literal, z: [$($z:ident),+ $(,)?]) => {
        impl $crate::Checked<$i, $o> for $net<f64> {
            fn zero_grads() -> Self {
                $net::zeros()
            }
            fn output(&self, x: &$crate::V<$i>) -> $crate::V<$o> {
                self.forward(x)
            }
            fn activations() -> Vec<&'static str> {
                $net::<f64>::summary().rows.iter().map(|r| r.activation).collect()
            }
            fn traced(&self, x: &$crate::V<$i>) -> ($crate::V<$o>, Vec<Vec<f64>>) {
                let t = self.forward_trace(x);
                let z = vec![$(t.$z.as_slice().to_vec()),+];
                let layers = $net::<f64>::summary().rows.len();
                assert_eq!(z.len(), layers, "checked!: list every layer's `_z` field");
                (*t.output(), z)
            }
            fn backprop(&self, x: &$crate::V<$i>, dl_df: &$crate::V<$o>) -> (Self, $crate::V<$i>) {
                let t = self.forward_trace(x);
                let mut g = $net::zeros();
                ::nn_core::Parameters::fill(&mut g, f64::NAN);
                let dx = self.backward(x, &t, dl_df, &mut g);
                (g, dx)
            }
            fn batch_output(&self, x: &$crate::B<$i>) -> $crate::B<$o> {
                self.forward_batch(x)
            }
            fn batch_trace_output(&self, x: &$crate::B<$i>) -> $crate::B<$o> {
                self.forward_batch_trace(x).output().clone()
            }
            fn batch_backprop(
                &self,
                x: &$crate::B<$i>,
                dl_df: &$crate::B<$o>,
            ) -> (Self, $crate::B<$i>, Self) {
                let mut t = self.forward_batch_trace(x);
                let mut g = $net::zeros();
                ::nn_core::Parameters::fill(&mut g, f64::NAN);
                let dx = self
                    .backward_batch(x, &mut t, dl_df, &mut g)
                    .unwrap_or_else(|e| panic!("backward_batch: {e}"))
                    .clone();
                let mut g2 = $net::zeros();
                ::nn_core::Parameters::fill(&mut g2, f64::NAN);
                self.backward_batch_params(x, &mut t, dl_df, &mut g2)
                    .unwrap_or_else(|e| panic!("backward_batch_params: {e}"));
                (g, dx, g2)
            }
        }
    };
}

mod activations;
mod batch;
mod batch_norm;
mod conv;
mod dropout;
mod embedding;
mod layers;
mod loss_formulas;
mod losses;
mod pool;
mod recurrent;
mod recurrent_full;

/// A seeded RNG.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A vector with entries uniform in `[-1, 1]`.
pub fn random_vector<const N: usize>(rng: &mut StdRng) -> SVector<f64, N> {
    SVector::from_fn(|_, _| rng.random_range(-1.0..=1.0))
}

/// A batch of `n` samples with entries uniform in `[-1, 1]`.
pub fn random_batch<const N: usize>(rng: &mut StdRng, n: usize) -> Batch<f64, N> {
    Batch::from_fn(n, |_, _| rng.random_range(-1.0..=1.0))
}

/// A probability vector with every entry positive.
pub fn random_probabilities<const N: usize>(rng: &mut StdRng) -> SVector<f64, N> {
    let v = SVector::<f64, N>::from_fn(|_, _| rng.random_range(0.1..=1.0));
    v / v.sum()
}

/// Draws a network with its declared initialization, then gives every bias a random value
/// too (the initializations leave biases at 0, which would hide a bias that is ignored).
pub fn random_net<N: Parameters<f64>>(seed: u64, new: impl FnOnce(&mut StdRng) -> N) -> N {
    let mut rng = rng(seed);
    let mut net = new(&mut rng);
    net.visit_mut(|info, v| {
        if !info.kind.is_weight() {
            v.iter_mut().for_each(|b| *b = rng.random_range(-0.5..=0.5));
        }
    });
    net
}

/// The 2-norm of all tensors together.
pub fn total_norm<P: Parameters<f64>>(p: &P) -> f64 {
    let mut s = 0.0;
    p.visit(|_, v| s += v.iter().map(|x| x * x).sum::<f64>());
    s.sqrt()
}

/// The smallest `|z|` over a set of values.
pub fn closest_to_zero(z: &[f64]) -> f64 {
    z.iter().map(|v| v.abs()).fold(f64::INFINITY, f64::min)
}

/// Whether an activation has a kink at `z = 0`.
pub fn is_kinked(activation: &str) -> bool {
    matches!(activation, "relu" | "leaky_relu")
}

/// The smallest `|z_l|` at `x` over the layers with a kinked activation (ReLU, leaky ReLU);
/// infinity when there are none.
pub fn kink_distance<const I: usize, const O: usize, N: Checked<I, O>>(
    net: &N,
    x: &SVector<f64, I>,
) -> f64 {
    let (_, z) = net.traced(x);
    let acts = N::activations();
    assert_eq!(acts.len(), z.len());
    acts.iter()
        .zip(&z)
        .filter(|(a, _)| is_kinked(a))
        .map(|(_, z)| closest_to_zero(z))
        .fold(f64::INFINITY, f64::min)
}

/// Whether `x` makes a meaningful gradient check: no kinked pre-activation within [`KINK`]
/// of 0, and some non-zero parameter and input gradient (ReLU networks can be dead at `x`).
/// Test loops use it to skip such inputs; [`check`] asserts the same conditions.
pub fn usable<const I: usize, const O: usize, N: Checked<I, O>>(
    net: &N,
    x: &SVector<f64, I>,
    loss: impl Fn(&SVector<f64, O>) -> (f64, SVector<f64, O>),
) -> bool {
    if kink_distance(net, x) <= KINK {
        return false;
    }
    let (_, dl_df) = loss(&net.output(x));
    let (g, dx) = net.backprop(x, &dl_df);
    total_norm(&g) > 1e-8 && dx.norm() > 1e-8
}

/// The whole single-sample gradient check.
///
/// Runs `forward_trace` and `backward` at `x` with `dℓ/df` from `loss` (which returns
/// `(ℓ(f), ∂ℓ/∂f)`), and compares the gradient of every parameter tensor and of the input
/// with central finite differences of `x ↦ ℓ(forward(x))`. Also asserts that the check is
/// meaningful: no pre-activation of a ReLU or leaky ReLU layer sits within [`KINK`] of 0,
/// `forward` and `forward_trace` agree, every gradient is finite and not all zero.
pub fn check<const I: usize, const O: usize, N: Checked<I, O>>(
    what: &str,
    net: &N,
    x: &SVector<f64, I>,
    loss: impl Fn(&SVector<f64, O>) -> (f64, SVector<f64, O>),
) {
    let (out, _) = net.traced(x);
    assert_eq!(
        out,
        net.output(x),
        "{what}: forward_trace and forward disagree"
    );
    let closest = kink_distance(net, x);
    assert!(
        closest > KINK,
        "{what}: a ReLU pre-activation is {closest:e} from its kink at 0; choose another input"
    );

    let (_, dl_df) = loss(&out);
    let (grads, dx) = net.backprop(x, &dl_df);
    let mut probe = net.clone();
    let numeric = numeric_gradient(&mut probe, EPS, |n| loss(&n.output(x)).0);

    let mut all_finite = true;
    grads.visit(|_, v| all_finite &= v.iter().all(|g| g.is_finite()));
    assert!(
        all_finite,
        "{what}: backward left a non-finite gradient: {grads:?}"
    );
    for t in 0..net.tensor_count() {
        let (a, n) = (
            grads.tensor(t).unwrap_or(&[]),
            numeric.tensor(t).unwrap_or(&[]),
        );
        let e = relative_error(a, n);
        let name = net
            .tensor_info(t)
            .map(|i| i.to_string())
            .unwrap_or_default();
        assert!(
            e < TOL,
            "{what}: {name}: relative error {e:e}\n analytic {a:?}\n numeric  {n:?}"
        );
    }
    let (worst, _) = max_relative_error(&grads, &numeric);
    assert!(worst < TOL, "{what}: max_relative_error {worst:e}");
    assert!(
        total_norm(&grads) > 1e-8,
        "{what}: the parameter gradient is zero; the check would be vacuous"
    );

    let numeric_dx = numeric_gradient_of(x.as_slice(), EPS, |v| {
        loss(&net.output(&SVector::from_column_slice(v))).0
    });
    let e = relative_error(dx.as_slice(), &numeric_dx);
    assert!(
        e < TOL,
        "{what}: input gradient: relative error {e:e}\n analytic {:?}\n numeric  {numeric_dx:?}",
        dx.as_slice()
    );
    assert!(
        dx.norm() > 1e-8,
        "{what}: the input gradient is zero; the check would be vacuous"
    );
}

/// The batch path against the single-sample path, for the samples (columns) of `x` with
/// output gradients `dl_df`:
///
/// - `forward_batch` and `forward_batch_trace` give each sample's `forward`;
/// - `backward_batch`'s parameter gradients are the sum of the per-sample `backward`
///   gradients, and `backward_batch_params` gives the same;
/// - column `j` of its input gradient is sample `j`'s input gradient;
///
/// all to [`BATCH_TOL`]. Returns the batch parameter gradients.
pub fn check_batch<const I: usize, const O: usize, N: Checked<I, O>>(
    what: &str,
    net: &N,
    x: &Batch<f64, I>,
    dl_df: &Batch<f64, O>,
) -> N {
    let n = x.ncols();
    assert!(n > 1 && dl_df.ncols() == n);
    let out = net.batch_output(x);
    let traced = net.batch_trace_output(x);
    let (grads, dx, grads_params_only) = net.batch_backprop(x, dl_df);
    assert_eq!(dx.ncols(), n, "{what}: input-gradient columns");

    let mut summed = N::zero_grads();
    for j in 0..n {
        let xj: SVector<f64, I> = x.column(j).into_owned();
        let dj: SVector<f64, O> = dl_df.column(j).into_owned();
        let fj = net.output(&xj);
        for (label, b) in [("forward_batch", &out), ("forward_batch_trace", &traced)] {
            let e = relative_error(b.column(j).as_slice(), fj.as_slice());
            assert!(
                e < BATCH_TOL,
                "{what}: {label} column {j}: relative error {e:e}"
            );
        }
        let (g, dxj) = net.backprop(&xj, &dj);
        summed.zip_mut(&g, |_, s, g| s.iter_mut().zip(g).for_each(|(s, g)| *s += g));
        let e = relative_error(dx.column(j).as_slice(), dxj.as_slice());
        assert!(
            e < BATCH_TOL,
            "{what}: input gradient column {j}: relative error {e:e}"
        );
    }
    for t in 0..net.tensor_count() {
        let name = net
            .tensor_info(t)
            .map(|i| i.to_string())
            .unwrap_or_default();
        let b = grads.tensor(t).unwrap_or(&[]);
        let e = relative_error(b, summed.tensor(t).unwrap_or(&[]));
        assert!(
            e < BATCH_TOL,
            "{what}: {name}: batch vs summed per-sample: relative error {e:e}"
        );
        assert_eq!(
            b,
            grads_params_only.tensor(t).unwrap_or(&[]),
            "{what}: {name}: backward_batch_params differs from backward_batch"
        );
    }
    assert!(
        total_norm(&grads) > 1e-8,
        "{what}: the batch gradient is zero; the check would be vacuous"
    );
    grads
}
