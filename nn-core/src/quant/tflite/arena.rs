//! The activation arenas of a `network!` over TFLite layers: one buffer per activation dtype
//! (`[i8; ARENA_I8]`, and `[f32; ARENA_F32]` when the network has float32 activations), in
//! which the layers writing that dtype take turns: each writes at the end of its arena
//! opposite to the one the previous such layer wrote, so it reads its input from the other
//! end. A layer reading `n_in` values and writing `n_out` of the same dtype therefore needs
//! `n_in + n_out` of that arena; the macro computes each arena's size as the largest such
//! sum over the layers between the first (which reads the caller's input) and the last
//! (which writes the caller's output), and `ARENA_BYTES` as the bytes of both.
//!
//! ```
//! use nn_core::quant::tflite::{arena_pair, arena_read, arena_write};
//! let mut arena = [0i8; 5];
//! arena_write(&mut arena, true, 2).unwrap().copy_from_slice(&[1, 2]); // layer 0: front
//! let (x, y) = arena_pair(&mut arena, false, 2, 3).unwrap();      // layer 1: back
//! assert_eq!(x, [1, 2]);
//! y.copy_from_slice(&[3, 4, 5]);
//! assert_eq!(arena_read(&arena, false, 3).unwrap(), [3, 4, 5]);
//! assert!(arena_pair(&mut arena, true, 3, 3).is_err()); // 3 + 3 > 5
//! ```

use crate::Error;

fn too_small(len: usize, needed: usize) -> Error {
    Error::LengthMismatch {
        what: "activation arena",
        expected: needed,
        found: len,
    }
}

/// The `len` values at the front (`front`) or the back of `arena`: the output of the layer
/// before.
pub fn arena_read<T>(arena: &[T], front: bool, len: usize) -> Result<&[T], Error> {
    let n = arena.len();
    let start = if front { Some(0) } else { n.checked_sub(len) };
    start
        .and_then(|s| arena.get(s..s + len))
        .ok_or_else(|| too_small(n, len))
}

/// The `len` values at the front (`front`) or the back of `arena`, to write a layer's output.
pub fn arena_write<T>(arena: &mut [T], front: bool, len: usize) -> Result<&mut [T], Error> {
    let n = arena.len();
    let start = if front { Some(0) } else { n.checked_sub(len) };
    match start {
        Some(s) if s + len <= n => Ok(&mut arena[s..s + len]),
        _ => Err(too_small(n, len)),
    }
}

/// A layer's input (`in_len` values at the end it does not write) and its output (`out_len`
/// values at the front when `write_front`, else at the back), disjoint.
pub fn arena_pair<T>(
    arena: &mut [T],
    write_front: bool,
    in_len: usize,
    out_len: usize,
) -> Result<(&[T], &mut [T]), Error> {
    let n = arena.len();
    if in_len.checked_add(out_len).is_none_or(|s| s > n) {
        return Err(too_small(n, in_len.saturating_add(out_len)));
    }
    if write_front {
        let (front, back) = arena.split_at_mut(out_len);
        Ok((&back[back.len() - in_len..], front))
    } else {
        let (front, back) = arena.split_at_mut(n - out_len);
        Ok((&front[..in_len], back))
    }
}
