//! The gate non-linearities over slices: `σ(z) = 1 / (1 + e^{-z})` and `tanh z`.
//!
//! A recurrent step evaluates `4H` (LSTM) transcendental functions after two small products,
//! so a scalar `exp` per element would cost more than the products. For `f32` the functions
//! below use a branch-free `e^x` (range reduction `x = n ln 2 + r`, a degree-6 polynomial for
//! `e^r`, `2^n` from the exponent bits; relative error below `2e-7`) that the compiler turns
//! into vector code; with `std` on x86-64 it is also compiled for AVX2+FMA and AVX-512F and
//! picked at run time. `tanh z = 1 - 2 / (1 + e^{2z})` then follows from the same `e^x`
//! (absolute error below `3e-7`). `f64` (used by the gradient checks) takes the exact scalar
//! functions.
//!
//! ```
//! use nn_core::cell::fast::{sigmoid_in_place, tanh_in_place};
//! let mut v = [0.0f32, 1.0, -30.0];
//! sigmoid_in_place(&mut v);
//! assert!((v[0] - 0.5).abs() < 1e-7 && (v[1] - 0.7310586).abs() < 1e-6 && v[2] < 1e-12);
//! let mut t = [0.5f32, -100.0];
//! tanh_in_place(&mut t);
//! assert!((t[0] - 0.46211716).abs() < 1e-6 && t[1] == -1.0);
//! ```

use crate::Scalar;
use core::any::TypeId;

/// `e^x` for `f32`, branch-free (clamped to the finite range), for vectorized loops.
#[inline(always)]
fn exp_f32(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    // n = round(x / ln 2) by the 1.5 * 2^23 trick: adding it leaves n in the low mantissa
    // bits (no rounding or float-to-int instruction needed, so the loop stays vectorized).
    let magic = 12_582_912.0f32;
    let shifted = x * core::f32::consts::LOG2_E + magic;
    let n = shifted - magic;
    // r = x - n ln 2 in two parts (Cody-Waite), |r| <= ln2 / 2.
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    // e^r by its Taylor polynomial (Cephes' coefficients).
    let p = 1.987_569_1e-4f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 5e-1;
    let er = p * r * r + r + 1.0;
    // 2^n from the exponent bits: the low bits of `shifted` hold n + 2^22 + 2^23 (two's
    // complement), and n is in [-126, 127] after the clamp.
    let biased = shifted
        .to_bits()
        .wrapping_sub(magic.to_bits())
        .wrapping_add(127);
    let two_n = f32::from_bits(biased << 23);
    er * two_n
}

#[inline(always)]
fn sigmoid_loop(v: &mut [f32]) {
    for x in v.iter_mut() {
        *x = 1.0 / (1.0 + exp_f32(-*x));
    }
}

#[inline(always)]
fn tanh_loop(v: &mut [f32]) {
    for x in v.iter_mut() {
        *x = 1.0 - 2.0 / (1.0 + exp_f32(2.0 * *x));
    }
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod x86 {
    //! Safe `#[target_feature]` functions: calling one from code not compiled for its
    //! features is `unsafe`, and the caller must make sure the CPU has them.

    /// The sigmoid loop compiled for AVX-512F (the CPU must have it).
    #[target_feature(enable = "avx512f")]
    pub(super) fn sigmoid_avx512(v: &mut [f32]) {
        super::sigmoid_loop(v)
    }
    /// The tanh loop compiled for AVX-512F (the CPU must have it).
    #[target_feature(enable = "avx512f")]
    pub(super) fn tanh_avx512(v: &mut [f32]) {
        super::tanh_loop(v)
    }
    /// The sigmoid loop compiled for AVX2 and FMA (the CPU must have them).
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn sigmoid_avx2(v: &mut [f32]) {
        super::sigmoid_loop(v)
    }
    /// The tanh loop compiled for AVX2 and FMA (the CPU must have them).
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn tanh_avx2(v: &mut [f32]) {
        super::tanh_loop(v)
    }
}

/// Runs `avx512`, `avx2` or `portable` on `v`, as the CPU allows.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[inline]
fn dispatch(
    v: &mut [f32],
    portable: fn(&mut [f32]),
    avx512: unsafe fn(&mut [f32]),
    avx2: unsafe fn(&mut [f32]),
) {
    use crate::kernels::x86::{level, Level};
    match level() {
        // SAFETY: the level is only reported when the CPU has those features.
        Level::Avx512 => unsafe { avx512(v) },
        Level::Avx2 => unsafe { avx2(v) },
        Level::Baseline => portable(v),
    }
}

fn sigmoid_portable(v: &mut [f32]) {
    sigmoid_loop(v)
}

fn tanh_portable(v: &mut [f32]) {
    tanh_loop(v)
}

/// The values as `f32` when `T` is `f32`.
#[inline(always)]
fn as_f32<T: Scalar>(v: &mut [T]) -> Option<&mut [f32]> {
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        Some(bytemuck::cast_slice_mut(v))
    } else {
        None
    }
}

/// `v ← σ(v)` element-wise: fast vector code for `f32`, exact for `f64`.
#[inline]
pub fn sigmoid_in_place<T: Scalar>(v: &mut [T]) {
    if let Some(v) = as_f32(v) {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        return dispatch(v, sigmoid_portable, x86::sigmoid_avx512, x86::sigmoid_avx2);
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        return sigmoid_portable(v);
    }
    for x in v.iter_mut() {
        *x = crate::activation::Elementwise::f(&crate::activation::Sigmoid, *x);
    }
}

/// `v ← tanh(v)` element-wise: fast vector code for `f32`, exact for `f64`.
#[inline]
pub fn tanh_in_place<T: Scalar>(v: &mut [T]) {
    if let Some(v) = as_f32(v) {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        return dispatch(v, tanh_portable, x86::tanh_avx512, x86::tanh_avx2);
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        return tanh_portable(v);
    }
    for x in v.iter_mut() {
        *x = x.tanh();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_f32_agrees_with_exact_f64() {
        let xs: [f32; 4001] = core::array::from_fn(|k| (k as f32 - 2000.0) / 100.0);
        let (mut s, mut t) = (xs, xs);
        sigmoid_in_place(&mut s);
        tanh_in_place(&mut t);
        let (mut s_port, mut t_port) = (xs, xs);
        sigmoid_portable(&mut s_port);
        tanh_portable(&mut t_port);
        for (k, &x) in xs.iter().enumerate() {
            let x = x as f64;
            let sig = 1.0 / (1.0 + (-x).exp());
            assert!(
                (s[k] as f64 - sig).abs() <= 2e-7 * sig.max(1e-30) + 1e-30,
                "σ({x}) = {}",
                s[k]
            );
            assert!(
                (t[k] as f64 - x.tanh()).abs() <= 3e-7,
                "tanh({x}) = {}",
                t[k]
            );
            assert_eq!(
                (s[k], t[k]),
                (s_port[k], t_port[k]),
                "dispatched kernels differ at {x}"
            );
        }
        let mut ends = [-1000.0f32, 1000.0, f32::MAX, f32::MIN];
        sigmoid_in_place(&mut ends);
        assert!(ends[0] < 1e-37 && ends[3] < 1e-37, "{ends:?}");
        assert_eq!((ends[1], ends[2]), (1.0, 1.0));
    }

    /// The AVX-512 and AVX2 copies of both loops against the portable ones, bit for bit, on
    /// random lengths from 0 to 100 (every remainder of 16 and 8 lanes) and random values.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[test]
    fn simd_copies_agree_with_the_portable_loops_on_random_lengths() {
        use alloc::vec::Vec;
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let avx512 = std::is_x86_feature_detected!("avx512f");
        let avx2 = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
        let mut rng = StdRng::seed_from_u64(6);
        for n in 0..=100usize {
            let xs: Vec<f32> = (0..n).map(|_| rng.random_range(-30.0..30.0)).collect();
            for (name, portable) in [
                ("sigmoid", sigmoid_portable as fn(&mut [f32])),
                ("tanh", tanh_portable),
            ] {
                let mut want = xs.clone();
                portable(&mut want);
                type Kernel = (bool, unsafe fn(&mut [f32]));
                let copies: [Kernel; 2] = if name == "sigmoid" {
                    [(avx512, x86::sigmoid_avx512), (avx2, x86::sigmoid_avx2)]
                } else {
                    [(avx512, x86::tanh_avx512), (avx2, x86::tanh_avx2)]
                };
                for (level, (available, copy)) in copies.into_iter().enumerate() {
                    if !available {
                        continue;
                    }
                    let mut got = xs.clone();
                    // SAFETY: the CPU has the copy's features (checked above).
                    unsafe { copy(&mut got) };
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&got), bits(&want), "{name}, copy {level}, n = {n}");
                }
            }
        }
    }
}
