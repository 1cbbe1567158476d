//! The stack buffers of an embedded network's forward: a node's output is viewed in place in
//! one of them ([`vector`], [`vector_mut`]), each as long as the largest output placed in it
//! ([`max_of`]). Called by the generated code through `nn_core::__private`.

use crate::Scalar;
use nalgebra::SVector;

/// The first `N` values of `buf` as a vector, with no copy (`N <= M`, checked at compile
/// time): a node's output inside the stack buffers an embedded network's forward reuses
/// once their previous node's readers have run (for a chain, two buffers in turn), so that
/// only the live outputs take stack.
///
/// ```
/// let mut buf = [0.0f32; 4];
/// nn_core::__private::vector_mut::<f32, 2, 4>(&mut buf)[1] = 5.0;
/// assert_eq!(nn_core::__private::vector::<f32, 2, 4>(&buf).as_slice(), &[0.0, 5.0]);
/// ```
pub fn vector_mut<T: Scalar, const N: usize, const M: usize>(
    buf: &mut [T; M],
) -> &mut SVector<T, N> {
    const { assert!(N <= M, "the buffer is shorter than the vector") };
    // Same size (N values) and alignment (T's): `from_bytes_mut` cannot fail.
    bytemuck::from_bytes_mut(bytemuck::cast_slice_mut(&mut buf[..N]))
}

/// The first `N` values of `buf` as a vector, read-only (see [`vector_mut`]).
pub fn vector<T: Scalar, const N: usize, const M: usize>(buf: &[T; M]) -> &SVector<T, N> {
    const { assert!(N <= M, "the buffer is shorter than the vector") };
    bytemuck::from_bytes(bytemuck::cast_slice(&buf[..N]))
}

/// The largest of `sizes` (0 for none), in a `const`.
///
/// ```
/// const M: usize = nn_core::__private::max_of(&[3, 9, 4]);
/// assert_eq!(M, 9);
/// ```
pub const fn max_of(sizes: &[usize]) -> usize {
    let (mut m, mut i) = (0, 0);
    while i < sizes.len() {
        if sizes[i] > m {
            m = sizes[i];
        }
        i += 1;
    }
    m
}
