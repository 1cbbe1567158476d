//! [`StaticConv2d`]: a 2-D convolution over a weight and bias viewed in static bytes.
//!
//! ```text
//! y[f, oh, ow] = b[f] + Σ_{c < C/G, i < kh, j < kw} W[f, c, i, j] · x[g·C/G + c, oh·S + i·D - P, ow·S + j·D - P]
//! ```
//!
//! (`g = f / (F/G)`, `x` zero outside the image; see [`Conv2d`](crate::layer::Conv2d)). A safetensors
//! file holds PyTorch's weight `(F, C/G, kh, kw)` row-major: filter `f`'s `K = (C/G)·kh·kw`
//! taps are contiguous, tap `(c, i, j)` at `(c·kh + i)·kw + j`. That is the column-major
//! `SMatrix<T, K, F>` this layer views in place (column `f` = filter `f`), so nothing is
//! copied. (The trainable [`Conv2d`](crate::layer::Conv2d) keeps the transpose, `F x K`,
//! which its blocked kernels want; the loader permutes.)
//!
//! Shapes: one sample is `C x H x W` in, `F x OH x OW` out, flat in (C, H, W) order. The sum
//! over a filter's taps runs in a fixed order (channel, then kernel row, then kernel column),
//! the same on every target; no heap.

use super::Infer;
use crate::layer::Conv2d;
use crate::Scalar;
use nalgebra::{SMatrix, SVector};

/// A convolution whose parameters are `'static` (embedded) data; the const parameters are
/// [`Conv2d`]'s (without `BIAS`: the bias is optional).
///
/// ```
/// use nn_core::embed::{Infer, StaticConv2d};
/// use nn_core::nalgebra::{ArrayStorage, SMatrix, SVector};
/// // 1 channel 3x3 -> 1 filter 2x2 (no padding): W = [[1, 2], [3, 4]], row-major.
/// static W: SMatrix<f32, 4, 1> = SMatrix::from_array_storage(ArrayStorage([[1.0, 2.0, 3.0, 4.0]]));
/// const CONV: StaticConv2d<f32, 1, 3, 3, 1, 2, 2, 1, 0, 1, 1, 4> = StaticConv2d::new(&W, None);
/// let x = SVector::<f32, 9>::from_fn(|i, _| i as f32); // rows [0 1 2], [3 4 5], [6 7 8]
/// let mut y = SVector::<f32, 4>::zeros();
/// CONV.infer(&x, &mut y);
/// assert_eq!(y[0], 0.0 * 1.0 + 1.0 * 2.0 + 3.0 * 3.0 + 4.0 * 4.0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StaticConv2d<
    T: Scalar,
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
    /// The taps, `K x F`: column `f` is PyTorch's `weight[f]`, row-major.
    pub weight: &'static SMatrix<T, K, F>,
    /// One bias per filter, if the layer has one.
    pub bias: Option<&'static SVector<T, F>>,
}

impl<
        T: Scalar,
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
    > StaticConv2d<T, C, H, W, F, KH, KW, S, P, D, G, K>
{
    /// Output height and width (the geometry is checked as [`Conv2d`] checks it).
    const OHW: (usize, usize) = {
        let g = Conv2d::<T, C, H, W, F, KH, KW, S, P, D, G, K, true>::GEOMETRY;
        assert!(g.is_valid() && K == g.k(), "conv2d: inconsistent geometry");
        (g.oh(), g.ow())
    };

    /// A layer over PyTorch's weight bytes and, optionally, a bias.
    pub const fn new(
        weight: &'static SMatrix<T, K, F>,
        bias: Option<&'static SVector<T, F>>,
    ) -> Self {
        Self { weight, bias }
    }
}

impl<
        T: Scalar,
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
    > Infer<T, IN, OUT> for StaticConv2d<T, C, H, W, F, KH, KW, S, P, D, G, K>
{
    fn infer(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>) {
        const {
            assert!(IN == C * H * W, "conv2d: IN must be C·H·W");
            assert!(
                OUT == F * Self::OHW.0 * Self::OHW.1,
                "conv2d: OUT must be F·OH·OW"
            );
        };
        let (oh, ow) = Self::OHW;
        let (cg, fg) = (C / G, F / G);
        for f in 0..F {
            let taps = self.weight.column(f);
            let base = (f / fg) * cg * H * W;
            let b = self.bias.map_or(T::zero(), |b| b[f]);
            for r in 0..oh {
                for col in 0..ow {
                    let mut acc = T::zero();
                    for c in 0..cg {
                        for i in 0..KH {
                            // Below 0 wraps to a huge index: both sides of the padding are skipped.
                            let yy = (r * S + i * D).wrapping_sub(P);
                            if yy >= H {
                                continue;
                            }
                            for j in 0..KW {
                                let xx = (col * S + j * D).wrapping_sub(P);
                                if xx < W {
                                    acc += taps[(c * KH + i) * KW + j]
                                        * x[base + (c * H + yy) * W + xx];
                                }
                            }
                        }
                    }
                    y[(f * oh + r) * ow + col] = b + acc;
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
    use alloc::boxed::Box;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    #[test]
    fn computes_what_conv2d_computes_over_pytorch_layout() {
        // Strided, dilated, grouped and padded.
        type Conv = Conv2d<f64, 4, 9, 8, 6, 3, 2, 2, 1, 2, 2, 12, true>;
        let mut rng = StdRng::seed_from_u64(6);
        let mut conv = Conv::new(Init::He, &mut rng);
        conv.bias
            .iter_mut()
            .for_each(|b| *b = rng.random_range(-1.0..1.0));
        // PyTorch's bytes: weight[f, c, i, j] at f·K + (c·kh + i)·kw + j.
        let mut torch = SMatrix::<f64, 12, 6>::zeros();
        for f in 0..6 {
            for c in 0..2 {
                for i in 0..3 {
                    for j in 0..2 {
                        torch[((c * 3 + i) * 2 + j, f)] = conv.weight[(f, c + 2 * (i + 3 * j))];
                    }
                }
            }
        }
        let (w, b): (&'static _, &'static _) =
            (Box::leak(Box::new(torch)), Box::leak(Box::new(*conv.bias)));
        let s = StaticConv2d::<f64, 4, 9, 8, 6, 3, 2, 2, 1, 2, 2, 12>::new(w, Some(b));
        let x = SVector::<f64, 288>::from_fn(|_, _| rng.random_range(-1.0..1.0));
        const OUT: usize = Conv::OUT;
        let (mut y, mut ys) = (SVector::<f64, OUT>::zeros(), SVector::<f64, OUT>::zeros());
        conv.op_forward(&x, &mut y, &mut ());
        s.infer(&x, &mut ys);
        assert!((y - ys).amax() < 1e-12, "{}", (y - ys).amax());
        assert!(y.amax() > 0.1);
    }
}
