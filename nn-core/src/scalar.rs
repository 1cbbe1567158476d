//! The scalar type of a network: `f32` (the default) or `f64` (for gradient checks).
//!
//! [`Scalar`] collects what the layers need from a float: nalgebra's [`RealField`],
//! plain-old-data bytes (so parameters can be allocated zeroed straight on the heap and read
//! from weight files), and a matrix-product kernel.
//!
//! ```
//! use nn_core::Scalar;
//! assert_eq!(f32::of(0.5), 0.5f32);
//! assert_eq!(<f64 as Scalar>::NAME, "f64");
//! ```

use nalgebra::RealField;

/// A float type the layers compute in: implemented for `f32` and `f64`, and sealed (no other
/// type can implement it: the kernels and weight files know these two).
///
/// ```
/// fn mean<T: nn_core::Scalar>(v: &[T]) -> T {
///     v.iter().copied().fold(T::zero(), |a, b| a + b) / T::of(v.len() as f64)
/// }
/// assert_eq!(mean(&[1.0f32, 2.0, 3.0]), 2.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "networks compute in `f32` or `f64`, not `{Self}`",
    label = "`{Self}` is not `f32` or `f64`",
    note = "leave the network's scalar out (`f32`, the default) or write `f64`; an int8 network for a microcontroller is made by quantizing a trained one (`nn_core::quant`)"
)]
pub trait Scalar:
    sealed::Sealed
    + RealField
    + Copy
    + Default
    + bytemuck::Pod
    + core::fmt::Debug
    + core::fmt::Display
    + 'static
{
    /// The type's name as written in Rust and in weight files' dtype tables (`"f32"`).
    const NAME: &'static str;
    /// Converts from `f64`, rounding to nearest.
    fn of(v: f64) -> Self;
    /// Converts to `f64` exactly.
    fn to_f64(self) -> f64;
    /// `y += W x` with `W` column-major `y.len() x x.len()` (see [`crate::kernels`]):
    /// `f32` picks AVX-512/AVX2 kernels at run time, `f64` runs the portable loop.
    #[doc(hidden)]
    fn gemv_acc(y: &mut [Self], w: &[Self], x: &[Self]);

    /// `C = alpha * A * B + beta * C` on raw column-strided memory (matrixmultiply's kernels,
    /// which pick AVX-512/AVX2/SSE at run time under `std`).
    ///
    /// # Safety
    /// The pointers and strides must describe `m x k`, `k x n` and `m x n` matrices that lie
    /// in valid memory; `c` must not alias `a` or `b`.
    #[allow(clippy::too_many_arguments)]
    #[doc(hidden)]
    #[cfg(feature = "alloc")]
    unsafe fn gemm_raw(
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        beta: Self,
        c: *mut Self,
        rsc: isize,
        csc: isize,
    );
}

mod sealed {
    /// Implemented for `f32` and `f64` only, so no other crate implements `Scalar`.
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

macro_rules! impl_scalar {
    ($t:ty, $name:literal, $gemm:path, $gemv:path) => {
        // Not listed under "the following other types implement trait" in a non-float
        // scalar's error: the message already names `f32` and `f64`, and the listing
        // quoted this macro.
        #[diagnostic::do_not_recommend]
        impl Scalar for $t {
            const NAME: &'static str = $name;
            #[inline(always)]
            fn of(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn gemv_acc(y: &mut [Self], w: &[Self], x: &[Self]) {
                $gemv(y, w, x)
            }
            /// # Safety
            /// As [`Scalar::gemm_raw`].
            #[cfg(feature = "alloc")]
            unsafe fn gemm_raw(
                m: usize,
                k: usize,
                n: usize,
                alpha: Self,
                a: *const Self,
                rsa: isize,
                csa: isize,
                b: *const Self,
                rsb: isize,
                csb: isize,
                beta: Self,
                c: *mut Self,
                rsc: isize,
                csc: isize,
            ) {
                // SAFETY: forwarded from the caller's contract.
                unsafe { $gemm(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc) }
            }
        }
    };
}

impl_scalar!(f32, "f32", crate::kernels::sgemm, crate::kernels::gemv_f32);
impl_scalar!(
    f64,
    "f64",
    matrixmultiply::dgemm,
    crate::kernels::gemv_portable
);
