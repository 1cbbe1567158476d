//! An AVX-512 matrix-product kernel for `f32`: `C = A B + beta C`, `beta` 0 or 1.
//!
//! `A` (`m x k`) must have unit row stride (each column contiguous, as nalgebra stores a
//! weight matrix or a batch of deltas); `B` (`k x n`) is read through any strides, so `X` and
//! `Xᵀ` both work without a copy; `C` is column-major. Nothing is packed: a block of 32 rows
//! of `C` by 8 columns (16 vector accumulators) stays in registers while `k` runs, `A`'s
//! 32-row slice streams from cache and each `B` value is broadcast from memory straight into
//! the multiply-add. Blocks at the edges use masked loads and stores.
//!
//! Loop order: column blocks outside, row blocks inside, so the 8 columns of `B` stay in L1
//! while all of `A` streams past them.
//!
//! Every pointer is formed from its element's index (`A[i, q]` at `a + q·lda + i`), only for
//! elements inside the matrices: no pointer is stepped past the end of a buffer, and a block
//! of at most 16 rows never forms the address of its (absent) second half.

use core::arch::x86_64::*;

/// Rows per block (two 16-lane vectors) and columns per block.
const MR: usize = 32;
const NR: usize = 8;

/// The operands of one product, as raw column-strided memory.
#[derive(Clone, Copy)]
pub(crate) struct Gemm {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub a: *const f32,
    /// Column stride of `A` (its row stride is 1).
    pub lda: usize,
    pub b: *const f32,
    pub rsb: isize,
    pub csb: isize,
    pub c: *mut f32,
    /// Column stride of `C` (its row stride is 1).
    pub ldc: usize,
    /// Accumulate into `C` (`beta = 1`) or overwrite it (`beta = 0`, `C` never read).
    pub accumulate: bool,
}

/// Runs the product.
///
/// # Safety
/// The CPU must have AVX-512F; the pointers, sizes and strides must describe valid,
/// non-overlapping (`C` against `A` and `B`) memory.
#[target_feature(enable = "avx512f")]
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
                    8 => block::<8>(&g, i, j, rows),
                    7 => block::<7>(&g, i, j, rows),
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

/// The mask of the first `n` of 16 lanes.
#[inline(always)]
fn lanes(n: usize) -> __mmask16 {
    if n >= 16 {
        0xFFFF
    } else {
        ((1u32 << n) - 1) as __mmask16
    }
}

/// One `rows x NC` block of `C` at (`i`, `j`), `1 <= rows <= 32`.
///
/// # Safety
/// The CPU must have AVX-512F; `g` must describe valid memory as [`gemm`] requires, and
/// rows `i..i + rows`, columns `j..j + NC` must lie inside `C` (so `i + rows <= m`,
/// `j + NC <= n`).
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn block<const NC: usize>(g: &Gemm, i: usize, j: usize, rows: usize) {
    let (m0, m1) = (lanes(rows), lanes(rows.saturating_sub(16)));
    let full = rows == MR;
    // Whether rows i+16.. exist: only then is `A[i + 16, q]` (or `C[i + 16, ·]`) formed.
    let second = rows > 16;
    // SAFETY: every pointer below addresses an element inside row block i..i+rows and
    // column block j..j+NC of its matrix (the caller's contract); masked loads and stores
    // touch only the rows below i + rows.
    unsafe {
        let mut acc0 = [_mm512_setzero_ps(); NC];
        let mut acc1 = [_mm512_setzero_ps(); NC];
        for q in 0..g.k {
            let a = g.a.add(q * g.lda + i);
            let (a0, a1) = if full {
                (_mm512_loadu_ps(a), _mm512_loadu_ps(a.add(16)))
            } else if second {
                (_mm512_loadu_ps(a), _mm512_maskz_loadu_ps(m1, a.add(16)))
            } else {
                (_mm512_maskz_loadu_ps(m0, a), _mm512_setzero_ps())
            };
            let b = g.b.offset(q as isize * g.rsb + j as isize * g.csb);
            for c in 0..NC {
                let bv = _mm512_set1_ps(*b.offset(c as isize * g.csb));
                acc0[c] = _mm512_fmadd_ps(a0, bv, acc0[c]);
                acc1[c] = _mm512_fmadd_ps(a1, bv, acc1[c]);
            }
        }
        for c in 0..NC {
            let p = g.c.add((j + c) * g.ldc + i);
            if g.accumulate {
                acc0[c] = _mm512_add_ps(acc0[c], _mm512_maskz_loadu_ps(m0, p));
            }
            _mm512_mask_storeu_ps(p, m0, acc0[c]);
            if second {
                let p1 = p.add(16);
                if g.accumulate {
                    acc1[c] = _mm512_add_ps(acc1[c], _mm512_maskz_loadu_ps(m1, p1));
                }
                _mm512_mask_storeu_ps(p1, m1, acc1[c]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn reference(
        m: usize,
        n: usize,
        k: usize,
        a: &[f32],
        b: impl Fn(usize, usize) -> f32,
    ) -> Vec<f32> {
        let mut c = alloc::vec![0.0f32; m * n];
        for j in 0..n {
            for r in 0..m {
                c[j * m + r] = (0..k).map(|p| a[p * m + r] * b(p, j)).sum();
            }
        }
        c
    }

    #[test]
    fn agrees_with_a_plain_loop_for_every_edge_and_both_layouts_of_b() {
        if !std::is_x86_feature_detected!("avx512f") {
            return;
        }
        for (m, n, k) in [
            (1, 1, 1),
            (10, 64, 64),
            (32, 8, 3),
            (33, 9, 5),
            (128, 64, 20),
            (47, 13, 7),
        ] {
            let a: Vec<f32> = (0..m * k)
                .map(|v| ((v * 7 % 19) as f32 - 9.0) / 8.0)
                .collect();
            let bm: Vec<f32> = (0..k * n)
                .map(|v| ((v * 5 % 23) as f32 - 11.0) / 16.0)
                .collect();
            for transposed in [false, true] {
                // B as stored (k x n, column-major) or as the transpose of an n x k matrix.
                let (rsb, csb) = if transposed {
                    (n as isize, 1)
                } else {
                    (1, k as isize)
                };
                let bval = |p: usize, j: usize| bm[(p as isize * rsb + j as isize * csb) as usize];
                let want = reference(m, n, k, &a, bval);
                for accumulate in [false, true] {
                    let mut c = alloc::vec![if accumulate { 1.0f32 } else { f32::NAN }; m * n];
                    let g = Gemm {
                        m,
                        n,
                        k,
                        a: a.as_ptr(),
                        lda: m,
                        b: bm.as_ptr(),
                        rsb,
                        csb,
                        c: c.as_mut_ptr(),
                        ldc: m,
                        accumulate,
                    };
                    // SAFETY: feature checked above; the buffers match the described shapes.
                    unsafe { gemm(g) };
                    for (got, w) in c.iter().zip(&want) {
                        let w = w + if accumulate { 1.0 } else { 0.0 };
                        assert!(
                            (got - w).abs() <= 1e-4 * (1.0 + w.abs()),
                            "{m}x{n}x{k} t={transposed} acc={accumulate}: {got} vs {w}"
                        );
                    }
                }
            }
        }
    }

    /// Random odd shapes (row counts around the 16- and 32-row block edges, every column
    /// remainder of 8, depths from 0), both layouts of `B`, overwrite and accumulate, with
    /// leading dimensions larger than the rows, against a plain loop.
    #[test]
    fn agrees_with_a_plain_loop_on_random_shapes() {
        use rand::{rngs::StdRng, Rng, SeedableRng};
        if !std::is_x86_feature_detected!("avx512f") {
            return;
        }
        let mut rng = StdRng::seed_from_u64(5);
        for case in 0..400 {
            let m = rng.random_range(1..80usize);
            let n = rng.random_range(1..20usize);
            let k = rng.random_range(0..24usize);
            let (lda, ldc) = (
                m + rng.random_range(0..3usize),
                m + rng.random_range(0..3usize),
            );
            let a: Vec<f32> = (0..lda * k).map(|_| rng.random_range(-1.0..1.0)).collect();
            let bm: Vec<f32> = (0..k * n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let transposed = rng.random_bool(0.5);
            let accumulate = rng.random_bool(0.5);
            let (rsb, csb) = if transposed {
                (n as isize, 1)
            } else {
                (1, k as isize)
            };
            let c0: Vec<f32> = (0..ldc * n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let mut want = c0.clone();
            for j in 0..n {
                for r in 0..m {
                    let s: f32 = (0..k)
                        .map(|p| {
                            a[p * lda + r] * bm[(p as isize * rsb + j as isize * csb) as usize]
                        })
                        .sum();
                    want[j * ldc + r] = s + if accumulate { c0[j * ldc + r] } else { 0.0 };
                }
            }
            let mut c = c0.clone();
            let g = Gemm {
                m,
                n,
                k,
                a: a.as_ptr(),
                lda,
                b: bm.as_ptr(),
                rsb,
                csb,
                c: c.as_mut_ptr(),
                ldc,
                accumulate,
            };
            // SAFETY: feature checked above; the buffers hold the described matrices.
            unsafe { gemm(g) };
            for (idx, (got, w)) in c.iter().zip(&want).enumerate() {
                let padding = idx % ldc >= m;
                // Rows between m and ldc are not part of C: untouched.
                let w = if padding { c0[idx] } else { *w };
                assert!(
                    (got - w).abs() <= 1e-5 * (1.0 + w.abs()) && (!padding || got.to_bits() == w.to_bits()),
                    "case {case}: {m}x{n}x{k} lda {lda} ldc {ldc} t={transposed} acc={accumulate}, value {idx}: {got} vs {w}"
                );
            }
        }
    }
}
