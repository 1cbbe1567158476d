//! Losses `ℓ(f(x), y*)` and their gradients `∂ℓ/∂f`, exactly as the lecture defines them.
//!
//! | loss | ℓ(f, y*) | ∂ℓ/∂f |
//! |---|---|---|
//! | [`SquaredError`] | Σ_i (f_i - y*_i)² | 2(f - y*) |
//! | [`MeanSquaredError`] | (1/M) Σ_i (f_i - y*_i)² over the `M` outputs (PyTorch's `MSELoss`) | (2/M)(f - y*) |
//! | [`CrossEntropy`] | -log p(y*\|x), p = softmax(f) | p(y\|x) - [y = y*] |
//! | [`Hinge`] | Σ_{y≠y*} [1 - (f_{y*} - f_y)]_+ | [f_{y*} < f_y + 1] at y ≠ y*, minus their sum at y* |
//! | [`Huber`] | Σ_i h_δ(f_i - y*_i), h_δ(r) = r²/2 for \|r\| ≤ δ, else δ(\|r\| - δ/2) | clamp(f - y*, -δ, δ) |
//!
//! [`PairEmbedding`] is a loss on a pair of hidden-layer outputs rather than on an output and
//! a target: semi-supervised embedding's `‖h_i - h_j‖²` for neighbours and
//! `max(0, m - ‖h_i - h_j‖)²` for non-neighbours.
//!
//! A target is a class index (`usize`) or a vector of the output's length ([`Target`]).
//! Over a batch (one column per sample) the loss is the [`Reduction::Sum`] of the per-sample
//! losses, as the lecture's `L(β, D) = Σ_i ℓ(f(x_i), y_i)`, or their [`Reduction::Mean`].
//! PyTorch's `MSELoss()` averages over every element (samples and outputs): that is
//! [`MeanSquaredError`] with [`Reduction::Mean`]; the lecture's sum is [`SquaredError`].
//!
//! The typed entry points check sizes at compile time: an output of 10 values cannot be
//! compared with a target vector of 5.
//!
//! ```
//! use nn_core::loss::{CrossEntropy, LossExt, Reduction, SquaredError};
//! use nn_core::nalgebra::SVector;
//! let f = SVector::<f64, 2>::new(1.0, 3.0);
//! let (l, g) = SquaredError.value_and_grad(&f, &SVector::<f64, 2>::new(0.0, 1.0)).unwrap();
//! assert_eq!(l, 5.0);
//! assert_eq!(g, SVector::<f64, 2>::new(2.0, 4.0));
//! let (l, g) = CrossEntropy.value_and_grad(&SVector::<f64, 2>::zeros(), &1usize).unwrap();
//! assert!((l - 2f64.ln()).abs() < 1e-15);
//! assert_eq!(g, SVector::<f64, 2>::new(0.5, -0.5));
//! ```

mod cross_entropy;
mod embedding;
mod hinge;
mod huber;
mod mean_squared_error;
mod squared_error;
mod typed;

pub use cross_entropy::CrossEntropy;
pub use embedding::{Pair, PairEmbedding};
pub use hinge::Hinge;
pub use huber::Huber;
pub use mean_squared_error::MeanSquaredError;
pub use squared_error::SquaredError;
pub use typed::{BatchTarget, LossExt, SampleTarget};

use crate::{Error, Scalar};

/// The target of one sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target<'a, T> {
    /// The index `y*` of the correct class.
    Class(usize),
    /// A target vector (regression values, or class probabilities for cross-entropy).
    Values(&'a [T]),
}

/// How per-sample losses combine over a batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reduction {
    /// `Σ_i ℓ_i`, the lecture's `L(β, D)`.
    Sum,
    /// `(1/n) Σ_i ℓ_i`.
    #[default]
    Mean,
}

/// A loss on one output column.
///
/// Implementors write one method; [`LossExt`] adds the typed, batched entry points.
pub trait Loss<T: Scalar> {
    /// A short name for messages (`"squared error"`).
    const NAME: &'static str;

    /// `ℓ(f, y)` for one output column `f`; when `grad` is given, writes `∂ℓ/∂f` into it
    /// (overwriting).
    fn eval(&self, f: &[T], y: Target<'_, T>, grad: Option<&mut [T]>) -> Result<T, Error>;
}

/// Checks a class index against the number of outputs.
pub(crate) fn check_class(class: usize, classes: usize) -> Result<(), Error> {
    if class < classes {
        Ok(())
    } else {
        Err(Error::ClassOutOfRange { class, classes })
    }
}
