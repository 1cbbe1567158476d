//! Typed entry points for losses: sizes checked at compile time, batches reduced.
//!
//! ```
//! use nn_core::loss::{CrossEntropy, LossExt, Reduction};
//! use nn_core::Batch;
//! let logits = Batch::<f64, 3>::zeros(2); // two samples, three classes
//! let (l, g) = CrossEntropy.batch_value_and_grad(&logits, &[0usize, 2][..], Reduction::Sum).unwrap();
//! assert!((l - 2.0 * 3f64.ln()).abs() < 1e-12);
//! assert!((g[(2, 1)] + 2.0 / 3.0).abs() < 1e-12);
//! // a label out of range is an error, not a panic
//! assert!(CrossEntropy.batch_value(&logits, &[0usize, 3][..], Reduction::Sum).is_err());
//! ```

#[cfg(feature = "alloc")]
use super::Reduction;
use super::{Loss, Target};
use crate::{Error, Scalar};
use nalgebra::SVector;

/// A target for one output of `M` values: a class index or an `SVector<T, M>`.
#[diagnostic::on_unimplemented(
    message = "this target does not fit an output of {M} values",
    label = "expected a class index (`usize`) or an `SVector<{T}, {M}>`",
    note = "a target vector must have as many values as the network has outputs"
)]
pub trait SampleTarget<T, const M: usize> {
    /// The target as the loss reads it.
    fn target(&self) -> Target<'_, T>;
}

impl<T, const M: usize> SampleTarget<T, M> for usize {
    fn target(&self) -> Target<'_, T> {
        Target::Class(*self)
    }
}

impl<T: Scalar, const M: usize> SampleTarget<T, M> for SVector<T, M> {
    fn target(&self) -> Target<'_, T> {
        Target::Values(self.as_slice())
    }
}

/// Targets for a batch of outputs with `M` rows: class labels (`[usize]`) or a matrix with
/// `M` rows and one column per sample.
#[diagnostic::on_unimplemented(
    message = "these targets do not fit a batch of outputs with {M} rows",
    label = "expected class labels (`[usize]`) or a `Batch<{T}, {M}>`",
    note = "target vectors must have as many rows as the network has outputs"
)]
pub trait BatchTarget<T, const M: usize> {
    /// The number of samples.
    fn samples(&self) -> usize;
    /// Sample `j`'s target; `j < samples()`.
    fn sample(&self, j: usize) -> Target<'_, T>;
}

impl<T, const M: usize> BatchTarget<T, M> for [usize] {
    fn samples(&self) -> usize {
        self.len()
    }
    fn sample(&self, j: usize) -> Target<'_, T> {
        Target::Class(self[j])
    }
}

#[cfg(feature = "alloc")]
impl<T: Scalar, const M: usize> BatchTarget<T, M> for crate::Batch<T, M> {
    fn samples(&self) -> usize {
        self.ncols()
    }
    fn sample(&self, j: usize) -> Target<'_, T> {
        Target::Values(&self.as_slice()[j * M..(j + 1) * M])
    }
}

/// Typed and batched use of any [`Loss`]; implemented for every loss.
pub trait LossExt<T: Scalar>: Loss<T> {
    /// `ℓ(f, y)` for one sample.
    fn value<const M: usize, Y: SampleTarget<T, M> + ?Sized>(
        &self,
        f: &SVector<T, M>,
        y: &Y,
    ) -> Result<T, Error> {
        self.eval(f.as_slice(), y.target(), None)
    }

    /// `ℓ(f, y)` and `∂ℓ/∂f` for one sample; allocates nothing.
    fn value_and_grad<const M: usize, Y: SampleTarget<T, M> + ?Sized>(
        &self,
        f: &SVector<T, M>,
        y: &Y,
    ) -> Result<(T, SVector<T, M>), Error> {
        let mut g = SVector::<T, M>::zeros();
        let l = self.eval(f.as_slice(), y.target(), Some(g.as_mut_slice()))?;
        Ok((l, g))
    }

    /// The reduced loss over a batch (one column per sample).
    #[cfg(feature = "alloc")]
    fn batch_value<const M: usize, Y: BatchTarget<T, M> + ?Sized>(
        &self,
        f: &crate::Batch<T, M>,
        y: &Y,
        reduction: Reduction,
    ) -> Result<T, Error> {
        batch_eval(self, f, y, reduction, None)
    }

    /// The reduced loss and its gradient with respect to every output column.
    #[cfg(feature = "alloc")]
    fn batch_value_and_grad<const M: usize, Y: BatchTarget<T, M> + ?Sized>(
        &self,
        f: &crate::Batch<T, M>,
        y: &Y,
        reduction: Reduction,
    ) -> Result<(T, crate::Batch<T, M>), Error> {
        let mut g = crate::Batch::<T, M>::zeros(f.ncols());
        let l = batch_eval(self, f, y, reduction, Some(&mut g))?;
        Ok((l, g))
    }

    /// Like [`batch_value_and_grad`](LossExt::batch_value_and_grad), writing the gradient
    /// into `grad` (resized to the batch) so a training loop allocates once. On an error
    /// `grad` is left as it was.
    #[cfg(feature = "alloc")]
    fn batch_grad_into<const M: usize, Y: BatchTarget<T, M> + ?Sized>(
        &self,
        f: &crate::Batch<T, M>,
        y: &Y,
        reduction: Reduction,
        grad: &mut crate::Batch<T, M>,
    ) -> Result<T, Error> {
        batch_eval(self, f, y, reduction, Some(grad))
    }
}

impl<T: Scalar, L: Loss<T>> LossExt<T> for L {}

#[cfg(feature = "alloc")]
fn batch_eval<T: Scalar, L: Loss<T> + ?Sized, const M: usize, Y: BatchTarget<T, M> + ?Sized>(
    loss: &L,
    f: &crate::Batch<T, M>,
    y: &Y,
    reduction: Reduction,
    grad: Option<&mut crate::Batch<T, M>>,
) -> Result<T, Error> {
    let n = f.ncols();
    if M == 0 {
        return Ok(T::zero());
    }
    if y.samples() != n {
        return Err(Error::LengthMismatch {
            what: "targets",
            expected: n,
            found: y.samples(),
        });
    }
    let scale = match reduction {
        Reduction::Sum => T::one(),
        Reduction::Mean if n > 0 => T::one() / T::of(n as f64),
        Reduction::Mean => T::zero(),
    };
    let column = |j: usize| &f.as_slice()[j * M..(j + 1) * M];
    let Some(g) = grad else {
        let mut total = T::zero();
        for j in 0..n {
            total += loss.eval(column(j), y.sample(j), None)?;
        }
        return Ok(total * scale);
    };
    // Validate every target before writing anything, so an error leaves `grad` untouched.
    for j in 0..n {
        loss.eval(column(j), y.sample(j), None)?;
    }
    crate::__private::resize(g, n);
    let mut total = T::zero();
    for (j, gc) in g.as_mut_slice().chunks_exact_mut(M).enumerate() {
        total += loss.eval(column(j), y.sample(j), Some(&mut *gc))?;
        gc.iter_mut().for_each(|v| *v *= scale);
    }
    Ok(total * scale)
}
