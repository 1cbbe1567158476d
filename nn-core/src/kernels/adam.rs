//! The Adam/Nadam update of one tensor, element-wise, with the bias corrections folded into
//! two factors so each element costs one division and one square root:
//!
//! `m ← β₁m + (1-β₁)g`, `v ← β₂v + (1-β₂)g²`,
//! `θ ← θ - (α/(1-β₁ᵗ)) · u / (√v · (1/√(1-β₂ᵗ)) + ε)` with `u = m` (Adam) or
//! `u = β₁m + (1-β₁)g` (Nadam, the lecture's `β₁m̂ + (1-β₁)g/(1-β₁ᵗ)` times `1-β₁ᵗ`).
//! This is Algorithm 1's `θ - α m̂/(√v̂ + ε)` exactly, rearranged.
//!
//! `f32` tensors run a copy of the loop compiled for AVX-512F or AVX2+FMA when the CPU has
//! them (chosen at run time under `std`); other cases run it as compiled.

use crate::Scalar;

/// The per-step constants of one update.
#[derive(Clone, Copy, Debug)]
pub struct AdamCoefficients {
    /// β₁.
    pub beta1: f64,
    /// β₂.
    pub beta2: f64,
    /// α / (1 - β₁ᵗ).
    pub step: f64,
    /// 1 / √(1 - β₂ᵗ).
    pub inv_sqrt_bias2: f64,
    /// ε.
    pub eps: f64,
    /// Nadam's look-ahead numerator instead of Adam's.
    pub nesterov: bool,
}

/// Updates `p`, `m` and `v` in place from the gradient `g` (all of one length).
///
/// ```
/// use nn_core::kernels::{adam_update, AdamCoefficients};
/// let (mut p, mut m, mut v) = ([1.0f64], [0.0], [0.0]);
/// let k = AdamCoefficients { beta1: 0.9, beta2: 0.999, step: 0.1 / 0.1, inv_sqrt_bias2: 1.0 / 0.001f64.sqrt(), eps: 1e-8, nesterov: false };
/// adam_update(&mut p, &[2.0], &mut m, &mut v, k);
/// assert!((p[0] - (1.0 - 0.1)).abs() < 1e-7); // Adam's first step is -α sign(g)
/// ```
pub fn adam_update<T: Scalar>(p: &mut [T], g: &[T], m: &mut [T], v: &mut [T], k: AdamCoefficients) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if core::any::TypeId::of::<T>() == core::any::TypeId::of::<f32>() {
        let (p, g) = (
            bytemuck::cast_slice_mut::<T, f32>(p),
            bytemuck::cast_slice::<T, f32>(g),
        );
        let (m, v) = (
            bytemuck::cast_slice_mut::<T, f32>(m),
            bytemuck::cast_slice_mut::<T, f32>(v),
        );
        match super::x86::level() {
            // SAFETY: the level is reported only when the CPU has these features.
            super::x86::Level::Avx512 => return unsafe { adam_avx512(p, g, m, v, k) },
            super::x86::Level::Avx2 => return unsafe { adam_avx2(p, g, m, v, k) },
            super::x86::Level::Baseline => {}
        }
    }
    body(p, g, m, v, k)
}

#[inline(always)]
fn body<T: Scalar>(p: &mut [T], g: &[T], m: &mut [T], v: &mut [T], k: AdamCoefficients) {
    let (b1, b2) = (T::of(k.beta1), T::of(k.beta2));
    let (one_b1, one_b2) = (T::one() - b1, T::one() - b2);
    let (step, inv, eps) = (T::of(k.step), T::of(k.inv_sqrt_bias2), T::of(k.eps));
    let n = p.len().min(g.len()).min(m.len()).min(v.len());
    let (p, g, m, v) = (&mut p[..n], &g[..n], &mut m[..n], &mut v[..n]);
    for i in 0..n {
        let gi = g[i];
        let mi = b1 * m[i] + one_b1 * gi;
        let vi = b2 * v[i] + one_b2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        let u = if k.nesterov {
            b1 * mi + one_b1 * gi
        } else {
            mi
        };
        p[i] -= step * u / (vi.sqrt() * inv + eps);
    }
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f")]
unsafe fn adam_avx512(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: AdamCoefficients) {
    body(p, g, m, v, k)
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
unsafe fn adam_avx2(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: AdamCoefficients) {
    body(p, g, m, v, k)
}
