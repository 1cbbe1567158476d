//! [`Param`]: where a parameter tensor lives.
//!
//! A statically shaped nalgebra matrix (`SMatrix<f32, 128, 784>`, 400 KB) is stored inline,
//! and weights, gradients and two Adam moments of a 784-128-64-10 network would overflow a
//! 2 MiB test-thread stack in a debug build. So with the `alloc` feature a `Param` owns its
//! matrix on the heap, allocated zeroed in place (never built on the stack first); without
//! `alloc` (microcontrollers) it holds the matrix inline. Either way it dereferences to the
//! matrix, so layer code is the same.
//!
//! ```
//! use nn_core::{Param, nalgebra::SMatrix};
//! let mut w: Param<SMatrix<f32, 128, 784>> = Param::zeroed();
//! w[(0, 0)] = 1.0;
//! assert_eq!(w.sum(), 1.0);
//! ```

use core::ops::{Deref, DerefMut};

/// A parameter tensor: heap-allocated under `alloc`, inline otherwise.
///
/// ```
/// use nn_core::{Param, nalgebra::SVector};
/// let b: Param<SVector<f64, 3>> = Param::new(SVector::from([1.0, 2.0, 3.0]));
/// assert_eq!(b.len(), 3);
/// ```
#[repr(transparent)]
pub struct Param<M>(
    #[cfg(feature = "alloc")] alloc::boxed::Box<M>,
    #[cfg(not(feature = "alloc"))] M,
);

impl<M: bytemuck::Pod> Param<M> {
    /// All-zero parameters, allocated directly where they will live.
    pub fn zeroed() -> Self {
        #[cfg(feature = "alloc")]
        {
            Self(bytemuck::zeroed_box())
        }
        #[cfg(not(feature = "alloc"))]
        {
            Self(M::zeroed())
        }
    }

    /// Wraps a value (moving it to the heap under `alloc`).
    pub fn new(value: M) -> Self {
        let mut p = Self::zeroed();
        *p = value;
        p
    }

    /// The values as one flat slice of bytes-compatible scalars.
    pub fn as_slice<T: bytemuck::Pod>(&self) -> &[T] {
        bytemuck::cast_slice(bytemuck::bytes_of(&**self))
    }

    /// The values as one flat mutable slice.
    pub fn as_mut_slice<T: bytemuck::Pod>(&mut self) -> &mut [T] {
        bytemuck::cast_slice_mut(bytemuck::bytes_of_mut(&mut **self))
    }
}

impl<M: bytemuck::Pod> Deref for Param<M> {
    type Target = M;
    #[inline(always)]
    fn deref(&self) -> &M {
        &self.0
    }
}

impl<M: bytemuck::Pod> DerefMut for Param<M> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut M {
        &mut self.0
    }
}

impl<M: bytemuck::Pod> Clone for Param<M> {
    /// Copies into a fresh zeroed allocation, never through a stack temporary.
    fn clone(&self) -> Self {
        let mut p = Self::zeroed();
        bytemuck::bytes_of_mut(&mut *p).copy_from_slice(bytemuck::bytes_of(&**self));
        p
    }
}

/// Shows the first few values and the count, never 100,000 numbers.
impl<T: crate::Scalar, const R: usize, const C: usize> core::fmt::Debug
    for Param<nalgebra::SMatrix<T, R, C>>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&crate::fmt::Preview(self.as_slice::<T>()), f)
    }
}

impl<M: bytemuck::Pod + PartialEq> PartialEq for Param<M> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}
