//! [`StaticDense`]: `z = W x + b` over `Wᵀ` and `b` viewed in static bytes.
//!
//! `Wᵀ` is `SMatrix<T, IN, OUT>` (column-major), the same bytes as PyTorch's row-major
//! `(out, in)` weight, so output `i` is the dot product of column `i` of `Wᵀ` with `x`:
//! both contiguous, the access pattern of a microcontroller's single FPU. The sum is taken
//! in a fixed order (four partial sums, then the rest), so every target computes the same
//! bits.

use super::Infer;
use crate::Scalar;
use nalgebra::{SMatrix, SVector};

/// A dense layer whose parameters are `'static` (embedded) data.
///
/// ```
/// use nn_core::embed::{Infer, StaticDense};
/// use nn_core::nalgebra::{SMatrix, SVector};
/// static WT: SMatrix<f64, 2, 1> = SMatrix::from_array_storage(nn_core::nalgebra::ArrayStorage([[2.0, 3.0]]));
/// static B: SVector<f64, 1> = SVector::from_array_storage(nn_core::nalgebra::ArrayStorage([[1.0]]));
/// let d = StaticDense::new(&WT, &B); // W = [2 3], b = [1]
/// let mut y = SVector::zeros();
/// d.infer(&SVector::from([1.0, 1.0]), &mut y);
/// assert_eq!(y[0], 6.0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StaticDense<T: Scalar, const IN: usize, const OUT: usize> {
    /// `Wᵀ`, `IN x OUT`: column `i` holds the weights into unit `i`.
    pub weight_t: &'static SMatrix<T, IN, OUT>,
    /// `b`, `OUT` values.
    pub bias: &'static SVector<T, OUT>,
}

impl<T: Scalar, const IN: usize, const OUT: usize> StaticDense<T, IN, OUT> {
    /// A layer over `Wᵀ` and `b`.
    pub const fn new(
        weight_t: &'static SMatrix<T, IN, OUT>,
        bias: &'static SVector<T, OUT>,
    ) -> Self {
        Self { weight_t, bias }
    }

    /// `W` as an owned `OUT x IN` matrix (for comparisons and conversions on a host).
    pub fn weight(&self) -> SMatrix<T, OUT, IN> {
        self.weight_t.transpose()
    }
}

/// `Σ_j a_j b_j` with four partial sums, in the same order on every target.
#[inline]
pub(crate) fn dot<T: Scalar>(a: &[T], b: &[T]) -> T {
    let mut s = [T::zero(); 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (a4.remainder(), b4.remainder());
    for (ca, cb) in a4.zip(b4) {
        for k in 0..4 {
            s[k] += ca[k] * cb[k];
        }
    }
    let mut t = (s[0] + s[1]) + (s[2] + s[3]);
    for (&x, &y) in ra.iter().zip(rb) {
        t += x * y;
    }
    t
}

impl<T: Scalar, const IN: usize, const OUT: usize> Infer<T, IN, OUT> for StaticDense<T, IN, OUT> {
    #[inline]
    fn infer(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>) {
        let x = x.as_slice();
        for (i, yi) in y.iter_mut().enumerate() {
            *yi = self.bias[i] + dot(self.weight_t.column(i).as_slice(), x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Dense;

    #[test]
    fn matches_the_trainable_dense_layer() {
        static WT: SMatrix<f64, 7, 3> = SMatrix::from_array_storage(nalgebra::ArrayStorage([
            [0.5, -1.0, 2.0, 0.25, 3.0, -0.5, 1.5],
            [1.0, 0.0, -2.0, 4.0, 0.5, 0.5, -1.0],
            [-3.0, 1.0, 1.0, 1.0, -0.25, 2.0, 0.0],
        ]));
        static B: SVector<f64, 3> =
            SVector::from_array_storage(nalgebra::ArrayStorage([[0.1, -0.2, 0.3]]));
        let s = StaticDense::new(&WT, &B);
        let mut d = Dense::<f64, 7, 3>::zeros();
        *d.weight = WT.transpose();
        *d.bias = B;
        let x = SVector::<f64, 7>::from_fn(|i, _| i as f64 - 2.5);
        let mut y = SVector::zeros();
        s.infer(&x, &mut y);
        assert!(
            (y - d.forward(&x)).norm() < 1e-12,
            "{y} vs {}",
            d.forward(&x)
        );
        assert_eq!(s.weight(), *d.weight);
    }
}
