//! The window geometry max and average pooling share: output `(oh, ow)` of a `K x K`
//! window with stride `S` and padding `P` reads rows `oh·S - P .. oh·S - P + K` and columns
//! `ow·S - P .. ow·S - P + K` of an `H x W` plane, clipped to the plane (padding positions
//! hold no input).

/// The window of pooling output `(oh, ow)` over an `H x W` plane with a `K x K` window,
/// stride `S` and padding `P`: its in-image rows and columns (the padding clipped off).
#[inline]
pub(crate) fn pool_window<
    const H: usize,
    const W: usize,
    const K: usize,
    const S: usize,
    const P: usize,
>(
    oh: usize,
    ow: usize,
) -> (core::ops::Range<usize>, core::ops::Range<usize>) {
    let (r0, c0) = (
        (oh * S) as isize - P as isize,
        (ow * S) as isize - P as isize,
    );
    let clip =
        |a: isize, n: usize| (a.max(0) as usize)..((a + K as isize).min(n as isize) as usize);
    (clip(r0, H), clip(c0, W))
}
