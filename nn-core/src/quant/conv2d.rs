//! [`QConv2d`]: a 2-D convolution with int8 weights, quantized from a trained [`Conv2d`].
//!
//! For `y[f, oh, ow] = b[f] + Σ_{c, i, j} W[f, c, i, j] · x[g·C/G + c, oh·S + i·D - P, ow·S + j·D - P]`
//! (see [`Conv2d`]):
//!
//! - weights, per output channel (filter) `f`: `s_f = max |W[f, ·]| / 127`,
//!   `q[f, ·] = round(W[f, ·] / s_f) ∈ [-127, 127]`;
//! - the input, with one calibrated scale `a` ([`Calibrator`](super::Calibrator)):
//!   `x̂ = clamp(round(x / a), -127, 127)`, zero padding staying exactly 0;
//! - `y[f, oh, ow] = b[f] + s_f a Σ q x̂`, the `(C/G)·kh·kw` products of `i8` accumulated in
//!   `i32` (exact while `127²·K < 2³¹`, i.e. `K < 133,000`).
//!
//! Shapes: one sample is `C x H x W` in and `F x OH x OW` out, flat in (C, H, W) order, as
//! [`Conv2d`]. The weights are `SMatrix<i8, K, F>` in PyTorch's layout: column `f` holds
//! filter `f`'s `K = (C/G)·kh·kw` taps contiguously, tap `(c, i, j)` at row `(c·kh + i)·kw + j`,
//! so a [`QuantizedFile`](super::QuantizedFile) writes the column-major bytes as they are and
//! [`StaticQConv2d`](crate::embed::StaticQConv2d) views them in place. One byte per weight
//! instead of four, plus one scale per filter.
//!
//! The forward gathers each output pixel's `K` quantized inputs once (zero in the padding)
//! and takes one [`dot_i8`] per filter over them: the products of a filter are contiguous on
//! both sides, which is what the ARM DSP kernel (feature `arm-dsp`) and vectorizers want.
//!
//! ```
//! use nn_core::{layer::Conv2d, nalgebra::SVector, quant::QConv2d};
//! // 1 channel 4x4 -> 2 filters 3x3, padding 1.
//! let mut conv = Conv2d::<f32, 1, 4, 4, 2, 3, 3, 1, 1, 1, 1, 9, true>::zeros();
//! conv.weight[(0, 4)] = 1.0; // filter 0: the centre tap
//! conv.weight[(1, 0)] = -0.5; // filter 1: the top-left tap
//! let q = QConv2d::quantize(&conv, 1.0 / 127.0); // inputs in [-1, 1]
//! assert_eq!((q.weight[(4, 0)], q.weight[(0, 1)]), (127, -127));
//! let x = SVector::<f32, 16>::from_fn(|i, _| i as f32 / 16.0);
//! let mut y = SVector::<f32, 32>::zeros();
//! q.forward(&x, &mut y);
//! assert!((y[5] - 5.0 / 16.0).abs() < 0.01);
//! // Filter 1 at pixel (2, 2) reads pixel (1, 1) = x[5].
//! assert!((y[16 + 10] + 0.5 * 5.0 / 16.0).abs() < 0.01);
//! ```

use super::{dot_i8, quantize, scale_for};
use crate::layer::Conv2d;
use crate::Param;
use nalgebra::{SMatrix, SVector};

/// A convolution with int8 weights (one scale per filter) and int8 inputs (one scale),
/// accumulated in `i32`; the const parameters are [`Conv2d`]'s (without `T` and `BIAS`).
pub struct QConv2d<
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
    /// The quantized taps, `K x F`: column `f` is filter `f`, tap `(c, i, j)` at row
    /// `(c·kh + i)·kw + j` (PyTorch's layout).
    pub weight: Param<SMatrix<i8, K, F>>,
    /// `s_f`, each filter's weight scale.
    pub weight_scale: Param<SVector<f32, F>>,
    /// `b`, in `f32` (zero for a layer without bias).
    pub bias: Param<SVector<f32, F>>,
    /// Whether the float layer had a bias (a [`QuantizedFile`](super::QuantizedFile) then
    /// writes one).
    pub has_bias: bool,
    /// `a`, the input's scale.
    pub input_scale: f32,
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
    > QConv2d<C, H, W, F, KH, KW, S, P, D, G, K>
{
    /// Bytes the parameters take: one per weight, four per scale and bias, four for `a`.
    pub const BYTES: usize = K * F + 8 * F + 4;

    /// Quantizes `conv`'s weights per filter; `input_scale` comes from calibration on this
    /// layer's inputs (a zero or non-finite scale becomes 1).
    pub fn quantize<const BIAS: bool>(
        conv: &Conv2d<f32, C, H, W, F, KH, KW, S, P, D, G, K, BIAS>,
        input_scale: f32,
    ) -> Self {
        let mut q = Self {
            weight: Param::zeroed(),
            weight_scale: Param::zeroed(),
            bias: Param::zeroed(),
            has_bias: BIAS,
            input_scale: if input_scale > 0.0 && input_scale.is_finite() {
                input_scale
            } else {
                1.0
            },
        };
        if BIAS {
            q.bias.copy_from(&*conv.bias);
        }
        let cg = C / G;
        for f in 0..F {
            let row = conv.weight.row(f);
            let s = scale_for(row.iter().fold(0f32, |m, w| m.max(w.abs())));
            q.weight_scale[f] = s;
            // `Conv2d` keeps tap (c, i, j) at column c + (C/G)·(i + kh·j).
            for c in 0..cg {
                for i in 0..KH {
                    for j in 0..KW {
                        q.weight[((c * KH + i) * KW + j, f)] =
                            quantize(row[c + cg * (i + KH * j)], s);
                    }
                }
            }
        }
        q
    }

    /// The convolution of one `C x H x W` sample into `y` (`F x OH x OW`), in int8 with
    /// int32 accumulation; no heap (the quantized input and one pixel's taps live on the
    /// stack).
    ///
    /// `IN` must be `C·H·W` and `OUT` `F·OH·OW` (checked at compile time).
    pub fn forward<const IN: usize, const OUT: usize>(
        &self,
        x: &SVector<f32, IN>,
        y: &mut SVector<f32, OUT>,
    ) {
        forward::<C, H, W, F, KH, KW, S, P, D, G, K, IN, OUT>(
            &self.weight,
            &self.weight_scale,
            self.has_bias.then_some(&*self.bias),
            self.input_scale,
            x,
            y,
        );
    }
}

/// The quantized convolution over borrowed parameters (shared with the static layer):
/// quantizes `x`, then per output pixel gathers the `K` taps' inputs and takes one [`dot_i8`]
/// per filter of the pixel's group.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn forward<
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
>(
    weight: &SMatrix<i8, K, F>,
    weight_scale: &SVector<f32, F>,
    bias: Option<&SVector<f32, F>>,
    input_scale: f32,
    x: &SVector<f32, IN>,
    y: &mut SVector<f32, OUT>,
) {
    let (geometry, (oh, ow)) = const {
        let g = Conv2d::<f32, C, H, W, F, KH, KW, S, P, D, G, K, true>::GEOMETRY;
        assert!(g.is_valid() && K == g.k(), "qconv2d: inconsistent geometry");
        assert!(IN == C * H * W, "qconv2d: IN must be C·H·W");
        assert!(OUT == F * g.oh() * g.ow(), "qconv2d: OUT must be F·OH·OW");
        (g, (g.oh(), g.ow()))
    };
    let mut xq = [0i8; IN];
    for (q, &v) in xq.iter_mut().zip(x.iter()) {
        *q = quantize(v, input_scale);
    }
    let fg = F / G;
    let mut patch = [0i8; K];
    for g in 0..G {
        for r in 0..oh {
            for col in 0..ow {
                geometry.gather_patch(&xq, g, r, col, 0, &mut patch);
                for f in g * fg..(g + 1) * fg {
                    let acc = dot_i8(weight.column(f).as_slice(), &patch);
                    let b = bias.map_or(0.0, |b| b[f]);
                    y[(f * oh + r) * ow + col] = b + weight_scale[f] * input_scale * acc as f32;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::Init;
    use crate::layer::Op;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    #[test]
    fn forward_matches_float_within_a_few_steps() {
        // Strided, dilated, grouped and padded, so every index path is exercised.
        type Conv = Conv2d<f32, 4, 9, 8, 6, 3, 2, 2, 1, 2, 2, 12, true>;
        let mut rng = StdRng::seed_from_u64(5);
        let mut conv = Conv::new(Init::He, &mut rng);
        conv.bias
            .iter_mut()
            .for_each(|b| *b = rng.random_range(-1.0..1.0));
        let q = QConv2d::quantize(&conv, 1.0 / 127.0);
        for f in 0..6 {
            let max = conv.weight.row(f).amax();
            assert!((q.weight_scale[f] - max / 127.0).abs() <= 1e-9);
        }
        let x = SVector::<f32, 288>::from_fn(|_, _| rng.random_range(-1.0..1.0));
        const OUT: usize = Conv::OUT;
        let (mut y, mut yq) = (SVector::<f32, OUT>::zeros(), SVector::<f32, OUT>::zeros());
        conv.op_forward(&x, &mut y, &mut ());
        q.forward(&x, &mut yq);
        // Each of the K = 12 products errs by at most |W| a/2 + s |x|/2 + s a/4.
        let bound = 12.0 * (conv.weight.amax() / 254.0 + q.weight_scale.max() / 2.0 + 0.01);
        assert!((y - yq).amax() <= bound, "{} > {bound}", (y - yq).amax());
        assert!((y - yq).amax() > 0.0, "int8 cannot be exact here");
        assert!((y - yq).amax() < 0.05 * y.amax());
    }

    #[test]
    fn a_quarter_of_the_bytes() {
        type Q = QConv2d<8, 14, 14, 16, 3, 3, 1, 1, 1, 1, 72>;
        let float = 4 * (16 * 72 + 16);
        assert!(float as f64 / Q::BYTES as f64 > 3.5);
        assert_eq!(core::mem::size_of::<SMatrix<i8, 72, 16>>(), 72 * 16);
    }
}
