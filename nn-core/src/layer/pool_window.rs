//! The window geometry max and average pooling share: output `(oh, ow)` of a `K x K`
//! window with stride `S` and padding `P` reads rows `oh·S - P .. oh·S - P + K` and columns
//! `ow·S - P .. ow·S - P + K` of an `H x W` plane, clipped to the plane (padding positions
//! hold no input).
//!
//! `pool2d_geometry!` writes the output sizes, `new()` and the compile-time size checks both
//! pooling layers have.

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

/// The inherent items max and average pooling share: the output sizes `OH`, `OW`, `OUT`,
/// `new()` and the compile-time size checks `sizes::<IN, OUT>()` (messages prefixed with
/// `$kind`), for `$name<T, C, H, W, K, S, P>`.
macro_rules! pool2d_geometry {
    ($kind:literal, $name:ident) => {
        impl<
                T: $crate::Scalar,
                const C: usize,
                const H: usize,
                const W: usize,
                const K: usize,
                const S: usize,
                const P: usize,
            > $name<T, C, H, W, K, S, P>
        {
            /// Output height, `(H + 2P - K)/S + 1` (floored).
            pub const OH: usize = $crate::kernels::out_size(H, K, S, P, 1);
            /// Output width.
            pub const OW: usize = $crate::kernels::out_size(W, K, S, P, 1);
            /// Values per output sample, `C·OH·OW`.
            pub const OUT: usize = C * Self::OH * Self::OW;

            /// The layer (it has no parameters).
            pub const fn new() -> Self {
                Self(::core::marker::PhantomData)
            }

            /// Checks, at compile time, the window and the sample sizes.
            const fn sizes<const IN: usize, const OUT: usize>() {
                assert!(
                    K > 0 && S > 0 && 2 * P <= K,
                    concat!($kind, ": needs K > 0, S > 0, P <= K/2")
                );
                assert!(
                    Self::OH > 0 && Self::OW > 0,
                    concat!($kind, ": the window is larger than the padded input")
                );
                assert!(IN == C * H * W, concat!($kind, ": IN must be C·H·W"));
                assert!(OUT == Self::OUT, concat!($kind, ": OUT must be C·OH·OW"));
            }
        }
    };
}

pub(crate) use pool2d_geometry;
