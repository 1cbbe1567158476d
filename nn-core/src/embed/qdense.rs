//! [`StaticQDense`]: the int8 dense layer of [`crate::quant`] over embedded bytes.

use super::Infer;
use nalgebra::{SMatrix, SVector};

/// A quantized dense layer whose parameters are `'static` (embedded) data: what `network!`
/// emits for a dense layer whose `weight` is `I8` in a `#[weights = "..."]` file (written by
/// [`QuantizedFile`](crate::quant::QuantizedFile)).
///
/// ```
/// use nn_core::embed::{Infer, StaticQDense};
/// use nn_core::nalgebra::{ArrayStorage, SMatrix, SVector};
/// static WT: SMatrix<i8, 2, 1> = SMatrix::from_array_storage(ArrayStorage([[127, -64]]));
/// static S: SVector<f32, 1> = SVector::from_array_storage(ArrayStorage([[1.0 / 127.0]]));
/// static B: SVector<f32, 1> = SVector::from_array_storage(ArrayStorage([[0.0]]));
/// static A: f32 = 1.0 / 127.0;
/// let d = StaticQDense::new(&WT, &S, &B, &A); // W ≈ [1 -0.5], inputs in [-1, 1]
/// let mut y = SVector::zeros();
/// d.infer(&SVector::from([1.0, 1.0]), &mut y);
/// assert!((y[0] - 0.5).abs() < 0.01);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StaticQDense<const IN: usize, const OUT: usize> {
    /// `Ŵᵀ`, `IN x OUT`, int8.
    pub weight_t: &'static SMatrix<i8, IN, OUT>,
    /// Each output channel's weight scale.
    pub weight_scale: &'static SVector<f32, OUT>,
    /// `b`.
    pub bias: &'static SVector<f32, OUT>,
    /// The input's scale.
    pub input_scale: &'static f32,
}

impl<const IN: usize, const OUT: usize> StaticQDense<IN, OUT> {
    /// A layer over its four tensors.
    pub const fn new(
        weight_t: &'static SMatrix<i8, IN, OUT>,
        weight_scale: &'static SVector<f32, OUT>,
        bias: &'static SVector<f32, OUT>,
        input_scale: &'static f32,
    ) -> Self {
        Self {
            weight_t,
            weight_scale,
            bias,
            input_scale,
        }
    }
}

impl<const IN: usize, const OUT: usize> Infer<f32, IN, OUT> for StaticQDense<IN, OUT> {
    #[inline]
    fn infer(&self, x: &SVector<f32, IN>, y: &mut SVector<f32, OUT>) {
        *y = crate::quant::dense::forward(
            self.weight_t,
            self.weight_scale,
            self.bias,
            *self.input_scale,
            x,
        );
    }
}
