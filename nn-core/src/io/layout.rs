//! Memory layouts: our flat tensors are column-major, PyTorch's and safetensors' row-major.
//!
//! A tensor's shape is PyTorch's ([`ParamInfo::shape`](crate::ParamInfo::shape): a dense
//! weight is (out, in)), but its flat slice is in nalgebra's column-major order. The
//! convention, for every rank `r` and shape `(d0, d1, …, d(r-1))`, is that the element at
//! index `(i0, i1, …, i(r-1))` sits at
//!
//! - column-major offset (ours: first index fastest) `i0 + d0·(i1 + d1·(i2 + …))`,
//! - row-major offset (PyTorch, NumPy, safetensors: last index fastest)
//!   `((i0·d1 + i1)·d2 + i2)·… + i(r-1)`.
//!
//! So the two orders are the same for rank 0 and 1 (biases), a transposition for rank 2
//! (a dense weight's `(out, in)` matrix, stored by nalgebra column by column, is written row
//! by row), and a reversal of all axes for higher ranks. A future convolution weight of
//! PyTorch shape `(F, C, kh, kw)` therefore keeps its flat slice with the filter index `f`
//! fastest, then the channel `c`, then the kernel row, then the kernel column: it is the
//! column-major `F x (C·kh·kw)` matrix whose column `c + C·(y + kh·x)` holds kernel tap
//! `(y, x)` of channel `c`, an im2col weight matrix. A layer that stores its tensor
//! otherwise must say so through its shape (e.g. by reporting the reversed shape), since
//! files always carry the row-major order.
//!
//! ```
//! use nn_core::{io::layout, Shape};
//! // W = [[1, 2, 3],
//! //      [4, 5, 6]], shape (2, 3): nalgebra keeps it column by column.
//! let ours = [1, 4, 2, 5, 3, 6];
//! let mut torch = [0; 6];
//! layout::col_major_to_row_major(Shape::new(&[2, 3]), &ours, &mut torch)?;
//! assert_eq!(torch, [1, 2, 3, 4, 5, 6]);
//! # Ok::<(), nn_core::Error>(())
//! ```

use crate::{Error, Shape};

/// The most dimensions a [`Shape`] has.
const MAX_RANK: usize = 4;

/// For each element of a tensor in row-major order, its offset in the column-major slice.
///
/// Visiting a tensor in file (row-major) order while reading or writing our (column-major)
/// slice needs no temporary copy: `file[k] = ours[offset_k]`.
///
/// ```
/// use nn_core::{io::layout::RowMajorOffsets, Shape};
/// let offsets: Vec<usize> = RowMajorOffsets::new(Shape::new(&[2, 3])).collect();
/// assert_eq!(offsets, [0, 2, 4, 1, 3, 5]);
/// // Rank 1 and rank 3:
/// assert!(RowMajorOffsets::new(Shape::new(&[4])).eq(0..4));
/// let o: Vec<usize> = RowMajorOffsets::new(Shape::new(&[2, 1, 2])).collect();
/// assert_eq!(o, [0, 2, 1, 3]);
/// ```
#[derive(Clone, Debug)]
pub struct RowMajorOffsets {
    dims: [usize; MAX_RANK],
    strides: [usize; MAX_RANK],
    index: [usize; MAX_RANK],
    rank: usize,
    offset: usize,
    remaining: usize,
}

impl RowMajorOffsets {
    /// The offsets for a tensor of `shape`.
    ///
    /// ```
    /// use nn_core::{io::layout::RowMajorOffsets, Shape};
    /// assert_eq!(RowMajorOffsets::new(Shape::new(&[784, 128])).len(), 784 * 128);
    /// assert_eq!(RowMajorOffsets::new(Shape::new(&[0, 3])).count(), 0);
    /// ```
    pub fn new(shape: Shape) -> Self {
        let d = shape.dims();
        let mut dims = [1; MAX_RANK];
        let mut strides = [0; MAX_RANK];
        let mut stride = 1;
        for (j, &n) in d.iter().enumerate() {
            dims[j] = n;
            strides[j] = stride;
            stride *= n;
        }
        Self {
            dims,
            strides,
            index: [0; MAX_RANK],
            rank: d.len(),
            offset: 0,
            remaining: shape.len(),
        }
    }
}

impl Iterator for RowMajorOffsets {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let current = self.offset;
        // Advance the last index; carry into the earlier ones.
        for j in (0..self.rank).rev() {
            self.index[j] += 1;
            self.offset += self.strides[j];
            if self.index[j] < self.dims[j] {
                break;
            }
            self.offset -= self.dims[j] * self.strides[j];
            self.index[j] = 0;
        }
        Some(current)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for RowMajorOffsets {}

/// Checks that `src` and `dst` both hold `shape.len()` values.
fn check(shape: Shape, src: usize, dst: usize) -> Result<(), Error> {
    for found in [src, dst] {
        if found != shape.len() {
            return Err(Error::LengthMismatch {
                what: "tensor values",
                expected: shape.len(),
                found,
            });
        }
    }
    Ok(())
}

/// Copies a tensor of `shape` from our column-major order (`src`) into row-major order
/// (`dst`), as PyTorch and safetensors store it. Fails, writing nothing, unless both slices
/// hold `shape.len()` values.
///
/// ```
/// use nn_core::{io::layout::col_major_to_row_major, layer::Dense, Parameters, Shape};
/// let mut d = Dense::<f32, 3, 2>::zeros();
/// d.weight[(0, 2)] = 7.0; // output 0, input 2
/// let mut row_major = [0.0; 6];
/// col_major_to_row_major(Shape::new(&[2, 3]), d.tensor(0).unwrap(), &mut row_major)?;
/// assert_eq!(row_major[2], 7.0); // row 0, column 2 of the (out, in) matrix
/// assert!(col_major_to_row_major(Shape::new(&[2, 3]), &[0.0; 5], &mut row_major).is_err());
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn col_major_to_row_major<T: Copy>(
    shape: Shape,
    src: &[T],
    dst: &mut [T],
) -> Result<(), Error> {
    check(shape, src.len(), dst.len())?;
    for (d, off) in dst.iter_mut().zip(RowMajorOffsets::new(shape)) {
        *d = src[off];
    }
    Ok(())
}

/// Copies a tensor of `shape` from row-major order (`src`, as in PyTorch and safetensors)
/// into our column-major order (`dst`). Fails, writing nothing, unless both slices hold
/// `shape.len()` values. The inverse of [`col_major_to_row_major`].
///
/// ```
/// use nn_core::{io::layout::row_major_to_col_major, Shape};
/// let torch = [1, 2, 3, 4, 5, 6]; // [[1, 2, 3], [4, 5, 6]]
/// let mut ours = [0; 6];
/// row_major_to_col_major(Shape::new(&[2, 3]), &torch, &mut ours)?;
/// assert_eq!(ours, [1, 4, 2, 5, 3, 6]);
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn row_major_to_col_major<T: Copy>(
    shape: Shape,
    src: &[T],
    dst: &mut [T],
) -> Result<(), Error> {
    check(shape, src.len(), dst.len())?;
    for (&s, off) in src.iter().zip(RowMajorOffsets::new(shape)) {
        dst[off] = s;
    }
    Ok(())
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// The column-major offset of a multi-index, straight from the formula.
    fn col_offset(dims: &[usize], idx: &[usize]) -> usize {
        idx.iter()
            .rev()
            .zip(dims.iter().rev())
            .fold(0, |acc, (&i, &d)| acc * d + i)
    }

    #[test]
    fn offsets_follow_the_formula_for_every_rank() {
        for dims in [
            &[][..],
            &[5],
            &[2, 3],
            &[3, 1, 4],
            &[2, 3, 2, 2],
            &[1, 1, 1, 1],
        ] {
            let shape = Shape::new(dims);
            let mut expected = Vec::new();
            // Enumerate multi-indices in row-major order (last index fastest).
            let n = shape.len();
            for k in 0..n {
                let mut idx = [0usize; 4];
                let mut rest = k;
                for j in (0..dims.len()).rev() {
                    idx[j] = rest % dims[j];
                    rest /= dims[j];
                }
                expected.push(col_offset(dims, &idx[..dims.len()]));
            }
            let got: Vec<usize> = RowMajorOffsets::new(shape).collect();
            assert_eq!(got, expected, "shape {dims:?}");
            // A permutation of 0..n:
            let mut sorted = got.clone();
            sorted.sort_unstable();
            assert!(sorted.into_iter().eq(0..n));
        }
    }

    #[test]
    fn round_trip_and_transpose() {
        let shape = Shape::new(&[3, 4]);
        let ours: Vec<u32> = (0..12).collect();
        let mut torch = [0u32; 12];
        col_major_to_row_major(shape, &ours, &mut torch).unwrap();
        // torch[r * 4 + c] == ours[c * 3 + r]
        for r in 0..3 {
            for c in 0..4 {
                assert_eq!(torch[r * 4 + c], ours[c * 3 + r]);
            }
        }
        let mut back = [0u32; 12];
        row_major_to_col_major(shape, &torch, &mut back).unwrap();
        assert_eq!(&back[..], &ours[..]);
    }

    #[test]
    fn wrong_lengths_write_nothing() {
        let mut dst = [9u8; 6];
        let e = row_major_to_col_major(Shape::new(&[2, 3]), &[1u8; 6], &mut dst[..5]);
        assert_eq!(
            e,
            Err(Error::LengthMismatch {
                what: "tensor values",
                expected: 6,
                found: 5
            })
        );
        assert_eq!(dst, [9; 6]);
    }
}
