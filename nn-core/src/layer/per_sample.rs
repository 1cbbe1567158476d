//! Batches run one sample at a time: a `Batch<T, N>` holds its samples as columns, so
//! column `s` is the slice `[s·N, (s+1)·N)` of its storage. Layers without batch-wide state
//! (pooling, convolution's forward) apply their one-sample kernel to each column.

use crate::{Batch, Scalar};

/// Resizes `y` to `x`'s batch size and runs `f(x_s, y_s)` on every sample `s`.
pub(crate) fn forward_columns<T: Scalar, const IN: usize, const OUT: usize>(
    x: &Batch<T, IN>,
    y: &mut Batch<T, OUT>,
    mut f: impl FnMut(&[T], &mut [T]),
) {
    crate::__private::resize(y, x.ncols());
    let xs = x.as_slice().chunks_exact(IN);
    for (x, y) in xs.zip(y.as_mut_slice().chunks_exact_mut(OUT)) {
        f(x, y);
    }
}

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
