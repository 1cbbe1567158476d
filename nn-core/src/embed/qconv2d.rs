//! [`StaticQConv2d`]: the int8 convolution of [`crate::quant::QConv2d`] over embedded bytes.
//!
//! `y[f, oh, ow] = b[f] + s_f a Σ q[f, c, i, j] x̂[g·C/G + c, oh·S + i·D - P, ow·S + j·D - P]`,
//! with `x̂ = clamp(round(x / a), -127, 127)` and the sum in `i32` (see
//! [`crate::quant::conv2d`]). The file holds the weight as PyTorch's `(F, C/G, kh, kw)` in
//! `I8`, row-major: the column-major `SMatrix<i8, K, F>` this layer views in place.
//!
//! Shapes: one sample is `C x H x W` in, `F x OH x OW` out, flat in (C, H, W) order; no heap.

use super::Infer;
use nalgebra::{SMatrix, SVector};

/// A quantized convolution whose parameters are `'static` (embedded) data: what `network!`
/// emits for a `conv2d` layer whose `weight` is `I8` in a `#[weights = "..."]` file (written
/// by [`QuantizedFile::conv2d`](crate::quant::QuantizedFile::conv2d)). The const parameters
/// are [`Conv2d`](crate::layer::Conv2d)'s, without `T` and `BIAS`.
///
/// ```
/// use nn_core::embed::{Infer, StaticQConv2d};
/// use nn_core::nalgebra::{ArrayStorage, SMatrix, SVector};
/// // 1 channel 3x3 -> 1 filter 2x2, no padding: W ≈ [[1, 0.5], [0, -1]], inputs in [-1, 1].
/// static Q: SMatrix<i8, 4, 1> = SMatrix::from_array_storage(ArrayStorage([[127, 64, 0, -127]]));
/// static S: SVector<f32, 1> = SVector::from_array_storage(ArrayStorage([[1.0 / 127.0]]));
/// static A: f32 = 1.0 / 127.0;
/// const CONV: StaticQConv2d<1, 3, 3, 1, 2, 2, 1, 0, 1, 1, 4> = StaticQConv2d::new(&Q, &S, None, &A);
/// let x = SVector::<f32, 9>::from_fn(|i, _| i as f32 / 8.0); // rows [0 .125 .25], ...
/// let mut y = SVector::<f32, 4>::zeros();
/// CONV.infer(&x, &mut y);
/// // Top-left pixel: 1·0 + 0.5·0.125 + 0·0.375 - 1·0.5 = -0.4375.
/// assert!((y[0] + 0.4375).abs() < 0.01);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StaticQConv2d<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const S: usize,
    const P: usize,
    const D: usize,
    const G: usize,
    const K: usize,
> {
    /// The int8 taps, `K x F`: column `f` is PyTorch's `weight[f]`, row-major.
    pub weight: &'static SMatrix<i8, K, F>,
    /// Each filter's weight scale `s_f`.
    pub weight_scale: &'static SVector<f32, F>,
    /// One bias per filter, if the layer has one.
    pub bias: Option<&'static SVector<f32, F>>,
    /// The input's scale `a`.
    pub input_scale: &'static f32,
}

impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const S: usize,
        const P: usize,
        const D: usize,
        const G: usize,
        const K: usize,
    > StaticQConv2d<C, H, W, F, KH, KW, S, P, D, G, K>
{
    /// A layer over its tensors (the bias is optional).
    pub const fn new(
        weight: &'static SMatrix<i8, K, F>,
        weight_scale: &'static SVector<f32, F>,
        bias: Option<&'static SVector<f32, F>>,
        input_scale: &'static f32,
    ) -> Self {
        Self {
            weight,
            weight_scale,
            bias,
            input_scale,
        }
    }
}

impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const S: usize,
        const P: usize,
        const D: usize,
        const G: usize,
        const K: usize,
        const IN: usize,
        const OUT: usize,
    > Infer<f32, IN, OUT> for StaticQConv2d<C, H, W, F, KH, KW, S, P, D, G, K>
{
    #[inline]
    fn infer(&self, x: &SVector<f32, IN>, y: &mut SVector<f32, OUT>) {
        crate::quant::conv2d::forward::<C, H, W, F, KH, KW, S, P, D, G, K, IN, OUT>(
            self.weight,
            self.weight_scale,
            self.bias,
            *self.input_scale,
            x,
            y,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::Init;
    use crate::layer::Conv2d;
    use crate::quant::QConv2d;
    use alloc::boxed::Box;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// `'static` copies of a quantized layer's tensors, as an embedded file would hold them.
    fn leak<T: 'static>(v: T) -> &'static T {
        Box::leak(Box::new(v))
    }

    #[test]
    fn computes_the_bits_qconv2d_computes_with_and_without_bias() {
        // Strided, dilated, grouped and padded.
        type Conv<const B: bool> = Conv2d<f32, 4, 9, 8, 6, 3, 2, 2, 1, 2, 2, 12, B>;
        let mut rng = StdRng::seed_from_u64(8);
        let mut conv = Conv::<true>::new(Init::He, &mut rng);
        conv.bias
            .iter_mut()
            .for_each(|b| *b = rng.random_range(-1.0..1.0));
        let mut plain = Conv::<false>::zeros();
        plain.weight.copy_from(&*conv.weight);
        let x = SVector::<f32, 288>::from_fn(|_, _| rng.random_range(-1.5..1.5));
        const OUT: usize = Conv::<true>::OUT;
        for (q, with_bias) in [
            (QConv2d::quantize(&conv, 0.01), true),
            (QConv2d::quantize(&plain, 0.01), false),
        ] {
            assert_eq!(q.has_bias, with_bias);
            let s = StaticQConv2d::<4, 9, 8, 6, 3, 2, 2, 1, 2, 2, 12>::new(
                leak(*q.weight),
                leak(*q.weight_scale),
                with_bias.then(|| leak(*q.bias)),
                leak(q.input_scale),
            );
            let (mut y, mut ys) = (SVector::<f32, OUT>::zeros(), SVector::<f32, OUT>::zeros());
            q.forward(&x, &mut y);
            s.infer(&x, &mut ys);
            assert_eq!(y, ys);
            assert!(y.amax() > 0.1);
        }
    }
}
