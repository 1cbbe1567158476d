//! An AVX2 + FMA matrix-product kernel for `f32`: `C = A B + beta C`, `beta` 0 or 1.
//!
//! The same contract and loop order as the AVX-512 kernel (`gemm_avx512`), on 8-lane
//! registers: `A` (`m x k`) has unit row stride, `B` (`k x n`) is read through any strides,
//! `C` is column-major with unit row stride. Nothing is packed: a block of 16 rows of `C` by
//! 6 columns (12 vector accumulators, plus two `A` vectors and a broadcast: 15 of the 16
//! `ymm` registers) stays in registers while `k` runs. Blocks at the edges use
//! `vmaskmovps` loads and stores, which touch only the lanes their mask enables.
//!
//! Every pointer is formed from its element's index (`A[i, q]` at `a + q·lda + i`), only for
//! elements inside the matrices: a block of at most 8 rows never forms the address of its
//! (absent) second half.

use core::arch::x86_64::*;

use super::gemm_avx512::Gemm;

/// Rows per block (two 8-lane vectors) and columns per block.
const MR: usize = 16;
const NR: usize = 6;

/// Runs the product.
///
/// # Safety
/// The CPU must have AVX2 and FMA; the pointers, sizes and strides must describe valid,
/// non-overlapping (`C` against `A` and `B`) memory.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn gemm(g: Gemm) {
    let mut j = 0;
    while j < g.n {
        let cols = (g.n - j).min(NR);
        let mut i = 0;
        while i < g.m {
            let rows = (g.m - i).min(MR);
            // SAFETY: the block lies inside the matrices the caller described.
            unsafe {
                match cols {
                    6 => block::<6>(&g, i, j, rows),
                    5 => block::<5>(&g, i, j, rows),
                    4 => block::<4>(&g, i, j, rows),
                    3 => block::<3>(&g, i, j, rows),
                    2 => block::<2>(&g, i, j, rows),
                    _ => block::<1>(&g, i, j, rows),
                }
            }
            i += MR;
        }
        j += NR;
    }
}

/// The `vmaskmovps` mask enabling the first `n` of 8 lanes (a lane is enabled by its sign
/// bit).
#[target_feature(enable = "avx2")]
#[inline]
fn lanes(n: usize) -> __m256i {
    let n = n.min(8) as i32;
    _mm256_cmpgt_epi32(
        _mm256_set1_epi32(n),
        _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
    )
}

/// One `rows x NC` block of `C` at (`i`, `j`), `1 <= rows <= 16`.
///
/// # Safety
/// The CPU must have AVX2 and FMA; `g` must describe valid memory as [`gemm`] requires, and
/// rows `i..i + rows`, columns `j..j + NC` must lie inside `C`.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn block<const NC: usize>(g: &Gemm, i: usize, j: usize, rows: usize) {
    let (m0, m1) = (lanes(rows), lanes(rows.saturating_sub(8)));
    let full = rows == MR;
    // Whether rows i+8.. exist: only then is `A[i + 8, q]` (or `C[i + 8, ·]`) formed.
    let second = rows > 8;
    // SAFETY: every pointer below addresses an element inside row block i..i+rows and
    // column block j..j+NC of its matrix (the caller's contract); masked loads and stores
    // touch only the rows below i + rows.
    unsafe {
        let mut acc0 = [_mm256_setzero_ps(); NC];
        let mut acc1 = [_mm256_setzero_ps(); NC];
        for q in 0..g.k {
            let a = g.a.add(q * g.lda + i);
            let (a0, a1) = if full {
                (_mm256_loadu_ps(a), _mm256_loadu_ps(a.add(8)))
            } else if second {
                (_mm256_loadu_ps(a), _mm256_maskload_ps(a.add(8), m1))
            } else {
                (_mm256_maskload_ps(a, m0), _mm256_setzero_ps())
            };
            let b = g.b.offset(q as isize * g.rsb + j as isize * g.csb);
            for c in 0..NC {
                let bv = _mm256_broadcast_ss(&*b.offset(c as isize * g.csb));
                acc0[c] = _mm256_fmadd_ps(a0, bv, acc0[c]);
                acc1[c] = _mm256_fmadd_ps(a1, bv, acc1[c]);
            }
        }
        for c in 0..NC {
            let p = g.c.add((j + c) * g.ldc + i);
            if full {
                if g.accumulate {
                    acc0[c] = _mm256_add_ps(acc0[c], _mm256_loadu_ps(p));
                    acc1[c] = _mm256_add_ps(acc1[c], _mm256_loadu_ps(p.add(8)));
                }
                _mm256_storeu_ps(p, acc0[c]);
                _mm256_storeu_ps(p.add(8), acc1[c]);
                continue;
            }
            if g.accumulate {
                acc0[c] = _mm256_add_ps(acc0[c], _mm256_maskload_ps(p, m0));
            }
            _mm256_maskstore_ps(p, m0, acc0[c]);
            if second {
                let p1 = p.add(8);
                if g.accumulate {
                    acc1[c] = _mm256_add_ps(acc1[c], _mm256_maskload_ps(p1, m1));
                }
                _mm256_maskstore_ps(p1, m1, acc1[c]);
            }
        }
    }
}
