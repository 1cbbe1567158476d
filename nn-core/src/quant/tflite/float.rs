//! TFLite's float32 reference kernels (TFLM's `reference_ops`), in their summation order, so
//! that a float model gives TFLM's bits on a machine whose `expf` is the same (softmax only).
//!
//! FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D sum `x · w` in `f32` over the same taps in
//! the same order as the int8 kernels ([`conv_2d`](super::conv_2d) for the shapes), then add
//! the bias and clamp to the activation's range ([`activation_range_f32`]). Average pooling
//! divides the sum of the taps inside the image by their count; softmax is
//! `e^{β(x - max)} / Σ`, the sum in `f32`.

use super::params::{check_len, FusedActivation};
use super::{ConvGeometry, PoolGeometry, PoolKind};
use crate::Error;

/// TFLite's `GetActivationMinMax`: the clamp of a fused activation in `f32`.
///
/// ```
/// use nn_core::quant::tflite::{activation_range_f32, FusedActivation};
/// assert_eq!(activation_range_f32(FusedActivation::Relu6), (0.0, 6.0));
/// ```
pub fn activation_range_f32(activation: FusedActivation) -> (f32, f32) {
    match activation {
        FusedActivation::None => (f32::MIN, f32::MAX),
        FusedActivation::Relu => (0.0, f32::MAX),
        FusedActivation::ReluN1To1 => (-1.0, 1.0),
        FusedActivation::Relu6 => (0.0, 6.0),
    }
}

#[inline]
fn clamp(v: f32, range: (f32, f32)) -> f32 {
    // std::min(std::max(x, lo), hi), as TFLite's ActivationFunctionWithMinMax
    let v = if v < range.0 { range.0 } else { v };
    if range.1 < v {
        range.1
    } else {
        v
    }
}

fn len4(s: &[usize; 4]) -> usize {
    s.iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .unwrap_or(usize::MAX)
}

/// float32 FULLY_CONNECTED: `out[b][o] = clamp(Σ_d x[b][d] w[o][d] + bias[o])`.
///
/// ```
/// use nn_core::quant::tflite::fully_connected_f32;
/// let mut y = [0f32; 2];
/// fully_connected_f32(&[1.0, 2.0], 2, &[1.0, 1.0, 0.5, -1.0], Some(&[0.0, 1.0]), (0.0, f32::MAX), &mut y).unwrap();
/// assert_eq!(y, [3.0, 0.0]);
/// ```
pub fn fully_connected_f32(
    input: &[f32],
    depth: usize,
    filter: &[f32],
    bias: Option<&[f32]>,
    range: (f32, f32),
    output: &mut [f32],
) -> Result<(), Error> {
    let depth_ok = depth.max(1);
    let out_depth = filter.len() / depth_ok;
    check_len(
        "fully-connected weights",
        out_depth * depth_ok,
        filter.len(),
    )?;
    let batches = input.len() / depth_ok;
    check_len("fully-connected inputs", batches * depth_ok, input.len())?;
    check_len("fully-connected outputs", batches * out_depth, output.len())?;
    if let Some(b) = bias {
        check_len("fully-connected biases", out_depth, b.len())?;
    }
    for (x, out) in input
        .chunks_exact(depth_ok)
        .zip(output.chunks_exact_mut(out_depth.max(1)))
    {
        for (o, (w, y)) in filter
            .chunks_exact(depth_ok)
            .zip(out.iter_mut())
            .enumerate()
        {
            let mut total = 0f32;
            for (&xv, &wv) in x.iter().zip(w) {
                total += xv * wv;
            }
            *y = clamp(total + bias.map_or(0.0, |b| b[o]), range);
        }
    }
    Ok(())
}

/// float32 CONV_2D (grouped when the filter's input depth divides the input's) or, with
/// `depth_multiplier = Some(m)`, DEPTHWISE_CONV_2D; shapes as the int8 kernels.
///
/// ```
/// use nn_core::quant::tflite::{conv_2d_f32, ConvGeometry};
/// let g = ConvGeometry { stride: (1, 1), dilation: (1, 1), padding: (0, 0) };
/// let mut y = [0f32; 1];
/// conv_2d_f32(&g, None, &[1.0, 2.0, 3.0, 4.0], [1, 2, 2, 1], &[1.0; 4], [1, 2, 2, 1], None,
///             (f32::MIN, f32::MAX), &mut y, [1, 1, 1, 1]).unwrap();
/// assert_eq!(y, [10.0]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn conv_2d_f32(
    geometry: &ConvGeometry,
    depth_multiplier: Option<usize>,
    input: &[f32],
    input_shape: [usize; 4],
    filter: &[f32],
    filter_shape: [usize; 4],
    bias: Option<&[f32]>,
    range: (f32, f32),
    output: &mut [f32],
    output_shape: [usize; 4],
) -> Result<(), Error> {
    check_len("conv input values", len4(&input_shape), input.len())?;
    check_len("conv filter values", len4(&filter_shape), filter.len())?;
    check_len("conv output values", len4(&output_shape), output.len())?;
    let [batches, in_h, in_w, in_c] = input_shape;
    let [_, fh, fw, _] = filter_shape;
    let [_, out_h, out_w, out_c] = output_shape;
    check_len("conv output batches", batches, output_shape[0])?;
    // Per output channel: the input channels it reads and the filter's layout.
    let (filter_c, per_group) = match depth_multiplier {
        Some(m) => {
            check_len("depthwise filter channels", in_c * m, filter_shape[3])?;
            check_len("depthwise output channels", filter_shape[3], out_c)?;
            (1, m)
        }
        None => {
            let fc = filter_shape[3];
            check_len("conv output channels", filter_shape[0], out_c)?;
            if fc == 0 || in_c % fc != 0 || out_c % (in_c / fc).max(1) != 0 {
                return Err(Error::LengthMismatch {
                    what: "conv filter input channels",
                    expected: in_c,
                    found: fc,
                });
            }
            (fc, out_c / (in_c / fc).max(1))
        }
    };
    if let Some(b) = bias {
        check_len("conv biases", out_c, b.len())?;
    }
    let (sh, sw) = geometry.stride;
    let (dh, dw) = geometry.dilation;
    let (ph, pw) = geometry.padding;
    for b in 0..batches {
        for oy in 0..out_h {
            let y0 = (oy * sh) as isize - ph as isize;
            for ox in 0..out_w {
                let x0 = (ox * sw) as isize - pw as isize;
                for oc in 0..out_c {
                    let first_in = (oc / per_group.max(1)) * filter_c;
                    let mut total = 0f32;
                    for ky in 0..fh {
                        let iy = y0 + (ky * dh) as isize;
                        if iy < 0 || iy as usize >= in_h {
                            continue;
                        }
                        for kx in 0..fw {
                            let ix = x0 + (kx * dw) as isize;
                            if ix < 0 || ix as usize >= in_w {
                                continue;
                            }
                            let xi =
                                ((b * in_h + iy as usize) * in_w + ix as usize) * in_c + first_in;
                            if depth_multiplier.is_some() {
                                total += input[xi] * filter[(ky * fw + kx) * out_c + oc];
                            } else {
                                let wi = ((oc * fh + ky) * fw + kx) * filter_c;
                                for ic in 0..filter_c {
                                    total += input[xi + ic] * filter[wi + ic];
                                }
                            }
                        }
                    }
                    output[((b * out_h + oy) * out_w + ox) * out_c + oc] =
                        clamp(total + bias.map_or(0.0, |v| v[oc]), range);
                }
            }
        }
    }
    Ok(())
}

/// float32 AVERAGE_POOL_2D or MAX_POOL_2D (`geometry.range` is unused: `range` clamps).
pub fn pool_2d_f32(
    kind: PoolKind,
    geometry: &PoolGeometry,
    range: (f32, f32),
    input: &[f32],
    input_shape: [usize; 4],
    output: &mut [f32],
    output_shape: [usize; 4],
) -> Result<(), Error> {
    check_len("pool input values", len4(&input_shape), input.len())?;
    check_len("pool output values", len4(&output_shape), output.len())?;
    let [batches, in_h, in_w, depth] = input_shape;
    let [_, out_h, out_w, _] = output_shape;
    check_len("pool output batches", batches, output_shape[0])?;
    check_len("pool output channels", depth, output_shape[3])?;
    let (fh, fw) = geometry.filter;
    for b in 0..batches {
        for oy in 0..out_h {
            let y0 = (oy * geometry.stride.0) as isize - geometry.padding.0 as isize;
            for ox in 0..out_w {
                let x0 = (ox * geometry.stride.1) as isize - geometry.padding.1 as isize;
                for c in 0..depth {
                    let (mut total, mut max, mut count) = (0f32, f32::MIN, 0u32);
                    for ky in
                        (-y0).max(0) as usize..(fh as isize).min(in_h as isize - y0).max(0) as usize
                    {
                        for kx in (-x0).max(0) as usize
                            ..(fw as isize).min(in_w as isize - x0).max(0) as usize
                        {
                            let iy = (y0 + ky as isize) as usize;
                            let ix = (x0 + kx as isize) as usize;
                            let v = input[((b * in_h + iy) * in_w + ix) * depth + c];
                            total += v;
                            max = if max < v { v } else { max };
                            count += 1;
                        }
                    }
                    let v = match kind {
                        PoolKind::Max => max,
                        PoolKind::Average if count > 0 => total / count as f32,
                        PoolKind::Average => {
                            return Err(Error::InvalidConfig {
                                what: "pooling window",
                                expected: "at least one tap inside the input",
                                found: 0.0,
                            })
                        }
                    };
                    output[((b * out_h + oy) * out_w + ox) * depth + c] = clamp(v, range);
                }
            }
        }
    }
    Ok(())
}

/// float32 SOFTMAX over rows of `depth` values: `e^{β(x_c - max)} / Σ`, the sum in `f32`.
///
/// ```
/// use nn_core::quant::tflite::softmax_f32;
/// let mut y = [0f32; 2];
/// softmax_f32(1.0, &[3.0, 3.0], 2, &mut y).unwrap();
/// assert_eq!(y, [0.5, 0.5]);
/// ```
pub fn softmax_f32(
    beta: f32,
    input: &[f32],
    depth: usize,
    output: &mut [f32],
) -> Result<(), Error> {
    check_len("softmax outputs", input.len(), output.len())?;
    if depth == 0 || !input.len().is_multiple_of(depth) {
        return Err(Error::LengthMismatch {
            what: "softmax inputs (a multiple of the depth)",
            expected: depth,
            found: input.len(),
        });
    }
    for (x, y) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
    {
        let max = x.iter().fold(f32::MIN, |m, &v| if m < v { v } else { m });
        let mut sum = 0f32;
        for (&v, out) in x.iter().zip(y.iter_mut()) {
            let e = <f32 as nalgebra::ComplexField>::exp((v - max) * beta);
            *out = e;
            sum += e;
        }
        for out in y.iter_mut() {
            *out /= sum;
        }
    }
    Ok(())
}

/// float32 ADD of two tensors of the same shape, clamped ([`add_f32_broadcast`](super::add_f32_broadcast)
/// broadcasts).
///
/// ```
/// use nn_core::quant::tflite::add_f32;
/// let mut y = [0f32; 2];
/// add_f32(&[1.0, -2.0], &[0.5, 0.5], (0.0, 6.0), &mut y).unwrap();
/// assert_eq!(y, [1.5, 0.0]);
/// ```
pub fn add_f32(a: &[f32], b: &[f32], range: (f32, f32), output: &mut [f32]) -> Result<(), Error> {
    check_len("add second-input values", a.len(), b.len())?;
    check_len("add outputs", a.len(), output.len())?;
    for ((&x, &y), out) in a.iter().zip(b).zip(output.iter_mut()) {
        *out = clamp(x + y, range);
    }
    Ok(())
}
