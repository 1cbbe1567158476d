//! Which matrix-product kernel runs, and how to fix it for reproducible runs.
//!
//! The layers' products compute `C = alpha * op(A) * op(B) + beta * C` where `op(X)` is `X`
//! or `Xᵀ`, on column-major slices as nalgebra stores them (an `r x c` matrix is `r * c`
//! values, column after column; a transposed operand is read through swapped strides, never
//! materialized). Shapes: `op(A)` is `m x k`, `op(B)` is `k x n`, `C` is `m x n`.
//!
//! With `std`, `f32` products pick their kernel per host and per shape by timing the
//! candidates at first use ([`choices`] lists what was picked); [`pin`] (or
//! `NN_GEMM_KERNEL`) fixes one for bit-reproducible runs. What a seeded run guarantees is in
//! [`select`]'s documentation. The kernels themselves are the layers' business and not part of
//! the documented API.
//!
//! ```
//! use nn_core::kernels::{pin, pinned, Kernel};
//! pin(Some(Kernel::Matrixmultiply)).unwrap();
//! assert_eq!(pinned(), Some(Kernel::Matrixmultiply));
//! pin(None).unwrap();
//! ```

pub(crate) mod adam;
pub(crate) mod conv;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod conv_avx512;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod gemm_avx2;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod gemm_avx512;
pub(crate) mod gemv;
pub(crate) mod product;
#[cfg(feature = "std")]
pub mod select;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) mod x86;

pub(crate) use adam::{adam_update, AdamCoefficients};
#[cfg(feature = "alloc")]
pub(crate) use conv::{col2im_column, direct_forward_batch, im2col_column};
pub(crate) use conv::{conv_backward, conv_forward, out_size, ConvGeometry};
pub(crate) use gemv::{gemv_f32, gemv_portable};
#[cfg(feature = "alloc")]
pub(crate) use product::{gemm, gemm_heap_free, sgemm, Operand};
#[cfg(feature = "std")]
pub use select::{choices, pin, pinned, Choice, Kernel, KernelError};
