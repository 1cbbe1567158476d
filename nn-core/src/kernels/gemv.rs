//! Matrix-vector product `y += W x` for one sample, with the instruction set picked at run
//! time.
//!
//! `W` is column-major, `rows x cols` (`rows = y.len()`, `cols = x.len()`), so the product is
//! a sum of scaled columns: `y += Σ_j x_j W[:, j]`. Each column is contiguous, so a block of
//! rows is kept in vector registers while the columns stream past: the loop is bound by how
//! fast `W` arrives from cache, which is the floor for batch-1 inference.
//!
//! A plain `cargo build --release` targets SSE2 only. With `std` on x86-64, `f32` products
//! check once for AVX-512F or AVX2+FMA and use kernels compiled for them; everything else
//! (other targets, `f64`, `no_std`) runs the portable loop, which the compiler vectorizes
//! for the baseline instruction set.

/// `y += W x`, portable: four columns at a time.
///
/// ```
/// use nn_core::__private::kernels::gemv_portable;
/// // W = [1 2; 3 4] column-major, x = [1, 1]
/// let mut y = [0.5f64, 0.5];
/// gemv_portable(&mut y, &[1.0, 3.0, 2.0, 4.0], &[1.0, 1.0]);
/// assert_eq!(y, [3.5, 7.5]);
/// ```
pub fn gemv_portable<T: crate::Scalar>(y: &mut [T], w: &[T], x: &[T]) {
    let rows = y.len();
    assert_eq!(
        w.len(),
        rows * x.len(),
        "gemv: W must hold rows x cols values"
    );
    if rows == 0 {
        return;
    }
    let mut cols = w.chunks_exact(rows).zip(x);
    while let (Some((c0, &x0)), Some((c1, &x1)), Some((c2, &x2)), Some((c3, &x3))) =
        (cols.next(), cols.next(), cols.next(), cols.next())
    {
        for i in 0..rows {
            y[i] += c0[i] * x0 + c1[i] * x1 + c2[i] * x2 + c3[i] * x3;
        }
    }
    // The columns left over (fewer than four) after the loop above.
    let done = x.len() / 4 * 4;
    for (c, &xj) in w.chunks_exact(rows).zip(x).skip(done) {
        for (yi, &wi) in y.iter_mut().zip(c) {
            *yi += wi * xj;
        }
    }
}

/// `y += W x` for `f32`, on the best kernel this CPU has.
///
/// ```
/// let w: Vec<f32> = (0..130 * 3).map(|v| v as f32).collect(); // 130 x 3
/// let mut fast = vec![1.0f32; 130];
/// let mut slow = fast.clone();
/// nn_core::__private::kernels::gemv_f32(&mut fast, &w, &[1.0, -2.0, 0.5]);
/// nn_core::__private::kernels::gemv_portable(&mut slow, &w, &[1.0, -2.0, 0.5]);
/// assert_eq!(fast, slow);
/// ```
pub fn gemv_f32(y: &mut [f32], w: &[f32], x: &[f32]) {
    assert_eq!(
        w.len(),
        y.len() * x.len(),
        "gemv: W must hold rows x cols values"
    );
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        match super::x86::level() {
            // SAFETY: the level is only reported when the CPU has those features, and the
            // assertion above checks the lengths the kernels rely on.
            super::x86::Level::Avx512 => return unsafe { super::x86::gemv_avx512(y, w, x) },
            super::x86::Level::Avx2 => return unsafe { super::x86::gemv_avx2(y, w, x) },
            super::x86::Level::Baseline => {}
        }
    }
    gemv_portable(y, w, x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// Every row count from 1 to 300 hits every block size and remainder of every kernel.
    #[test]
    fn fast_kernels_agree_with_the_portable_loop() {
        for rows in (1..=40).chain([63, 64, 65, 127, 128, 129, 255, 300]) {
            for cols in [1, 3, 4, 7, 64] {
                let w: Vec<f32> = (0..rows * cols)
                    .map(|v| ((v * 37 % 101) as f32 - 50.0) / 64.0)
                    .collect();
                let x: Vec<f32> = (0..cols).map(|v| (v as f32 - 2.0) / 4.0).collect();
                let mut fast: Vec<f32> = (0..rows).map(|v| v as f32 / 8.0).collect();
                let mut slow = fast.clone();
                gemv_f32(&mut fast, &w, &x);
                gemv_portable(&mut slow, &w, &x);
                for (a, b) in fast.iter().zip(&slow) {
                    assert!(
                        (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                        "rows {rows} cols {cols}: {a} vs {b}"
                    );
                }
            }
        }
    }
}
