//! The activation workspace of a network's one-sample forward pass: one flat buffer of
//! `T` holding every layer's output `x_l` while it is still needed, so that stack use does
//! not grow with the image.
//!
//! `network!` numbers the layers in declaration order, `l = 0..L`, and knows for each layer
//! its output size `n_l` and the last layer that reads it, `last_l` (`L` for an output of
//! the network, which lives to the end). [`plan`] gives each layer an offset `o_l` so that
//! two outputs alive at the same time never overlap: layer `l`'s output is placed at the
//! lowest offset that is free of every output `k < l` with `last_k >= l` (first fit). The
//! workspace then holds `max_l (o_l + n_l)` values, at most `Σ_l n_l`; in a chain of
//! shrinking outputs (a CNN's), about twice the largest one. A layer never writes over its own inputs.
//!
//! ```
//! use nn_core::workspace::plan;
//! // input -> a (8 values) -> b (4) -> c (8), and c reads a as well (a skip connection).
//! let p = plan([8, 4, 8], [2, 2, 3]);
//! assert_eq!(p.offsets, [0, 8, 12]);
//! assert_eq!(p.len, 20);
//! // A plain chain reuses the space of outputs nobody reads any more.
//! let p = plan([8, 4, 8], [1, 2, 3]);
//! assert_eq!(p.offsets, [0, 8, 0]);
//! assert_eq!(p.len, 12);
//! ```

use crate::Scalar;
use nalgebra::SVector;

/// Where each layer's output lives in the workspace, and how many values it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan<const L: usize> {
    /// Layer `l`'s output occupies `offsets[l]..offsets[l] + sizes[l]`.
    pub offsets: [usize; L],
    /// The workspace's length in values of `T`.
    pub len: usize,
}

/// First-fit placement of `L` layer outputs of `sizes[l]` values, output `l` being read
/// last by layer `last_use[l]` (`L` or more: read after the last layer). Runs at compile
/// time in the code `network!` generates; `O(L³)` steps.
///
/// ```
/// let p = nn_core::workspace::plan([3, 5], [1, 2]);
/// assert_eq!((p.offsets, p.len), ([0, 3], 8));
/// ```
pub const fn plan<const L: usize>(sizes: [usize; L], last_use: [usize; L]) -> Plan<L> {
    let mut offsets = [0usize; L];
    let mut len = 0;
    let mut l = 0;
    while l < L {
        // Candidates: 0 and the end of every live output; the lowest free one wins.
        let mut best = usize::MAX;
        let mut c = 0;
        while c <= l {
            let start = if c == l {
                0
            } else if last_use[c] >= l {
                offsets[c] + sizes[c]
            } else {
                usize::MAX
            };
            if start < best && fits(start, sizes[l], l, &offsets, &sizes, &last_use) {
                best = start;
            }
            c += 1;
        }
        offsets[l] = best;
        if best + sizes[l] > len {
            len = best + sizes[l];
        }
        l += 1;
    }
    Plan { offsets, len }
}

/// Back-to-back placement of `L` blocks of `sizes[l]` values, none ever reused: block `l`
/// starts where block `l - 1` ends. The layout of a one-sample trace, where every layer's
/// `z_l` and `x_l` stay until the backward pass; `O(L)` steps.
///
/// ```
/// let p = nn_core::workspace::packed([3, 0, 5]);
/// assert_eq!((p.offsets, p.len), ([0, 3, 3], 8));
/// ```
pub const fn packed<const L: usize>(sizes: [usize; L]) -> Plan<L> {
    let mut offsets = [0usize; L];
    let mut len = 0;
    let mut l = 0;
    while l < L {
        offsets[l] = len;
        len += sizes[l];
        l += 1;
    }
    Plan { offsets, len }
}

/// Whether `start..start + n` overlaps no output `k < l` still alive at layer `l`.
const fn fits<const L: usize>(
    start: usize,
    n: usize,
    l: usize,
    offsets: &[usize; L],
    sizes: &[usize; L],
    last_use: &[usize; L],
) -> bool {
    let mut k = 0;
    while k < l {
        let live = last_use[k] >= l;
        let apart = start + n <= offsets[k] || start >= offsets[k] + sizes[k];
        if live && !apart {
            return false;
        }
        k += 1;
    }
    true
}

/// A workspace split around one layer's output: the output as a vector to write, and
/// every other value to read the layer's inputs from.
#[doc(hidden)]
pub struct Split<'w, T> {
    before: &'w [T],
    after: &'w [T],
    end: usize,
}

/// Splits `ws` at the output `offset..offset + N` of a layer. The plan guarantees that the
/// layer's inputs lie wholly before or wholly after it.
#[doc(hidden)]
pub fn split<T: Scalar, const N: usize>(
    ws: &mut [T],
    offset: usize,
) -> (Split<'_, T>, &mut SVector<T, N>) {
    let (before, rest) = ws.split_at_mut(offset);
    let (out, after) = rest.split_at_mut(N);
    let out: &mut [SVector<T, N>] = bytemuck::cast_slice_mut(out);
    let split = Split {
        before,
        after,
        end: offset + N,
    };
    (split, &mut out[0])
}

impl<'w, T: Scalar> Split<'w, T> {
    /// The output of `N` values at `offset`, which does not overlap the layer's own.
    pub fn get<const N: usize>(&self, offset: usize) -> &'w SVector<T, N> {
        let values = if offset >= self.end {
            &self.after[offset - self.end..offset - self.end + N]
        } else {
            &self.before[offset..offset + N]
        };
        &bytemuck::cast_slice::<T, SVector<T, N>>(values)[0]
    }
}

/// The output of `N` values at `offset`, read after the last layer.
#[doc(hidden)]
pub fn get<T: Scalar, const N: usize>(ws: &[T], offset: usize) -> &SVector<T, N> {
    &bytemuck::cast_slice::<T, SVector<T, N>>(&ws[offset..offset + N])[0]
}

/// `Ok` when a caller's workspace holds at least `needed` values.
#[doc(hidden)]
pub fn check_len(needed: usize, found: usize) -> Result<(), crate::Error> {
    if found >= needed {
        Ok(())
    } else {
        Err(crate::Error::LengthMismatch {
            what: "workspace values (at least)",
            expected: needed,
            found,
        })
    }
}

/// The heap storage of a large network's one-sample trace.
#[cfg(feature = "alloc")]
#[doc(hidden)]
pub type HeapValues<T> = alloc::vec::Vec<T>;

/// A zeroed workspace of `len` values on the heap.
#[cfg(feature = "alloc")]
#[doc(hidden)]
pub fn on_heap<T: Scalar>(len: usize) -> alloc::vec::Vec<T> {
    alloc::vec![T::zero(); len]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No two outputs alive at the same layer overlap, and none lies outside `len`.
    fn check<const L: usize>(sizes: [usize; L], last: [usize; L]) {
        let p = plan(sizes, last);
        for l in 0..L {
            assert!(p.offsets[l] + sizes[l] <= p.len);
            for k in 0..l {
                if last[k] >= l {
                    let apart = p.offsets[l] + sizes[l] <= p.offsets[k]
                        || p.offsets[l] >= p.offsets[k] + sizes[k];
                    assert!(apart, "outputs {k} and {l} overlap in {p:?}");
                }
            }
        }
    }

    #[test]
    fn live_outputs_never_overlap() {
        check([5, 3, 7, 2, 9, 4], [1, 2, 3, 4, 5, 6]);
        check([5, 3, 7, 2, 9, 4], [5, 2, 4, 4, 5, 6]);
        check([1, 100, 1, 100, 1], [4, 2, 3, 4, 5]);
        check([64, 64, 64, 64], [3, 2, 3, 4]);
    }

    #[test]
    fn a_chain_reuses_the_space_of_outputs_read_for_the_last_time() {
        let p = plan([10, 30, 20, 5], [1, 2, 3, 4]);
        assert_eq!(p.offsets, [0, 10, 40, 0]);
        assert_eq!(p.len, 60);
    }

    #[test]
    fn split_reads_both_sides_of_the_output() {
        let mut ws: [f32; 7] = [1., 2., 3., 4., 5., 6., 7.];
        let (rest, out) = split::<f32, 2>(&mut ws, 3);
        assert_eq!(rest.get::<3>(0).as_slice(), &[1., 2., 3.]);
        assert_eq!(rest.get::<2>(5).as_slice(), &[6., 7.]);
        out.fill(0.0);
        assert_eq!(get::<f32, 2>(&ws, 3).as_slice(), &[0., 0.]);
        assert!(check_len(7, 6).is_err() && check_len(7, 8).is_ok());
    }
}
