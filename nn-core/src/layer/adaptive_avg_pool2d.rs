//! Adaptive average pooling, PyTorch's `AdaptiveAvgPool2d((OH, OW))`: a `C x H x W` image
//! to `C x OH x OW`, whatever `H` and `W` are. No parameters.
//!
//! Output row `i` averages input rows `floor(i·H/OH) .. ceil((i+1)·H/OH)` (columns alike):
//! `y[c, i, j] = (1/|R_i||C_j|) Σ_{r ∈ R_i, s ∈ C_j} x[c, r, s]`. Windows may overlap when
//! `OH` does not divide `H`; where `OH == H` it is the identity, where `OH == 1` the mean.
//!
//! Backward: `dℓ/dx[c, r, s] = Σ_{(i, j): r ∈ R_i, s ∈ C_j} dℓ/dy[c, i, j] / (|R_i||C_j|)`.
//! Shapes: `C·H·W` in, `C·OH·OW` out, both in (C, H, W) order.
//!
//! ```
//! use nn_core::layer::{AdaptiveAvgPool2d, Op};
//! use nn_core::nalgebra::SVector;
//! // One channel of 1 x 3 to 1 x 2: windows [0, 2) and [1, 3).
//! let pool = AdaptiveAvgPool2d::<f64, 1, 1, 3, 1, 2>::new();
//! let x = SVector::<f64, 3>::from([1.0, 2.0, 4.0]);
//! let mut y = SVector::<f64, 2>::zeros();
//! pool.op_forward(&x, &mut y, &mut ());
//! assert_eq!(y, SVector::from([1.5, 3.0]));
//! ```

use crate::Scalar;
use core::marker::PhantomData;
use core::ops::Range;
use nalgebra::SVector;

/// `C x H x W` averaged into `C x OH x OW` windows; see the [module](self).
pub struct AdaptiveAvgPool2d<
    T,
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
>(PhantomData<T>);

/// Input indices `floor(i·n/out) .. ceil((i+1)·n/out)` pooled into output index `i`.
fn window(i: usize, n: usize, out: usize) -> Range<usize> {
    (i * n / out)..((i + 1) * n).div_ceil(out)
}

impl<
        T: Scalar,
        const C: usize,
        const H: usize,
        const W: usize,
        const OH: usize,
        const OW: usize,
    > AdaptiveAvgPool2d<T, C, H, W, OH, OW>
{
    /// The layer (it has no parameters).
    pub const fn new() -> Self {
        Self(PhantomData)
    }

    const fn sizes<const IN: usize, const OUT: usize>() {
        assert!(
            H > 0 && W > 0 && OH > 0 && OW > 0,
            "adaptive_avg_pool2d: sizes must be positive"
        );
        assert!(IN == C * H * W, "adaptive_avg_pool2d: IN must be C·H·W");
        assert!(
            OUT == C * OH * OW,
            "adaptive_avg_pool2d: OUT must be C·OH·OW"
        );
    }

    /// Calls `f(output index, input rows, input columns, 1 / window size)` for every output.
    fn windows(mut f: impl FnMut(usize, Range<usize>, Range<usize>, T)) {
        for i in 0..OH {
            let rows = window(i, H, OH);
            for j in 0..OW {
                let cols = window(j, W, OW);
                let scale = T::of(1.0 / (rows.len() * cols.len()) as f64);
                f(i * OW + j, rows.clone(), cols, scale);
            }
        }
    }

    /// One sample: `x` is `C·H·W`, `y` is `C·OH·OW`.
    fn forward_one(x: &[T], y: &mut [T]) {
        for (x, y) in x.chunks_exact(H * W).zip(y.chunks_exact_mut(OH * OW)) {
            Self::windows(|o, rows, cols, scale| {
                let sum = rows.fold(T::zero(), |a, r| {
                    x[r * W + cols.start..r * W + cols.end]
                        .iter()
                        .fold(a, |a, &v| a + v)
                });
                y[o] = sum * scale;
            });
        }
    }

    /// One sample's input gradient from its output gradient `dy`.
    fn backward_one(dy: &[T], dx: &mut [T]) {
        dx.fill(T::zero());
        for (dy, dx) in dy.chunks_exact(OH * OW).zip(dx.chunks_exact_mut(H * W)) {
            Self::windows(|o, rows, cols, scale| {
                let g = dy[o] * scale;
                for r in rows {
                    for v in &mut dx[r * W + cols.start..r * W + cols.end] {
                        *v += g;
                    }
                }
            });
        }
    }
}

super::no_params::stateless!(
    AdaptiveAvgPool2d<T, C, H, W, OH, OW>,
    const C,
    const H,
    const W,
    const OH,
    const OW
);

impl<
        T: Scalar,
        const C: usize,
        const H: usize,
        const W: usize,
        const OH: usize,
        const OW: usize,
    > core::fmt::Debug for AdaptiveAvgPool2d<T, C, H, W, OH, OW>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AdaptiveAvgPool2d {{ {C}x{H}x{W} -> {C}x{OH}x{OW} }}")
    }
}

super::no_params::no_parameters!(
    "adaptive_avg_pool2d",
    AdaptiveAvgPool2d<T, C, H, W, OH, OW>,
    const C,
    const H,
    const W,
    const OH,
    const OW
);

impl<
        T: Scalar,
        const C: usize,
        const H: usize,
        const W: usize,
        const OH: usize,
        const OW: usize,
        const IN: usize,
        const OUT: usize,
    > super::Op<T, IN, OUT> for AdaptiveAvgPool2d<T, C, H, W, OH, OW>
{
    type Cache = ();

    fn empty_cache() {}

    fn op_forward(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>, _: &mut ()) {
        const { Self::sizes::<IN, OUT>() };
        Self::forward_one(x.as_slice(), y.as_mut_slice());
    }

    fn op_backward(
        &self,
        _: &SVector<T, IN>,
        _: &SVector<T, OUT>,
        _: &(),
        dy: &SVector<T, OUT>,
        _: &mut Self,
        dx: &mut SVector<T, IN>,
    ) {
        const { Self::sizes::<IN, OUT>() };
        Self::backward_one(dy.as_slice(), dx.as_mut_slice());
    }

    fn op_tangent(
        &self,
        _: &SVector<T, IN>,
        _: &SVector<T, OUT>,
        _: &(),
        dx: &SVector<T, IN>,
        dy: &mut SVector<T, OUT>,
    ) {
        const { Self::sizes::<IN, OUT>() };
        Self::forward_one(dx.as_slice(), dy.as_mut_slice());
    }
}

#[cfg(feature = "alloc")]
impl<
        T: Scalar,
        const C: usize,
        const H: usize,
        const W: usize,
        const OH: usize,
        const OW: usize,
        const IN: usize,
        const OUT: usize,
    > super::BatchOp<T, IN, OUT> for AdaptiveAvgPool2d<T, C, H, W, OH, OW>
{
    type BatchCache = ();

    fn empty_batch_cache() {}

    fn op_forward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        y: &mut crate::Batch<T, OUT>,
        _: &mut (),
        _: bool,
    ) {
        const { Self::sizes::<IN, OUT>() };
        // The batch's samples follow one another, each a run of C planes.
        crate::__private::resize(y, x.ncols());
        Self::forward_one(x.as_slice(), y.as_mut_slice());
    }

    fn op_backward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        _: &crate::Batch<T, OUT>,
        _: &(),
        dy: &crate::Batch<T, OUT>,
        _: &mut Self,
        dx: Option<&mut crate::Batch<T, IN>>,
    ) {
        const { Self::sizes::<IN, OUT>() };
        if let Some(dx) = dx {
            crate::__private::resize(dx, x.ncols());
            Self::backward_one(dy.as_slice(), dx.as_mut_slice());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Op;

    #[test]
    fn windows_are_pytorchs() {
        // PyTorch: start = floor(i·n/out), end = ceil((i+1)·n/out).
        assert_eq!(window(0, 5, 3), 0..2);
        assert_eq!(window(1, 5, 3), 1..4);
        assert_eq!(window(2, 5, 3), 3..5);
        assert_eq!(window(0, 13, 6), 0..3);
        assert_eq!(window(5, 13, 6), 10..13);
        assert_eq!(window(3, 7, 7), 3..4);
    }

    #[test]
    fn equal_sizes_are_the_identity_and_one_is_the_mean() {
        let x = SVector::<f64, 12>::from_fn(|i, _| (i * i) as f64);
        let mut y = SVector::<f64, 12>::zeros();
        AdaptiveAvgPool2d::<f64, 2, 2, 3, 2, 3>::new().op_forward(&x, &mut y, &mut ());
        assert_eq!(y, x);
        let mut m = SVector::<f64, 2>::zeros();
        AdaptiveAvgPool2d::<f64, 2, 2, 3, 1, 1>::new().op_forward(&x, &mut m, &mut ());
        let mean = |r: core::ops::Range<usize>| r.map(|i| (i * i) as f64).sum::<f64>() / 6.0;
        let want = SVector::<f64, 2>::from([mean(0..6), mean(6..12)]);
        assert!((m - want).amax() < 1e-12, "{m} vs {want}");
    }

    #[test]
    fn backward_matches_central_differences() {
        // 2 x 5 x 4 to 2 x 3 x 3: overlapping windows on both axes.
        type P = AdaptiveAvgPool2d<f64, 2, 5, 4, 3, 3>;
        let pool = P::new();
        let x = SVector::<f64, 40>::from_fn(|i, _| ((i * 7) % 11) as f64 * 0.3 - 1.0);
        let w = SVector::<f64, 18>::from_fn(|i, _| ((i * 5) % 7) as f64 - 3.0);
        let loss = |x: &SVector<f64, 40>| {
            let mut y = SVector::<f64, 18>::zeros();
            pool.op_forward(x, &mut y, &mut ());
            y.dot(&w)
        };
        let mut dx = SVector::<f64, 40>::zeros();
        let y = SVector::<f64, 18>::zeros();
        pool.op_backward(&x, &y, &(), &w, &mut P::new(), &mut dx);
        let h = 1e-6;
        for i in 0..40 {
            let (mut a, mut b) = (x, x);
            a[i] += h;
            b[i] -= h;
            let fd = (loss(&a) - loss(&b)) / (2.0 * h);
            assert!((fd - dx[i]).abs() < 1e-8, "x[{i}]: {fd} vs {}", dx[i]);
        }
    }
}
