//! A batch one sample at a time: a `Batch<T, N>` holds its samples as columns, so column `s`
//! is the slice `[s·N, (s+1)·N)` of its storage. Only a fallback: max pooling's backward
//! when no batch forward kept the winners (the layers' batch paths run a batch as one).

use crate::{Batch, Scalar};

/// Resizes `dx` to `x`'s batch size and runs `f(x_s, dy_s, dx_s)` on every sample `s`.
pub(crate) fn backward_columns<T: Scalar, const IN: usize, const OUT: usize>(
    x: &Batch<T, IN>,
    dy: &Batch<T, OUT>,
    dx: &mut Batch<T, IN>,
    mut f: impl FnMut(&[T], &[T], &mut [T]),
) {
    crate::__private::resize(dx, x.ncols());
    let xs = x
        .as_slice()
        .chunks_exact(IN)
        .zip(dy.as_slice().chunks_exact(OUT));
    for ((x, dy), dx) in xs.zip(dx.as_mut_slice().chunks_exact_mut(IN)) {
        f(x, dy, dx);
    }
}
