//! TFLite's broadcasting ADD (`BroadcastAdd6DSlow` of its reference kernels), int8 and
//! float32: numpy's rules over shapes of up to six dimensions. The shorter shape is padded
//! with leading ones; each pair of dimensions must be equal or one of them 1, and the output
//! takes the larger. Every output value is the same function of its two input values as in
//! the non-broadcasting [`add_i8`](super::add_i8) and [`add_f32`](super::add_f32), so the
//! bits are TFLM's; the inputs are walked with a stride of 0 along their broadcast
//! dimensions. No heap.

use super::elementwise::{add_one_i8, AddParams};
use super::params::check_len;
use crate::Error;

/// The most dimensions a broadcast shape has (TFLM's `BroadcastAdd6DSlow`).
pub const MAX_BROADCAST_DIMS: usize = 6;

/// The numpy broadcast of shapes `a` and `b` (`None` when a pair of dimensions differs and
/// neither is 1, or a shape has more than [`MAX_BROADCAST_DIMS`] dimensions), written into
/// `out` and returned as its prefix.
///
/// ```
/// use nn_core::quant::tflite::broadcast_shape;
/// let mut out = [0; 6];
/// assert_eq!(broadcast_shape(&[1, 4, 4, 3], &[3], &mut out), Some(&[1, 4, 4, 3][..]));
/// assert_eq!(broadcast_shape(&[1, 4, 1, 3], &[1, 1, 5, 1], &mut out), Some(&[1, 4, 5, 3][..]));
/// assert_eq!(broadcast_shape(&[1, 4, 4, 3], &[1, 4, 2, 3], &mut out), None);
/// ```
pub fn broadcast_shape<'o>(
    a: &[usize],
    b: &[usize],
    out: &'o mut [usize; MAX_BROADCAST_DIMS],
) -> Option<&'o [usize]> {
    let rank = a.len().max(b.len());
    if rank > MAX_BROADCAST_DIMS {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate().take(rank) {
        let dim = |s: &[usize]| (i + s.len()).checked_sub(rank).map_or(1, |j| s[j]);
        let (x, y) = (dim(a), dim(b));
        *o = match (x, y) {
            _ if x == y => x,
            (1, _) => y,
            (_, 1) => x,
            _ => return None,
        };
    }
    Some(&out[..rank])
}

/// The output shape (padded to six dimensions with leading ones) and each input's strides
/// (0 along a broadcast dimension), with the lengths of the three slices checked.
struct Walk {
    shape: [usize; MAX_BROADCAST_DIMS],
    strides: [[usize; MAX_BROADCAST_DIMS]; 2],
}

impl Walk {
    fn new(a: &[usize], b: &[usize], lens: (usize, usize, usize)) -> Result<Walk, Error> {
        const R: usize = MAX_BROADCAST_DIMS;
        let mut out = [1; R];
        let rank = broadcast_shape(a, b, &mut out)
            .ok_or(Error::LengthMismatch {
                what: "add second-input dimension (equal, 1, or at most 6 dimensions)",
                expected: a.len(),
                found: b.len(),
            })?
            .len();
        let mut shape = [1; R];
        shape[R - rank..].copy_from_slice(&out[..rank]);
        let mut strides = [[0; R]; 2];
        for (k, s) in [a, b].into_iter().enumerate() {
            let mut step = 1;
            for (i, &d) in s.iter().enumerate().rev() {
                let axis = R - s.len() + i;
                strides[k][axis] = if d == 1 { 0 } else { step };
                step *= d;
            }
        }
        let len = |s: &[usize]| s.iter().product::<usize>();
        check_len("add first-input values", len(a), lens.0)?;
        check_len("add second-input values", len(b), lens.1)?;
        check_len("add outputs", len(&shape), lens.2)?;
        Ok(Walk { shape, strides })
    }

    /// Calls `f(i_a, i_b, i_out)` for every output index in row-major order.
    #[inline]
    fn each(&self, mut f: impl FnMut(usize, usize, usize)) {
        const R: usize = MAX_BROADCAST_DIMS;
        let total: usize = self.shape.iter().product();
        let (mut index, mut ia, mut ib) = ([0usize; R], 0usize, 0usize);
        for o in 0..total {
            f(ia, ib, o);
            // The odometer: the last dimension turns fastest.
            for d in (0..R).rev() {
                index[d] += 1;
                ia += self.strides[0][d];
                ib += self.strides[1][d];
                if index[d] < self.shape[d] {
                    break;
                }
                ia -= self.strides[0][d] * self.shape[d];
                ib -= self.strides[1][d] * self.shape[d];
                index[d] = 0;
            }
        }
    }
}

/// int8 ADD of `a` (shape `a_shape`) and `b` (shape `b_shape`) broadcast to their numpy
/// broadcast shape, `output`'s (TFLM's `BroadcastAdd6DSlow`; the same values as [`add_i8`](super::add_i8)
/// when the shapes are equal).
///
/// ```
/// use nn_core::quant::tflite::{add_i8_broadcast, AddParams, QuantParams};
/// let q = QuantParams { scale: 0.5, zero_point: 0 };
/// let p = AddParams::new(q, q, q, (-128, 127));
/// let mut y = [0i8; 6];
/// add_i8_broadcast(&p, &[1, 2, 3, 4, 5, 6], &[2, 3], &[10, 20, 30], &[3], &mut y).unwrap();
/// assert_eq!(y, [11, 22, 33, 14, 25, 36]);
/// ```
pub fn add_i8_broadcast(
    params: &AddParams,
    a: &[i8],
    a_shape: &[usize],
    b: &[i8],
    b_shape: &[usize],
    output: &mut [i8],
) -> Result<(), Error> {
    let w = Walk::new(a_shape, b_shape, (a.len(), b.len(), output.len()))?;
    w.each(|ia, ib, o| output[o] = add_one_i8(params, a[ia], b[ib]));
    Ok(())
}

/// float32 ADD of `a` and `b` broadcast to their numpy broadcast shape, clamped to `range`
/// (TFLM's float `BroadcastAdd6DSlow`).
///
/// ```
/// use nn_core::quant::tflite::add_f32_broadcast;
/// let mut y = [0f32; 4];
/// add_f32_broadcast(&[1.0, 2.0], &[2, 1], &[0.5, -5.0], &[1, 2], (0.0, 6.0), &mut y).unwrap();
/// assert_eq!(y, [1.5, 0.0, 2.5, 0.0]);
/// ```
pub fn add_f32_broadcast(
    a: &[f32],
    a_shape: &[usize],
    b: &[f32],
    b_shape: &[usize],
    range: (f32, f32),
    output: &mut [f32],
) -> Result<(), Error> {
    let w = Walk::new(a_shape, b_shape, (a.len(), b.len(), output.len()))?;
    // TFLite's ActivationFunctionWithMinMax: max, then min.
    w.each(|ia, ib, o| output[o] = (a[ia] + b[ib]).max(range.0).min(range.1));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{add_f32, add_i8, QuantParams};
    use super::*;
    use std::vec::Vec;

    fn params() -> AddParams {
        let q = |scale, zero_point| QuantParams { scale, zero_point };
        AddParams::new(q(0.07, 10), q(0.03, -5), q(0.06, -20), (-20, 127))
    }

    /// `b` tiled to `a`'s shape by index arithmetic, independently of the odometer.
    fn tiled<T: Copy>(b: &[T], b_shape: [usize; 4], out: [usize; 4]) -> Vec<T> {
        let mut v = Vec::new();
        for n in 0..out[0] {
            for h in 0..out[1] {
                for w in 0..out[2] {
                    for c in 0..out[3] {
                        let i = [n, h, w, c];
                        let at = |d: usize| if b_shape[d] == 1 { 0 } else { i[d] };
                        let j = ((at(0) * b_shape[1] + at(1)) * b_shape[2] + at(2)) * b_shape[3]
                            + at(3);
                        v.push(b[j]);
                    }
                }
            }
        }
        v
    }

    #[test]
    fn broadcasting_equals_the_elementwise_add_of_the_tiled_input() {
        let out = [2, 3, 4, 5];
        let a: Vec<i8> = (0..120).map(|i| (i * 37 % 256 - 128) as i8).collect();
        for b_shape in [[1, 1, 1, 5], [2, 1, 4, 1], [1, 3, 1, 1], [1, 1, 1, 1], out] {
            let n: usize = b_shape.iter().product();
            let b: Vec<i8> = (0..n).map(|i| (i * 91 % 256) as u8 as i8).collect();
            let (mut ours, mut want) = ([0i8; 120], [0i8; 120]);
            add_i8_broadcast(&params(), &a, &out, &b, &b_shape, &mut ours).unwrap();
            add_i8(&params(), &a, &tiled(&b, b_shape, out), &mut want).unwrap();
            assert_eq!(ours, want, "{b_shape:?}");
            // The other way round: the broadcast input first.
            add_i8_broadcast(&params(), &b, &b_shape, &a, &out, &mut ours).unwrap();
            add_i8(&params(), &tiled(&b, b_shape, out), &a, &mut want).unwrap();
            assert_eq!(ours, want, "{b_shape:?} first");
            let (af, bf): (Vec<f32>, Vec<f32>) = (
                a.iter().map(|&x| f32::from(x) * 0.1).collect(),
                b.iter().map(|&x| f32::from(x) * 0.3).collect(),
            );
            let (mut ours, mut want) = ([0f32; 120], [0f32; 120]);
            add_f32_broadcast(&af, &out, &bf, &b_shape, (-1.0, 6.0), &mut ours).unwrap();
            add_f32(&af, &tiled(&bf, b_shape, out), (-1.0, 6.0), &mut want).unwrap();
            assert_eq!(ours, want, "{b_shape:?} float32");
        }
    }

    #[test]
    fn both_inputs_broadcast_and_ranks_may_differ() {
        // [2, 1] + [3] -> [2, 3]
        let mut y = [0f32; 6];
        add_f32_broadcast(
            &[1.0, 2.0],
            &[2, 1],
            &[10.0, 20.0, 30.0],
            &[3],
            (f32::MIN, f32::MAX),
            &mut y,
        )
        .unwrap();
        assert_eq!(y, [11.0, 21.0, 31.0, 12.0, 22.0, 32.0]);
    }

    #[test]
    fn shapes_that_do_not_broadcast_and_wrong_lengths_are_errors() {
        let mut y = [0i8; 6];
        let e = add_i8_broadcast(&params(), &[0; 6], &[2, 3], &[0; 2], &[2], &mut y);
        assert!(matches!(e, Err(Error::LengthMismatch { .. })));
        let e = add_i8_broadcast(&params(), &[0; 6], &[2, 3], &[0; 3], &[3], &mut y[..5]);
        assert!(matches!(
            e,
            Err(Error::LengthMismatch {
                what: "add outputs",
                expected: 6,
                found: 5
            })
        ));
        let e = add_i8_broadcast(&params(), &[0; 5], &[2, 3], &[0; 3], &[3], &mut y);
        assert!(matches!(e, Err(Error::LengthMismatch { .. })));
        let e = add_i8_broadcast(&params(), &[0; 1], &[1; 7], &[0; 1], &[1], &mut y[..1]);
        assert!(matches!(e, Err(Error::LengthMismatch { .. })));
    }
}
