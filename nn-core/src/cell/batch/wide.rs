//! [`forward`](super::forward) and [`backward`](super::backward) compiled for AVX-512F and for AVX2 (the `#[inline(always)]`
//! bodies and the cells' gate arithmetic inline into them). The element-wise operations are
//! the same operations in the same order at any vector width (no sums across lanes, no
//! fused multiply-adds), so every copy gives the same bits as the portable one.

use super::{backward_body, forward_body, BatchSeqCache, RecurrentCell};
use crate::Scalar;

macro_rules! copies {
    ($($feature:literal: $fwd:ident, $bwd:ident;)*) => {$(
        /// [`forward_body`](super::forward_body) for these features (the CPU must have them).
        #[target_feature(enable = $feature)]
        pub(super) fn $fwd<
            T: Scalar,
            C: RecurrentCell<T, I, H, G>,
            const I: usize,
            const H: usize,
            const G: usize,
        >(
            cell: &C,
            x: &[T],
            seq: usize,
            n: usize,
            s0: Option<&[C::State]>,
            cache: &mut BatchSeqCache<T, C::State, C::StepCache>,
        ) {
            forward_body(cell, x, seq, n, s0, cache)
        }

        /// [`backward_body`](super::backward_body) for these features (the CPU must have
        /// them).
        #[allow(clippy::too_many_arguments)]
        #[target_feature(enable = $feature)]
        pub(super) fn $bwd<
            'a,
            T: Scalar,
            C: RecurrentCell<T, I, H, G>,
            const I: usize,
            const H: usize,
            const G: usize,
        >(
            cell: &C,
            clip: Option<f64>,
            x: &[T],
            cache: &BatchSeqCache<T, C::State, C::StepCache>,
            dh: impl Fn(usize, usize) -> Option<&'a [T]>,
            grad: &mut C,
            dx: Option<&mut [T]>,
            ds_last: Option<&[C::State]>,
            ds0: Option<&mut [C::State]>,
        ) {
            backward_body(cell, clip, x, cache, dh, grad, dx, ds_last, ds0)
        }
    )*};
}
copies! {
    "avx512f": forward_avx512, backward_avx512;
    "avx2,fma": forward_avx2, backward_avx2;
}
