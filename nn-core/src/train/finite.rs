//! Whether a gradient is finite, checked in one vectorizable pass.
//!
//! `v - v` is 0 for every finite `v` and NaN for ±∞ and NaN, and a sum with a NaN in it is
//! NaN: 16 running sums of `v - v` (one per lane, so the compiler keeps them in vector
//! registers instead of stopping at the first bad value) are all 0 exactly when every value
//! is finite.

use crate::{Parameters, Scalar};

/// Values summed side by side.
const LANES: usize = 16;

/// True when no value of `v` is infinite or NaN.
// `x - x` is deliberate: 0 for finite `x`, NaN for ±∞ and NaN (see the module header).
#[allow(clippy::eq_op)]
pub(crate) fn all_finite<T: Scalar>(v: &[T]) -> bool {
    let mut acc = [T::zero(); LANES];
    let chunks = v.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a += x - x;
        }
    }
    for (a, &x) in acc.iter_mut().zip(tail) {
        *a += x - x;
    }
    acc.iter().all(|a| *a == T::zero())
}

/// True when no value of any tensor of `p` is infinite or NaN.
pub(crate) fn all_finite_params<T: Scalar, P: Parameters<T>>(p: &P) -> bool {
    let mut ok = true;
    p.visit(|_, v| ok &= all_finite(v));
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A single bad value anywhere, in a full chunk or the tail, is found; finite values of
    /// any size (the largest, the smallest subnormal) pass.
    #[test]
    fn one_bad_value_anywhere_is_found() {
        for n in [0usize, 1, 15, 16, 17, 40, 100] {
            let v: std::vec::Vec<f32> = (0..n)
                .map(|i| [f32::MAX, -f32::MAX, 1e-45, 0.0, -3.5][i % 5])
                .collect();
            assert!(all_finite(&v), "n={n}");
            for i in 0..n {
                for bad in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN] {
                    let mut w = v.clone();
                    w[i] = bad;
                    assert!(!all_finite(&w), "n={n} i={i} {bad}");
                }
            }
        }
    }
}
