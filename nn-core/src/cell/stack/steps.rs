//! Moving a layer's steps between per-direction sequences (`SEQ` steps of `H` values, the
//! reverse direction's in reverse step order) and the concatenated output (`SEQ` steps of
//! `DIRS·H` values, `[h→_t, h←_t]` at step `t`), and the stack's output from the last layer's.

use crate::Scalar;

/// Copies `src` (steps of `w` values) into `dst` with the steps in reverse order.
pub(crate) fn reverse_steps<T: Copy>(src: &[T], dst: &mut [T], w: usize) {
    for (d, s) in dst.chunks_exact_mut(w).zip(src.chunks_exact(w).rev()) {
        d.copy_from_slice(s);
    }
}

/// Adds `src` (steps of `w` values, in reverse order when `reverse`) to `dst`.
pub(crate) fn add_steps<T: Scalar>(src: &[T], dst: &mut [T], w: usize, reverse: bool) {
    let steps = src.len() / w;
    for (t, s) in src.chunks_exact(w).enumerate() {
        let tt = if reverse { steps - 1 - t } else { t };
        dst[tt * w..(tt + 1) * w]
            .iter_mut()
            .zip(s)
            .for_each(|(a, &b)| *a += b);
    }
}

/// Direction `d`'s hidden states `y` (steps of `h` values; in reverse step order when
/// `reverse`) into their place in a concatenated output `out` (steps of `dirs·h`).
pub(crate) fn scatter<T: Copy>(
    y: &[T],
    out: &mut [T],
    h: usize,
    dirs: usize,
    d: usize,
    reverse: bool,
) {
    let steps = y.len() / h;
    for (t, yt) in y.chunks_exact(h).enumerate() {
        let tt = if reverse { steps - 1 - t } else { t };
        let at = tt * dirs * h + d * h;
        out[at..at + h].copy_from_slice(yt);
    }
}

/// The inverse of [`scatter`]: direction `d`'s part of `out` into `y`.
pub(crate) fn gather<T: Copy>(
    out: &[T],
    y: &mut [T],
    h: usize,
    dirs: usize,
    d: usize,
    reverse: bool,
) {
    let steps = y.len() / h;
    for (t, yt) in y.chunks_exact_mut(h).enumerate() {
        let tt = if reverse { steps - 1 - t } else { t };
        let at = tt * dirs * h + d * h;
        yt.copy_from_slice(&out[at..at + h]);
    }
}

/// The stack's output from the last layer's: all of it, or `[h→_SEQ, h←_1]`.
pub(crate) fn pick_out<T: Copy>(last: &[T], y: &mut [T], h: usize, dirs: usize) {
    if y.len() == last.len() {
        y.copy_from_slice(last);
        return;
    }
    let steps = last.len() / (dirs * h);
    for (d, yd) in y.chunks_exact_mut(h).enumerate() {
        let t = if d == 0 { steps - 1 } else { 0 };
        let at = t * dirs * h + d * h;
        yd.copy_from_slice(&last[at..at + h]);
    }
}

/// The backward of [`pick_out`]: the gradient of the last layer's output.
pub(crate) fn spread_out<T: Scalar>(dy: &[T], dlast: &mut [T], h: usize, dirs: usize) {
    if dy.len() == dlast.len() {
        dlast.copy_from_slice(dy);
        return;
    }
    dlast.fill(T::zero());
    let steps = dlast.len() / (dirs * h);
    for (d, g) in dy.chunks_exact(h).enumerate() {
        let t = if d == 0 { steps - 1 } else { 0 };
        let at = t * dirs * h + d * h;
        dlast[at..at + h].copy_from_slice(g);
    }
}
