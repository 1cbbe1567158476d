//! TFLite's int8 AVERAGE_POOL_2D and MAX_POOL_2D (TFLM's reference kernels). Input and
//! output keep the same quantization.
//!
//! Average: the mean over the window's taps inside the image (padding is not counted),
//! rounded half away from zero by integer division: `(Σ ± n/2) / n`. Max: the largest tap.
//! Both are then clamped to the fused activation's range. Shapes: input `[n, h, w, c]`,
//! output `[n, oh, ow, c]`.

use super::params::check_len;
use crate::Error;

/// Window, strides, leading padding and clamp of a pooling layer (height first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeometry {
    /// `(filter_h, filter_w)`.
    pub filter: (usize, usize),
    /// `(stride_h, stride_w)`.
    pub stride: (usize, usize),
    /// `(pad_h, pad_w)`.
    pub padding: (usize, usize),
    /// The activation's clamp `(min, max)` in quantized units.
    pub range: (i32, i32),
}

/// Which reduction a pooling layer applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// AVERAGE_POOL_2D.
    Average,
    /// MAX_POOL_2D.
    Max,
}

/// int8 AVERAGE_POOL_2D or MAX_POOL_2D.
///
/// ```
/// use nn_core::quant::tflite::{pool_2d, PoolGeometry, PoolKind};
/// let g = PoolGeometry { filter: (2, 2), stride: (2, 2), padding: (0, 0), range: (-128, 127) };
/// let x = [1i8, 2, 3, 5]; // [1, 2, 2, 1]
/// let mut y = [0i8; 1];
/// pool_2d(PoolKind::Average, &g, &x, [1, 2, 2, 1], &mut y, [1, 1, 1, 1]).unwrap();
/// assert_eq!(y, [3]); // 11 / 4 = 2.75
/// pool_2d(PoolKind::Max, &g, &x, [1, 2, 2, 1], &mut y, [1, 1, 1, 1]).unwrap();
/// assert_eq!(y, [5]);
/// ```
pub fn pool_2d(
    kind: PoolKind,
    geometry: &PoolGeometry,
    input: &[i8],
    input_shape: [usize; 4],
    output: &mut [i8],
    output_shape: [usize; 4],
) -> Result<(), Error> {
    let [batches, in_h, in_w, depth] = input_shape;
    let [_, out_h, out_w, _] = output_shape;
    let len = |s: [usize; 4]| {
        s.iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .unwrap_or(usize::MAX)
    };
    check_len("pool input values", len(input_shape), input.len())?;
    check_len("pool output values", len(output_shape), output.len())?;
    check_len("pool output batches", batches, output_shape[0])?;
    check_len("pool output channels", depth, output_shape[3])?;
    let (fh, fw) = geometry.filter;
    let (sh, sw) = geometry.stride;
    let (ph, pw) = geometry.padding;
    for b in 0..batches {
        for oy in 0..out_h {
            let y0 = (oy * sh) as isize - ph as isize;
            let ky0 = (-y0).max(0) as usize;
            let ky1 = (fh as isize).min(in_h as isize - y0).max(0) as usize;
            for ox in 0..out_w {
                let x0 = (ox * sw) as isize - pw as isize;
                let kx0 = (-x0).max(0) as usize;
                let kx1 = (fw as isize).min(in_w as isize - x0).max(0) as usize;
                if kind == PoolKind::Max {
                    // The same maximum, one channel run per tap: no index arithmetic per value.
                    let at = ((b * out_h + oy) * out_w + ox) * depth;
                    let out = &mut output[at..at + depth];
                    out.fill(i8::MIN);
                    for ky in ky0..ky1 {
                        let row = (b * in_h + (y0 + ky as isize) as usize) * in_w;
                        for kx in kx0..kx1 {
                            let i = (row + (x0 + kx as isize) as usize) * depth;
                            for (m, &v) in out.iter_mut().zip(&input[i..i + depth]) {
                                *m = (*m).max(v);
                            }
                        }
                    }
                    for m in out {
                        *m = i32::from(*m).max(geometry.range.0).min(geometry.range.1) as i8;
                    }
                    continue;
                }
                for c in 0..depth {
                    let mut sum = 0i32;
                    let mut max = i32::from(i8::MIN);
                    let mut count = 0i32;
                    for ky in ky0..ky1 {
                        let iy = (y0 + ky as isize) as usize;
                        for kx in kx0..kx1 {
                            let ix = (x0 + kx as isize) as usize;
                            let v = i32::from(input[((b * in_h + iy) * in_w + ix) * depth + c]);
                            sum = sum.wrapping_add(v);
                            max = max.max(v);
                            count += 1;
                        }
                    }
                    let v = match kind {
                        PoolKind::Max => max,
                        PoolKind::Average => {
                            if count == 0 {
                                return Err(Error::InvalidConfig {
                                    what: "pooling window",
                                    expected: "at least one tap inside the input",
                                    found: 0.0,
                                });
                            }
                            if sum > 0 {
                                (sum + count / 2) / count
                            } else {
                                (sum - count / 2) / count
                            }
                        }
                    };
                    output[((b * out_h + oy) * out_w + ox) * depth + c] =
                        v.max(geometry.range.0).min(geometry.range.1) as i8;
                }
            }
        }
    }
    Ok(())
}
