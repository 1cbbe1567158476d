//! x86-64 kernels for `f32`, chosen at run time (AVX-512F, else AVX2+FMA).
//!
//! A pointer that walks the columns of `W` steps with `wrapping_add` (its last step leaves
//! the buffer, which `add` would make undefined behaviour even though nothing is read
//! there); it is dereferenced only while it points into the buffer. A masked load or store
//! touches only the lanes its mask enables.

use core::arch::x86_64::*;
use core::sync::atomic::{AtomicU8, Ordering};

/// The instruction set the kernels use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    Baseline,
    Avx2,
    Avx512,
}

static LEVEL: AtomicU8 = AtomicU8::new(0);

/// Detects the CPU's features once; later calls read a cached value.
pub(crate) fn level() -> Level {
    match LEVEL.load(Ordering::Relaxed) {
        1 => Level::Baseline,
        2 => Level::Avx2,
        3 => Level::Avx512,
        _ => {
            let l = if std::is_x86_feature_detected!("avx512f") {
                Level::Avx512
            } else if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
            {
                Level::Avx2
            } else {
                Level::Baseline
            };
            LEVEL.store(l as u8 + 1, Ordering::Relaxed);
            l
        }
    }
}

/// `y += W x` with 16-lane registers: blocks of 128, 64, 32 and 16 rows held in registers
/// while the columns stream past, then a masked block for the last rows.
///
/// # Safety
/// The CPU must have AVX-512F; `w.len() == y.len() * x.len()`.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn gemv_avx512(y: &mut [f32], w: &[f32], x: &[f32]) {
    let rows = y.len();
    let mut r = 0;
    // SAFETY (all blocks): each reads rows r..r+16*NV of every column, inside `w`, and
    // writes the same rows of `y`.
    unsafe {
        while rows - r >= 128 {
            block512::<8>(y, w, x, r);
            r += 128;
        }
        for nv in [4usize, 2, 1] {
            if rows - r >= 16 * nv {
                match nv {
                    4 => block512::<4>(y, w, x, r),
                    2 => block512::<2>(y, w, x, r),
                    _ => block512::<1>(y, w, x, r),
                }
                r += 16 * nv;
            }
        }
        if r < rows {
            let mask: __mmask16 = (1u32 << (rows - r)).wrapping_sub(1) as __mmask16;
            let mut acc = _mm512_setzero_ps();
            // Row r of column j: inside `w` while j < cols (r < rows); the mask enables
            // rows r..rows.
            let mut p = w.as_ptr().wrapping_add(r);
            for &xj in x {
                acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, p), _mm512_set1_ps(xj), acc);
                p = p.wrapping_add(rows);
            }
            let yp = y.as_mut_ptr().add(r);
            _mm512_mask_storeu_ps(
                yp,
                mask,
                _mm512_add_ps(_mm512_maskz_loadu_ps(mask, yp), acc),
            );
        }
    }
}

/// `y[r..r + 16·NV] += W[r..r + 16·NV, :] x`, the rows held in `NV` registers.
///
/// # Safety
/// The CPU must have AVX-512F; `w.len() == y.len() * x.len()` and `r + 16·NV <= y.len()`.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn block512<const NV: usize>(y: &mut [f32], w: &[f32], x: &[f32], r: usize) {
    let rows = y.len();
    // SAFETY: the caller guarantees rows r..r+16*NV exist in `y` and in every column of `w`.
    unsafe {
        let mut acc = [_mm512_setzero_ps(); NV];
        // Row r of column j: inside `w` while j < cols.
        let mut p = w.as_ptr().wrapping_add(r);
        for &xj in x {
            let xv = _mm512_set1_ps(xj);
            for (v, a) in acc.iter_mut().enumerate() {
                *a = _mm512_fmadd_ps(_mm512_loadu_ps(p.add(16 * v)), xv, *a);
            }
            p = p.wrapping_add(rows);
        }
        for (v, a) in acc.iter().enumerate() {
            let yp = y.as_mut_ptr().add(r + 16 * v);
            _mm512_storeu_ps(yp, _mm512_add_ps(_mm512_loadu_ps(yp), *a));
        }
    }
}

/// `y += W x` with 8-lane registers and FMA: blocks of 64, 32, 16 and 8 rows, then the last
/// rows one by one.
///
/// # Safety
/// The CPU must have AVX2 and FMA; `w.len() == y.len() * x.len()`.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn gemv_avx2(y: &mut [f32], w: &[f32], x: &[f32]) {
    let rows = y.len();
    let mut r = 0;
    // SAFETY (all blocks): as in `gemv_avx512`, with 8-lane blocks.
    unsafe {
        while rows - r >= 64 {
            block256::<8>(y, w, x, r);
            r += 64;
        }
        for nv in [4usize, 2, 1] {
            if rows - r >= 8 * nv {
                match nv {
                    4 => block256::<4>(y, w, x, r),
                    2 => block256::<2>(y, w, x, r),
                    _ => block256::<1>(y, w, x, r),
                }
                r += 8 * nv;
            }
        }
    }
    for i in r..rows {
        y[i] += x
            .iter()
            .enumerate()
            .fold(0.0, |s, (j, &xj)| s + w[j * rows + i] * xj);
    }
}

/// `y[r..r + 8·NV] += W[r..r + 8·NV, :] x`, the rows held in `NV` registers.
///
/// # Safety
/// The CPU must have AVX2 and FMA; `w.len() == y.len() * x.len()` and
/// `r + 8·NV <= y.len()`.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn block256<const NV: usize>(y: &mut [f32], w: &[f32], x: &[f32], r: usize) {
    let rows = y.len();
    // SAFETY: the caller guarantees rows r..r+8*NV exist in `y` and in every column of `w`.
    unsafe {
        let mut acc = [_mm256_setzero_ps(); NV];
        // Row r of column j: inside `w` while j < cols.
        let mut p = w.as_ptr().wrapping_add(r);
        for &xj in x {
            let xv = _mm256_set1_ps(xj);
            for (v, a) in acc.iter_mut().enumerate() {
                *a = _mm256_fmadd_ps(_mm256_loadu_ps(p.add(8 * v)), xv, *a);
            }
            p = p.wrapping_add(rows);
        }
        for (v, a) in acc.iter().enumerate() {
            let yp = y.as_mut_ptr().add(r + 8 * v);
            _mm256_storeu_ps(yp, _mm256_add_ps(_mm256_loadu_ps(yp), *a));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn avx2_kernel_agrees_with_the_portable_loop_when_available() {
        if !(std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")) {
            return;
        }
        for rows in [1usize, 7, 8, 9, 17, 63, 64, 65, 130] {
            let cols = 5;
            let w: Vec<f32> = (0..rows * cols).map(|v| (v % 13) as f32 - 6.0).collect();
            let x = [0.5f32, -1.0, 2.0, 0.25, 1.0];
            let mut a = alloc::vec![1.0f32; rows];
            let mut b = a.clone();
            // SAFETY: features checked above; lengths match.
            unsafe { gemv_avx2(&mut a, &w, &x) };
            super::super::gemv_portable(&mut b, &w, &x);
            assert_eq!(a, b, "rows {rows}");
        }
    }

    /// Both kernels against the portable loop on random shapes: every row count from 1 to
    /// 300 leaves some remainder below each block size (the masked AVX-512 tail, the scalar
    /// AVX2 tail), columns from 0 to 19, random values.
    #[test]
    fn both_kernels_agree_with_the_portable_loop_on_random_shapes() {
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let avx512 = std::is_x86_feature_detected!("avx512f");
        let avx2 = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
        let mut rng = StdRng::seed_from_u64(8);
        for rows in 1..=300usize {
            let cols = rng.random_range(0..20usize);
            let w: Vec<f32> = (0..rows * cols)
                .map(|_| rng.random_range(-1.0..1.0))
                .collect();
            let x: Vec<f32> = (0..cols).map(|_| rng.random_range(-1.0..1.0)).collect();
            let y0: Vec<f32> = (0..rows).map(|_| rng.random_range(-1.0..1.0)).collect();
            let mut want = y0.clone();
            super::super::gemv_portable(&mut want, &w, &x);
            let close = |got: &[f32], kernel: &str| {
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        (g - w).abs() <= 1e-5 * (1.0 + w.abs()),
                        "{kernel} {rows}x{cols}, row {i}: {g} vs {w}"
                    );
                }
            };
            if avx512 {
                let mut y = y0.clone();
                // SAFETY: AVX-512F detected; `w` holds rows x cols values.
                unsafe { gemv_avx512(&mut y, &w, &x) };
                close(&y, "avx512");
            }
            if avx2 {
                let mut y = y0.clone();
                // SAFETY: AVX2 and FMA detected; `w` holds rows x cols values.
                unsafe { gemv_avx2(&mut y, &w, &x) };
                close(&y, "avx2");
            }
        }
    }
}
