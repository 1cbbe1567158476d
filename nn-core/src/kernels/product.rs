//! `C = alpha * op(A) * op(B) + beta * C` on column-major slices (see the [module](super)
//! for the shapes): the operand type and the entry points the layers call.

#[cfg(feature = "std")]
use super::select;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
use super::Kernel;
#[cfg(feature = "alloc")]
use crate::Scalar;

/// Whether an operand is used as stored or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Use the matrix as stored.
    N,
    /// Use its transpose.
    T,
}

/// A column-major matrix operand: its data, its stored row count, and how it is used.
#[derive(Clone, Copy, Debug)]
pub struct Operand<'a, T> {
    /// Column-major values.
    pub data: &'a [T],
    /// Rows of the matrix as stored.
    pub rows: usize,
    /// Used as stored or transposed.
    pub op: Op,
}

impl<'a, T> Operand<'a, T> {
    /// The operand used as stored.
    pub fn n(data: &'a [T], rows: usize) -> Self {
        Self {
            data,
            rows,
            op: Op::N,
        }
    }
    /// The operand used transposed.
    pub fn t(data: &'a [T], rows: usize) -> Self {
        Self {
            data,
            rows,
            op: Op::T,
        }
    }
}

#[cfg(feature = "alloc")]
impl<T> Operand<'_, T> {
    fn cols(&self) -> usize {
        self.data.len().checked_div(self.rows).unwrap_or(0)
    }
    /// (rows, cols) after `op`.
    fn shape(&self) -> (usize, usize) {
        match self.op {
            Op::N => (self.rows, self.cols()),
            Op::T => (self.cols(), self.rows),
        }
    }
    /// (row stride, column stride) after `op`.
    fn strides(&self) -> (isize, isize) {
        match self.op {
            Op::N => (1, self.rows as isize),
            Op::T => (self.rows as isize, 1),
        }
    }
}

/// `C = alpha * op(A) * op(B) + beta * C`, `C` column-major with `c_rows` rows.
///
/// The shapes are internal invariants of the layers (the types fix them), so a mismatch is a
/// bug in this crate and panics rather than computing garbage.
///
/// ```
/// use nn_core::__private::kernels::{gemm, Operand};
/// // [1 2; 3 4] (column-major [1, 3, 2, 4]) times [1; 1]
/// let a = [1.0f32, 3.0, 2.0, 4.0];
/// let mut c = [0.0f32; 2];
/// gemm(1.0, Operand::n(&a, 2), Operand::n(&[1.0, 1.0], 2), 0.0, &mut c, 2);
/// assert_eq!(c, [3.0, 7.0]);
/// ```
#[cfg(feature = "alloc")]
pub fn gemm<T: Scalar>(
    alpha: T,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    beta: T,
    c: &mut [T],
    c_rows: usize,
) {
    let (m, k, n) = check(&a, &b, c.len(), c_rows);
    if m == 0 || n == 0 {
        return;
    }
    let (rsa, csa) = a.strides();
    let (rsb, csb) = b.strides();
    // SAFETY: the assertion above checks that every operand holds exactly the values its
    // shape and strides address; `c` is a unique borrow, so it aliases neither input.
    unsafe {
        T::gemm_raw(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            rsa,
            csa,
            b.data.as_ptr(),
            rsb,
            csb,
            beta,
            c.as_mut_ptr(),
            1,
            m as isize,
        );
    }
}

/// [`gemm`] through a kernel that never touches the heap, for single-sample code: the
/// widest of this crate's kernels the CPU has, always the same (so reproducible without a
/// pin), never the tuner (which allocates). Returns `false`, computing nothing, when no such kernel
/// runs `T` or these operands (`f64`, a transposed `A`, `alpha` not 1, `beta` not 0 or 1,
/// no AVX2, or no `std`).
#[cfg(feature = "alloc")]
pub(crate) fn gemm_heap_free<T: Scalar>(
    alpha: T,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    beta: T,
    c: &mut [T],
    c_rows: usize,
) -> bool {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if core::any::TypeId::of::<T>() == core::any::TypeId::of::<f32>() && a.op == Op::N {
        // Not the pin: reading `NN_GEMM_KERNEL` the first time allocates.
        let kernel = if Kernel::Avx512.is_available() {
            Kernel::Avx512
        } else if Kernel::Avx2.is_available() {
            Kernel::Avx2
        } else {
            return false;
        };
        let (alpha, beta) = (alpha.to_f64() as f32, beta.to_f64() as f32);
        if alpha != 1.0 || (beta != 0.0 && beta != 1.0) {
            return false;
        }
        let (m, k, n) = check(&a, &b, c.len(), c_rows);
        if m == 0 || n == 0 {
            return true;
        }
        let (rsb, csb) = b.strides();
        let p = select::Product {
            m,
            k,
            n,
            alpha,
            a: a.data.as_ptr().cast(),
            rsa: 1,
            csa: m as isize,
            b: b.data.as_ptr().cast(),
            rsb,
            csb,
            beta,
            c: c.as_mut_ptr().cast(),
            rsc: 1,
            csc: m as isize,
        };
        // SAFETY: `T` is `f32`; `check` verified that every operand holds exactly the values
        // its shape and strides address; the kernel is available and fits (`A` as stored,
        // `alpha` 1, `beta` 0 or 1).
        unsafe { p.run(kernel) };
        return true;
    }
    let _ = (alpha, a, b, beta, c, c_rows);
    false
}

/// `op(A)`'s and `op(B)`'s shapes against each other and `C`'s length: `(m, k, n)`.
#[cfg(feature = "alloc")]
fn check<T>(
    a: &Operand<'_, T>,
    b: &Operand<'_, T>,
    c_len: usize,
    c_rows: usize,
) -> (usize, usize, usize) {
    let (m, k) = a.shape();
    let (k2, n) = b.shape();
    assert!(
        k == k2 && m == c_rows && c_len == m * n && a.data.len() == m * k && b.data.len() == k * n,
        "gemm: inner shapes disagree ({m}x{k} times {k2}x{n} into {c_len} values)"
    );
    (m, k, n)
}

/// `f32` products: with `std`, the pinned or tuned kernel (see [`select`](super::select)); without,
/// matrixmultiply.
///
/// # Safety
/// As [`Scalar::gemm_raw`].
#[allow(clippy::too_many_arguments)]
#[doc(hidden)]
#[cfg(feature = "alloc")]
pub unsafe fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: *const f32,
    rsa: isize,
    csa: isize,
    b: *const f32,
    rsb: isize,
    csb: isize,
    beta: f32,
    c: *mut f32,
    rsc: isize,
    csc: isize,
) {
    #[cfg(feature = "std")]
    {
        let p = select::Product {
            m,
            k,
            n,
            alpha,
            a,
            rsa,
            csa,
            b,
            rsb,
            csb,
            beta,
            c,
            rsc,
            csc,
        };
        // SAFETY: the memory is the caller's contract.
        unsafe { select::run(&p) }
    }
    #[cfg(not(feature = "std"))]
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        matrixmultiply::sgemm(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transposes_are_read_through_strides() {
        // A = [1 2 3; 4 5 6] (2x3), column-major.
        let a = [1.0f64, 4.0, 2.0, 5.0, 3.0, 6.0];
        // Aᵀ A is 3x3.
        let mut c = [0.0f64; 9];
        gemm(1.0, Operand::t(&a, 2), Operand::n(&a, 2), 0.0, &mut c, 3);
        assert_eq!(c, [17.0, 22.0, 27.0, 22.0, 29.0, 36.0, 27.0, 36.0, 45.0]);
        // A Aᵀ is 2x2, accumulated onto ones with beta = 1.
        let mut d = [1.0f64; 4];
        gemm(1.0, Operand::n(&a, 2), Operand::t(&a, 2), 1.0, &mut d, 2);
        assert_eq!(d, [15.0, 33.0, 33.0, 78.0]);
    }
}
