//! The activation arenas of a `network!` over TFLite layers: one buffer per activation dtype
//! (`[i8; ARENA_I8]`, and `[f32; ARENA_F32]` when the network has float32 activations), in
//! which the macro gives each activation between the first layer (which reads the caller's
//! input) and the last (which writes the caller's output) a place, from the layer writing it
//! to the last layer reading it; activations alive at once get disjoint places, so a
//! skip connection's source stays intact across the layers it spans. A layer writes its
//! output through [`arena_split`], which also gives it its inputs in the same arena (never
//! overlapping the output), and reads the other dtype's arena with [`arena_read`].
//! `ARENA_BYTES` is the bytes of both arenas.
//!
//! ```
//! use nn_core::quant::tflite::{arena_read, arena_split};
//! let mut arena = [0i8; 7];
//! let ([], y) = arena_split(&mut arena, (0, 2), []).unwrap(); // layer 0 writes 0..2
//! y.copy_from_slice(&[1, 2]);
//! let ([a], y) = arena_split(&mut arena, (2, 3), [(0, 2)]).unwrap(); // layer 1: 2..5
//! assert_eq!(a, [1, 2]);
//! y.copy_from_slice(&[3, 4, 5]);
//! // Layer 2 reads both (a skip connection) and writes 5..7.
//! let ([a, b], y) = arena_split(&mut arena, (5, 2), [(0, 2), (2, 3)]).unwrap();
//! assert_eq!((a, b), (&[1, 2][..], &[3, 4, 5][..]));
//! y.copy_from_slice(&[6, 7]);
//! assert_eq!(arena_read(&arena, 5, 2).unwrap(), [6, 7]);
//! assert!(arena_split(&mut arena, (1, 2), [(0, 2)]).is_err()); // input and output overlap
//! assert!(arena_read(&arena, 6, 2).is_err()); // past the end
//! ```

use crate::Error;

fn too_small(len: usize, needed: usize) -> Error {
    Error::LengthMismatch {
        what: "activation arena",
        expected: needed,
        found: len,
    }
}

/// The `len` values from `offset` of `arena`: a node a layer reads.
///
/// ```
/// let arena = [1i8, 2, 3, 4];
/// assert_eq!(nn_core::quant::tflite::arena_read(&arena, 1, 2).unwrap(), [2, 3]);
/// ```
pub fn arena_read<T>(arena: &[T], offset: usize, len: usize) -> Result<&[T], Error> {
    let end = offset.saturating_add(len);
    arena
        .get(offset..end)
        .ok_or_else(|| too_small(arena.len(), end))
}

/// A layer's output, the `out.1` values from `out.0` of `arena`, and its inputs in the same
/// arena, `ins` as `(offset, len)`; an input overlapping the output is an error (a kernel
/// never reads what it writes).
///
/// ```
/// let mut arena = [1i8, 2, 0, 0, 5];
/// // Reads 0..2 and 4..5, writes 2..4.
/// let ([a, b], y) = nn_core::quant::tflite::arena_split(&mut arena, (2, 2), [(0, 2), (4, 1)]).unwrap();
/// y[0] = a[0] + b[0];
/// assert_eq!(arena[2], 6);
/// ```
#[allow(clippy::type_complexity)]
pub fn arena_split<T, const N: usize>(
    arena: &mut [T],
    out: (usize, usize),
    ins: [(usize, usize); N],
) -> Result<([&[T]; N], &mut [T]), Error> {
    let n = arena.len();
    let (start, end) = (out.0, out.0.saturating_add(out.1));
    if end > n {
        return Err(too_small(n, end));
    }
    let (low, rest) = arena.split_at_mut(start);
    let (y, high) = rest.split_at_mut(out.1);
    let (low, high): (&[T], &[T]) = (low, high);
    let mut xs: [&[T]; N] = [&[]; N];
    for (x, &(offset, len)) in xs.iter_mut().zip(&ins) {
        let stop = offset.saturating_add(len);
        *x = if stop <= start {
            &low[offset..stop]
        } else if offset >= end && stop <= n {
            &high[offset - end..stop - end]
        } else if stop > n {
            return Err(too_small(n, stop));
        } else {
            return Err(Error::LengthMismatch {
                what: "offset of an activation-arena input overlapping the output (an offset at or past the output's end, or an input ending before its start)",
                expected: end,
                found: offset,
            });
        };
    }
    Ok((xs, y))
}
