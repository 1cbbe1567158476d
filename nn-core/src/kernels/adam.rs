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

use crate::{Error, Scalar};

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

/// Updates `p`, `m` and `v` in place from the gradient `g`.
///
/// Fails with [`Error::LengthMismatch`], changing nothing, unless `g`, `m` and `v` have as
/// many values as `p`.
///
/// ```
/// use nn_core::__private::kernels::{adam_update, AdamCoefficients};
/// let (mut p, mut m, mut v) = ([1.0f64], [0.0], [0.0]);
/// let k = AdamCoefficients { beta1: 0.9, beta2: 0.999, step: 0.1 / 0.1, inv_sqrt_bias2: 1.0 / 0.001f64.sqrt(), eps: 1e-8, nesterov: false };
/// adam_update(&mut p, &[2.0], &mut m, &mut v, k).unwrap();
/// assert!((p[0] - (1.0 - 0.1)).abs() < 1e-7); // Adam's first step is -α sign(g)
/// assert!(adam_update(&mut p, &[2.0, 1.0], &mut m, &mut v, k).is_err());
/// ```
pub fn adam_update<T: Scalar>(
    p: &mut [T],
    g: &[T],
    m: &mut [T],
    v: &mut [T],
    k: AdamCoefficients,
) -> Result<(), Error> {
    for (what, found) in [
        ("Adam gradient values", g.len()),
        ("Adam first-moment values", m.len()),
        ("Adam second-moment values", v.len()),
    ] {
        if found != p.len() {
            return Err(Error::LengthMismatch {
                what,
                expected: p.len(),
                found,
            });
        }
    }
    dispatch(p, g, m, v, k);
    Ok(())
}

/// [`adam_update`] on slices of one length, on the best kernel this CPU has.
fn dispatch<T: Scalar>(p: &mut [T], g: &[T], m: &mut [T], v: &mut [T], k: AdamCoefficients) {
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

/// The element-wise update; the slices have one length (checked by [`adam_update`]; the
/// re-slicing to it lets the compiler drop the bounds checks).
#[inline(always)]
fn body<T: Scalar>(p: &mut [T], g: &[T], m: &mut [T], v: &mut [T], k: AdamCoefficients) {
    let (b1, b2) = (T::of(k.beta1), T::of(k.beta2));
    let (one_b1, one_b2) = (T::one() - b1, T::one() - b2);
    let (step, inv, eps) = (T::of(k.step), T::of(k.inv_sqrt_bias2), T::of(k.eps));
    let n = p.len();
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

/// [`body`] compiled for AVX-512F.
///
/// # Safety
/// The CPU must have AVX-512F. (The slices need no precondition: `body` indexes them
/// safely.)
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f")]
unsafe fn adam_avx512(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: AdamCoefficients) {
    body(p, g, m, v, k)
}

/// [`body`] compiled for AVX2 and FMA.
///
/// # Safety
/// The CPU must have AVX2 and FMA. (The slices need no precondition: `body` indexes them
/// safely.)
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
unsafe fn adam_avx2(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: AdamCoefficients) {
    body(p, g, m, v, k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    fn coefficients(nesterov: bool) -> AdamCoefficients {
        let t = 3.0;
        AdamCoefficients {
            beta1: 0.9,
            beta2: 0.999,
            step: 0.01 / (1.0 - 0.9f64.powf(t)),
            inv_sqrt_bias2: 1.0 / (1.0 - 0.999f64.powf(t)).sqrt(),
            eps: 1e-8,
            nesterov,
        }
    }

    /// Defect: with slices of different lengths the kernel updated only the shortest
    /// length's prefix and said nothing.
    #[test]
    fn slices_of_other_lengths_are_an_error_and_change_nothing() {
        let k = coefficients(false);
        for (lp, lg, lm, lv) in [(4, 3, 4, 4), (4, 4, 5, 4), (4, 4, 4, 0), (0, 1, 0, 0)] {
            let (mut p, g) = (alloc::vec![1.0f32; lp], alloc::vec![0.5f32; lg]);
            let (mut m, mut v) = (alloc::vec![0.25f32; lm], alloc::vec![0.125f32; lv]);
            let r = adam_update(&mut p, &g, &mut m, &mut v, k);
            assert!(
                matches!(r, Err(Error::LengthMismatch { .. })),
                "{lp} {lg} {lm} {lv}: {r:?}"
            );
            assert!(p.iter().all(|&x| x == 1.0) && m.iter().all(|&x| x == 0.25));
            assert!(v.iter().all(|&x| x == 0.125));
        }
    }

    /// The AVX-512 and AVX2 copies against the portable loop, bit for bit (the same IEEE
    /// operations in the same order; no contraction into FMA), on random lengths from 0 to
    /// 200: every remainder of 16 and 8 lanes.
    #[test]
    fn simd_copies_agree_with_the_portable_loop_bit_for_bit() {
        let mut rng = StdRng::seed_from_u64(3);
        for n in 0..200usize {
            for nesterov in [false, true] {
                let k = coefficients(nesterov);
                let g: Vec<f32> = (0..n).map(|_| rng.random_range(-2.0..2.0)).collect();
                let p0: Vec<f32> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
                let m0: Vec<f32> = (0..n).map(|_| rng.random_range(-0.1..0.1)).collect();
                let v0: Vec<f32> = (0..n).map(|_| rng.random_range(0.0..0.1)).collect();
                let (mut p, mut m, mut v) = (p0.clone(), m0.clone(), v0.clone());
                body(&mut p, &g, &mut m, &mut v, k);
                let want = (p, m, v);
                #[cfg(all(feature = "std", target_arch = "x86_64"))]
                {
                    type Kernel =
                        unsafe fn(&mut [f32], &[f32], &mut [f32], &mut [f32], AdamCoefficients);
                    let avx2 = std::is_x86_feature_detected!("avx2")
                        && std::is_x86_feature_detected!("fma");
                    let kernels: [(&str, bool, Kernel); 2] = [
                        (
                            "avx512",
                            std::is_x86_feature_detected!("avx512f"),
                            adam_avx512,
                        ),
                        ("avx2", avx2, adam_avx2),
                    ];
                    for (name, available, kernel) in kernels {
                        if !available {
                            continue;
                        }
                        let (mut p, mut m, mut v) = (p0.clone(), m0.clone(), v0.clone());
                        // SAFETY: the CPU has the kernel's features (checked above).
                        unsafe { kernel(&mut p, &g, &mut m, &mut v, k) };
                        let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&p), bits(&want.0), "{name} n={n} nesterov={nesterov}");
                        assert_eq!(bits(&m), bits(&want.1), "{name} n={n}");
                        assert_eq!(bits(&v), bits(&want.2), "{name} n={n}");
                    }
                }
                // and the public entry point (whichever copy this CPU picks)
                let (mut p, mut m, mut v) = (p0.clone(), m0.clone(), v0.clone());
                adam_update(&mut p, &g, &mut m, &mut v, k).unwrap();
                assert_eq!(p, want.0);
            }
        }
    }
}
