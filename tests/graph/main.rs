//! Computation graphs declared with `network!`: several inputs and outputs, fan-out and
//! every join, checked in `f64`.
//!
//! - `reverse`: `backward` against central finite differences on every input and
//!   parameter; a fan-out node receives the sum of its children's gradients.
//! - `forward_mode`: `tangent` (a Jacobian-vector product) against finite differences and
//!   against reverse mode (`uᵀ(J v) = (Jᵀ u)ᵀ v`); `jacobian` against both.
//! - `batch`: the batch path against the single-sample path.

mod batch;
mod forward_mode;
mod reverse;

use nn_core::nalgebra::SVector;
use nn_core::network;
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Finite-difference step (central differences, `O(EPS²)` truncation).
pub const EPS: f64 = 1e-5;
/// Largest accepted norm-wise relative error against finite differences.
pub const TOL: f64 = 1e-6;

network! {
    /// Two inputs, two outputs, a node read by three children, and every join.
    pub struct Everything {
        img: input(6),
        feat: input(2),
        h: dense(5, tanh)(img),
        g: dense(5, sigmoid)(h),
        f: dense(5)(feat),
        s: add(h, g, f),
        m: mul(s, h),
        c: concat(m, feat, tanh),
        v: dense(1)(c),
        a: dense(3)(c),
        q: dueling(v, a),
        r: dense(2, softmax)(c),
        output: (q, r),
    }
}

network! {
    /// An MLP with a skip connection: `out = W3 relu(x1 + W2 relu(W1 x1))`.
    pub struct Skip {
        input: 4,
        x1: dense(8, tanh),
        h: dense(8, sigmoid),
        sum: add(x1, h),
        out: dense(3)(sum),
    }
}

/// A random vector with entries in [-1, 1].
pub fn random<const N: usize>(rng: &mut StdRng) -> SVector<f64, N> {
    SVector::from_fn(|_, _| rng.random_range(-1.0..1.0))
}

/// A seeded network of random weights.
pub fn everything(seed: u64) -> Everything<f64> {
    Everything::new(&mut StdRng::seed_from_u64(seed))
}
