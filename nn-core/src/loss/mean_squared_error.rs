//! Mean squared error, PyTorch's `MSELoss`: `ℓ(f, y*) = (1/M) Σ_i (f_i - y*_i)²` over the
//! `M` outputs, `∂ℓ/∂f = (2/M)(f - y*)`.
//!
//! With [`Reduction::Mean`](super::Reduction::Mean) over a batch of `n` samples this is the
//! mean over all `n·M` elements, `Σ_j Σ_i (f_ij - y*_ij)² / (nM)`: exactly
//! `torch.nn.MSELoss()` (its default `reduction='mean'`). PyTorch's `reduction='sum'` is the
//! lecture's [`SquaredError`](super::SquaredError) with
//! [`Reduction::Sum`](super::Reduction::Sum); with one output (`M = 1`) the two losses agree.
//! A class index `c` as target means the one-hot vector `e_c`.
//!
//! ```
//! use nn_core::loss::{LossExt, MeanSquaredError, Reduction, SquaredError};
//! use nn_core::Batch;
//! // two samples of three outputs; errors 1, 2, 3 and 0, 0, 2
//! let f = Batch::<f64, 3>::from_column_slice(&[1.0, 2.0, 3.0, 0.0, 0.0, 2.0]);
//! let y = Batch::<f64, 3>::zeros(2);
//! let (l, g) = MeanSquaredError.batch_value_and_grad(&f, &y, Reduction::Mean).unwrap();
//! assert_eq!(l, 18.0 / 6.0); // torch.nn.MSELoss(): mean over all six elements
//! assert_eq!(g[(2, 0)], 2.0 * 3.0 / 6.0);
//! // the lecture's sum of squares, summed over samples: MSELoss(reduction='sum')
//! assert_eq!(SquaredError.batch_value(&f, &y, Reduction::Sum).unwrap(), 18.0);
//! ```

use super::{Loss, SquaredError, Target};
use crate::{Error, Scalar};

/// `ℓ = (1/M) Σ (f - y*)²`, PyTorch's `MSELoss` with [`Reduction::Mean`](super::Reduction::Mean).
///
/// ```
/// use nn_core::loss::{Loss, MeanSquaredError, Target};
/// let mut g = [0.0f64; 2];
/// let l = MeanSquaredError.eval(&[1.0, 2.0], Target::Values(&[0.0, 0.0]), Some(&mut g)).unwrap();
/// assert_eq!((l, g), (2.5, [1.0, 2.0]));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanSquaredError;

impl<T: Scalar> Loss<T> for MeanSquaredError {
    const NAME: &'static str = "mean squared error";

    fn eval(&self, f: &[T], y: Target<'_, T>, mut grad: Option<&mut [T]>) -> Result<T, Error> {
        let sum = SquaredError.eval(f, y, grad.as_deref_mut())?;
        if f.is_empty() {
            return Ok(T::zero());
        }
        let m = T::of(f.len() as f64);
        if let Some(g) = grad {
            g.iter_mut().for_each(|g| *g /= m);
        }
        Ok(sum / m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_the_squared_error_over_the_output_count() {
        let f = [0.5f64, -1.25, 2.0, 0.0];
        let y = [1.0f64, 0.75, -0.5, 0.25];
        let (mut g, mut g_sum) = ([0.0; 4], [0.0; 4]);
        let l = MeanSquaredError
            .eval(&f, Target::Values(&y), Some(&mut g))
            .unwrap();
        let s = SquaredError
            .eval(&f, Target::Values(&y), Some(&mut g_sum))
            .unwrap();
        assert_eq!(l, s / 4.0);
        for (g, gs) in g.iter().zip(g_sum) {
            assert_eq!(*g, gs / 4.0);
        }
        // a class target is one-hot; a wrong length is an error
        assert_eq!(
            MeanSquaredError.eval(&[1.0f64, 0.0], Target::Class(0), None),
            Ok(0.0)
        );
        assert!(MeanSquaredError
            .eval(&f, Target::Values(&y[..3]), None)
            .is_err());
    }
}
