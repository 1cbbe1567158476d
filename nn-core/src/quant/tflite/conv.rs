//! TFLite's int8 FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D (TFLM's reference kernels,
//! `reference_integer_ops`).
//!
//! Every output is `acc = Σ w · (x + input_offset) + b` in `i32` (`input_offset` is minus the
//! input's zero point; weights are symmetric), requantized with the output channel's
//! multiplier and shift ([`multiply_by_quantized_multiplier`](super::multiply_by_quantized_multiplier)),
//! plus the output's zero point, clamped to the fused activation's range.
//!
//! Shapes (TFLite's, row-major): FULLY_CONNECTED input `[batches, depth]`, filter
//! `[out, depth]`, output `[batches, out]`; CONV_2D input `[n, h, w, c]` (NHWC), filter
//! `[out_c, fh, fw, c / groups]`, output `[n, oh, ow, out_c]`; DEPTHWISE_CONV_2D filter
//! `[1, fh, fw, c · depth_multiplier]`, output channel `c · depth_multiplier + m`.

use super::dsp;
use super::im2col;
use super::params::{check_len, requantize};
use crate::Error;

/// The requantization of an int8 layer: offsets, one multiplier and shift per output
/// channel (or one for all), and the activation's clamp.
#[derive(Clone, Copy, Debug)]
pub struct Requant<'a> {
    /// Minus the input's zero point.
    pub input_offset: i32,
    /// Minus the filter's zero point (0 for TFLite's symmetric int8 weights).
    pub filter_offset: i32,
    /// The output's zero point.
    pub output_offset: i32,
    /// Significands from [`quantize_multiplier`](super::quantize_multiplier), one per output
    /// channel or a single one for all.
    pub multipliers: &'a [i32],
    /// Exponents from [`quantize_multiplier`](super::quantize_multiplier), as `multipliers`.
    pub shifts: &'a [i32],
    /// The clamp `(min, max)` of [`activation_range_i8`](super::activation_range_i8).
    pub range: (i32, i32),
}

impl Requant<'_> {
    fn check(&self, channels: usize) -> Result<(), Error> {
        let n = self.multipliers.len();
        if n != 1 {
            check_len("output multipliers", channels, n)?;
        }
        check_len("output shifts", n, self.shifts.len())
    }

    // Always inlined: once per output value, in every kernel's innermost store.
    #[inline(always)]
    pub(super) fn apply(&self, acc: i32, channel: usize) -> i8 {
        let i = if self.multipliers.len() == 1 {
            0
        } else {
            channel
        };
        // `check` gave every channel its multiplier and shift; `get` rather than indexing
        // keeps panic code (and the formatting it links) out of a firmware.
        match (self.multipliers.get(i), self.shifts.get(i)) {
            (Some(&m), Some(&s)) => requantize(acc, m, s, self.output_offset, self.range),
            _ => 0,
        }
    }
}

/// Strides, dilations and leading padding of a 2-D convolution (height first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    /// `(stride_h, stride_w)`.
    pub stride: (usize, usize),
    /// `(dilation_h, dilation_w)`.
    pub dilation: (usize, usize),
    /// Rows and columns of zero padding before the input, `(pad_h, pad_w)`.
    pub padding: (usize, usize),
}

/// Whether the public kernels take the DSP inner loops ([`dsp`]): with the feature `arm-dsp`
/// on 32-bit ARM.
const DSP: bool = cfg!(all(feature = "arm-dsp", target_arch = "arm"));

/// `Σ (w_i + filter_offset)(x_i + input_offset)` modulo 2³², through [`dsp::dot`] or one
/// product at a time.
#[inline]
fn mac<const DSP: bool>(rq: &Requant<'_>, w: &[i8], x: &[i8]) -> i32 {
    if DSP && dsp::usable(rq.input_offset, rq.filter_offset) {
        return dsp::dot(w, x, rq.filter_offset, rq.input_offset);
    }
    let mut acc = 0i32;
    for (&wv, &xv) in w.iter().zip(x) {
        let wv = i32::from(wv) + rq.filter_offset;
        acc = acc.wrapping_add(wv.wrapping_mul(i32::from(xv) + rq.input_offset));
    }
    acc
}

/// [`mac`] of two filter rows against the same input (through [`dsp::dot2`]).
#[inline]
fn mac2<const DSP: bool>(rq: &Requant<'_>, a: &[i8], b: &[i8], x: &[i8]) -> (i32, i32) {
    if DSP && dsp::usable(rq.input_offset, rq.filter_offset) {
        return dsp::dot2(a, b, x, rq.filter_offset, rq.input_offset);
    }
    (mac::<false>(rq, a, x), mac::<false>(rq, b, x))
}

/// The filter taps `k` whose input `origin + k · dilation` lies in `0..size`, as the
/// inclusive range `(first, last)` (consecutive taps: the positions grow with `k`).
fn taps(origin: isize, filter: usize, dilation: usize, size: usize) -> Option<(usize, usize)> {
    let first = (0..filter).find(|&k| tap(origin, k, dilation, size).is_some())?;
    let last = (0..filter).rfind(|&k| tap(origin, k, dilation, size).is_some())?;
    Some((first, last))
}

pub(super) fn bias_at(bias: Option<&[i32]>, i: usize) -> i32 {
    bias.map_or(0, |b| b[i])
}

/// int8 FULLY_CONNECTED: `out[b][o] = requant(Σ_d w[o][d] · (x[b][d] + input_offset) + bias[o])`.
///
/// ```
/// use nn_core::quant::tflite::{fully_connected, quantize_multiplier, Requant};
/// let (m, s) = quantize_multiplier(0.5);
/// let rq = Requant { input_offset: 0, filter_offset: 0, output_offset: 0,
///                    multipliers: &[m], shifts: &[s], range: (-128, 127) };
/// let mut out = [0i8; 2];
/// fully_connected(&rq, &[1, 2, 3], 3, &[1, 1, 1, -2, 0, 2], Some(&[0, 10]), &mut out).unwrap();
/// assert_eq!(out, [3, 7]); // (6) / 2, (4 + 10) / 2
/// ```
pub fn fully_connected(
    rq: &Requant<'_>,
    input: &[i8],
    depth: usize,
    filter: &[i8],
    bias: Option<&[i32]>,
    output: &mut [i8],
) -> Result<(), Error> {
    fully_connected_with::<DSP>(rq, input, depth, filter, bias, output)
}

/// [`fully_connected`] with the DSP inner loop or the portable one.
pub(super) fn fully_connected_with<const DSP: bool>(
    rq: &Requant<'_>,
    input: &[i8],
    depth: usize,
    filter: &[i8],
    bias: Option<&[i32]>,
    output: &mut [i8],
) -> Result<(), Error> {
    if depth == 0 {
        return Err(Error::LengthMismatch {
            what: "fully-connected inputs",
            expected: 1,
            found: 0,
        });
    }
    let out_depth = filter.len() / depth;
    check_len("fully-connected weights", out_depth * depth, filter.len())?;
    let batches = input.len() / depth;
    check_len("fully-connected inputs", batches * depth, input.len())?;
    check_len("fully-connected outputs", batches * out_depth, output.len())?;
    if let Some(b) = bias {
        check_len("fully-connected biases", out_depth, b.len())?;
    }
    rq.check(out_depth)?;
    if !DSP {
        fully_connected_rows(rq, input, depth, filter, bias, output, out_depth);
        return Ok(());
    }
    for (x, out) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(out_depth.max(1)))
    {
        // Two output rows at a time share the unpacked input.
        let mut rows = filter.chunks_exact(depth);
        let mut o = 0;
        while let Some(w) = rows.next() {
            if let Some(w2) = (o + 1 < out.len()).then(|| rows.next()).flatten() {
                let (a, b) = mac2::<DSP>(rq, w, w2, x);
                out[o] = rq.apply(a.wrapping_add(bias_at(bias, o)), o);
                out[o + 1] = rq.apply(b.wrapping_add(bias_at(bias, o + 1)), o + 1);
                o += 2;
            } else {
                let acc = mac::<DSP>(rq, w, x);
                out[o] = rq.apply(acc.wrapping_add(bias_at(bias, o)), o);
                o += 1;
            }
        }
    }
    Ok(())
}

/// [`fully_connected_with`]'s portable loop on checked lengths: one output row at a time
/// (pairing rows pays only when they share an unpacked input), through `split_at_checked`
/// and `get` instead of indexing and `chunks_exact`, so that it holds no panic: a firmware
/// whose layers all take this path links no panic formatting.
fn fully_connected_rows(
    rq: &Requant<'_>,
    input: &[i8],
    depth: usize,
    filter: &[i8],
    bias: Option<&[i32]>,
    output: &mut [i8],
    out_depth: usize,
) {
    let (mut xs, mut ys) = (input, output);
    while let Some((x, rest)) = xs.split_at_checked(depth) {
        xs = rest;
        let Some((out, more)) = core::mem::take(&mut ys).split_at_mut_checked(out_depth) else {
            return;
        };
        ys = more;
        let mut ws = filter;
        for (o, y) in out.iter_mut().enumerate() {
            let Some((w, rest)) = ws.split_at_checked(depth) else {
                return;
            };
            ws = rest;
            let b = bias.and_then(|b| b.get(o)).copied().unwrap_or(0);
            *y = rq.apply(mac::<false>(rq, w, x).wrapping_add(b), o);
        }
    }
}

fn checked_product(dims: &[usize]) -> Option<usize> {
    dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
}

fn check_shape(what: &'static str, shape: &[usize; 4], len: usize) -> Result<(), Error> {
    let expected = checked_product(shape).ok_or(Error::LengthMismatch {
        what,
        expected: usize::MAX,
        found: len,
    })?;
    check_len(what, expected, len)
}

/// Input row and column of a filter tap, if inside the image.
#[inline]
fn tap(origin: isize, k: usize, dilation: usize, size: usize) -> Option<usize> {
    let v = origin + (k * dilation) as isize;
    (v >= 0 && (v as usize) < size).then_some(v as usize)
}

/// int8 CONV_2D with per-channel requantization (TFLite's `ConvPerChannel`), grouped when
/// the filter's input depth divides the input's.
///
/// ```
/// use nn_core::quant::tflite::{conv_2d, quantize_multiplier, ConvGeometry, Requant};
/// let (m, s) = quantize_multiplier(1.0);
/// let rq = Requant { input_offset: 0, filter_offset: 0, output_offset: 0,
///                    multipliers: &[m], shifts: &[s], range: (-128, 127) };
/// let g = ConvGeometry { stride: (1, 1), dilation: (1, 1), padding: (0, 0) };
/// let x = [1i8, 2, 3, 4]; // [1, 2, 2, 1]
/// let mut y = [0i8; 1];   // [1, 1, 1, 1]
/// conv_2d(&rq, &g, &x, [1, 2, 2, 1], &[1, 1, 1, 1], [1, 2, 2, 1], None, &mut y, [1, 1, 1, 1]).unwrap();
/// assert_eq!(y, [10]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn conv_2d(
    rq: &Requant<'_>,
    geometry: &ConvGeometry,
    input: &[i8],
    input_shape: [usize; 4],
    filter: &[i8],
    filter_shape: [usize; 4],
    bias: Option<&[i32]>,
    output: &mut [i8],
    output_shape: [usize; 4],
) -> Result<(), Error> {
    let (x, y) = ((input, input_shape), (output, output_shape));
    conv_2d_with::<DSP>(rq, geometry, x, (filter, filter_shape), bias, y)
}

/// An input, filter or output slice with its NHWC shape.
pub(super) type Tensor<'a> = (&'a [i8], [usize; 4]);

/// [`conv_2d`] with the DSP inner loop or the portable one.
pub(super) fn conv_2d_with<const DSP: bool>(
    rq: &Requant<'_>,
    geometry: &ConvGeometry,
    (input, input_shape): Tensor<'_>,
    (filter, filter_shape): Tensor<'_>,
    bias: Option<&[i32]>,
    (output, output_shape): (&mut [i8], [usize; 4]),
) -> Result<(), Error> {
    check_shape("conv input values", &input_shape, input.len())?;
    check_shape("conv filter values", &filter_shape, filter.len())?;
    check_shape("conv output values", &output_shape, output.len())?;
    let [batches, in_h, in_w, in_c] = input_shape;
    let [out_c, fh, fw, filter_c] = filter_shape;
    let [_, out_h, out_w, _] = output_shape;
    check_len("conv output batches", batches, output_shape[0])?;
    check_len("conv output channels", out_c, output_shape[3])?;
    if filter_c == 0 || in_c % filter_c != 0 || out_c % (in_c / filter_c).max(1) != 0 {
        return Err(Error::LengthMismatch {
            what: "conv filter input channels",
            expected: in_c,
            found: filter_c,
        });
    }
    if let Some(b) = bias {
        check_len("conv biases", out_c, b.len())?;
    }
    rq.check(out_c)?;
    let groups = (in_c / filter_c).max(1);
    if DSP && im2col::usable(rq, filter_shape, groups) {
        let (x, f) = ((input, input_shape), (filter, filter_shape));
        im2col::conv_2d_patches(rq, geometry, x, f, bias, (output, output_shape));
        return Ok(());
    }
    let per_group = out_c / groups;
    let (sh, sw) = geometry.stride;
    let (dh, dw) = geometry.dilation;
    let (ph, pw) = geometry.padding;
    for b in 0..batches {
        for oy in 0..out_h {
            let y0 = (oy * sh) as isize - ph as isize;
            for ox in 0..out_w {
                let x0 = (ox * sw) as isize - pw as isize;
                // The filter taps inside the image: rows `ky` with `iy` in bounds, and the
                // columns `kx_lo..=kx_hi`, whose inputs are consecutive when undilated.
                let (Some((ky_lo, ky_hi)), Some((kx_lo, kx_hi))) =
                    (taps(y0, fh, dh, in_h), taps(x0, fw, dw, in_w))
                else {
                    for oc in 0..out_c {
                        output[((b * out_h + oy) * out_w + ox) * out_c + oc] =
                            rq.apply(bias_at(bias, oc), oc);
                    }
                    continue;
                };
                let mut oc = 0;
                while oc < out_c {
                    // Ungrouped and undilated, two output channels at a time share the
                    // input row spans.
                    let span = groups == 1 && dw == 1;
                    let two = span && oc + 1 < out_c;
                    let group = oc / per_group.max(1);
                    let (mut acc, mut acc2) = (0i32, 0i32);
                    for ky in ky_lo..=ky_hi {
                        let iy = (y0 + (ky * dh) as isize) as usize;
                        let row = (b * in_h + iy) * in_w;
                        let wrow = (oc * fh + ky) * fw;
                        if span {
                            let ix = (x0 + kx_lo as isize) as usize;
                            let len = (kx_hi + 1 - kx_lo) * in_c;
                            let xi = (row + ix) * in_c;
                            let wi = (wrow + kx_lo) * filter_c;
                            let x = &input[xi..xi + len];
                            let w = &filter[wi..wi + len];
                            if two {
                                let wi2 = wi + fh * fw * filter_c;
                                let (p, q) = mac2::<DSP>(rq, w, &filter[wi2..wi2 + len], x);
                                acc = acc.wrapping_add(p);
                                acc2 = acc2.wrapping_add(q);
                            } else {
                                acc = acc.wrapping_add(mac::<DSP>(rq, w, x));
                            }
                            continue;
                        }
                        for kx in kx_lo..=kx_hi {
                            let ix = (x0 + (kx * dw) as isize) as usize;
                            let xi = (row + ix) * in_c + group * filter_c;
                            let wi = (wrow + kx) * filter_c;
                            acc = acc.wrapping_add(mac::<DSP>(
                                rq,
                                &filter[wi..wi + filter_c],
                                &input[xi..xi + filter_c],
                            ));
                        }
                    }
                    let at = ((b * out_h + oy) * out_w + ox) * out_c + oc;
                    output[at] = rq.apply(acc.wrapping_add(bias_at(bias, oc)), oc);
                    if two {
                        output[at + 1] = rq.apply(acc2.wrapping_add(bias_at(bias, oc + 1)), oc + 1);
                    }
                    oc += 1 + usize::from(two);
                }
            }
        }
    }
    Ok(())
}

/// int8 DEPTHWISE_CONV_2D with per-channel requantization (TFLite's
/// `DepthwiseConvPerChannel`): output channel `c · depth_multiplier + m` filters input
/// channel `c` alone.
///
/// ```
/// use nn_core::quant::tflite::{depthwise_conv_2d, quantize_multiplier, ConvGeometry, Requant};
/// let (m, s) = quantize_multiplier(1.0);
/// let rq = Requant { input_offset: 0, filter_offset: 0, output_offset: 0,
///                    multipliers: &[m], shifts: &[s], range: (-128, 127) };
/// let g = ConvGeometry { stride: (1, 1), dilation: (1, 1), padding: (0, 0) };
/// // one pixel, two channels, depth multiplier 2: four outputs
/// let mut y = [0i8; 4];
/// depthwise_conv_2d(&rq, &g, 2, &[3, 5], [1, 1, 1, 2], &[1, 2, 3, 4], [1, 1, 1, 4], None, &mut y, [1, 1, 1, 4]).unwrap();
/// assert_eq!(y, [3, 6, 15, 20]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_2d(
    rq: &Requant<'_>,
    geometry: &ConvGeometry,
    depth_multiplier: usize,
    input: &[i8],
    input_shape: [usize; 4],
    filter: &[i8],
    filter_shape: [usize; 4],
    bias: Option<&[i32]>,
    output: &mut [i8],
    output_shape: [usize; 4],
) -> Result<(), Error> {
    let (x, y) = ((input, input_shape), (output, output_shape));
    let f = (filter, filter_shape);
    depthwise_conv_2d_with::<DSP>(rq, geometry, depth_multiplier, x, f, bias, y)
}

/// [`depthwise_conv_2d`] with the DSP inner loop (four channels at a time when the depth
/// multiplier is 1) or the portable one.
pub(super) fn depthwise_conv_2d_with<const DSP: bool>(
    rq: &Requant<'_>,
    geometry: &ConvGeometry,
    depth_multiplier: usize,
    (input, input_shape): Tensor<'_>,
    (filter, filter_shape): Tensor<'_>,
    bias: Option<&[i32]>,
    (output, output_shape): (&mut [i8], [usize; 4]),
) -> Result<(), Error> {
    check_shape("depthwise input values", &input_shape, input.len())?;
    check_shape("depthwise filter values", &filter_shape, filter.len())?;
    check_shape("depthwise output values", &output_shape, output.len())?;
    let [batches, in_h, in_w, in_c] = input_shape;
    let [_, fh, fw, out_c] = filter_shape;
    let [_, out_h, out_w, _] = output_shape;
    check_len("depthwise output batches", batches, output_shape[0])?;
    check_len("depthwise output channels", out_c, output_shape[3])?;
    check_len("depthwise filter channels", in_c * depth_multiplier, out_c)?;
    if let Some(b) = bias {
        check_len("depthwise biases", out_c, b.len())?;
    }
    rq.check(out_c)?;
    let (sh, sw) = geometry.stride;
    let (dh, dw) = geometry.dilation;
    let (ph, pw) = geometry.padding;
    for b in 0..batches {
        for oy in 0..out_h {
            let y0 = (oy * sh) as isize - ph as isize;
            for ox in 0..out_w {
                let x0 = (ox * sw) as isize - pw as isize;
                let pixel = ((b * out_h + oy) * out_w + ox) * out_c;
                // Four output channels at a time through the DSP: four input channels
                // (depth multiplier 1) or four multiples of one input channel (a multiplier
                // divisible by 4); the input channels `first..` one output at a time.
                let dsp_ok = DSP && dsp::usable(rq.input_offset, rq.filter_offset);
                let first = match depth_multiplier {
                    1 if dsp_ok => in_c - in_c % 4,
                    m if dsp_ok && m % 4 == 0 => in_c,
                    _ => 0,
                };
                let (ky_r, kx_r) = (taps(y0, fh, dh, in_h), taps(x0, fw, dw, in_w));
                let ((ky_lo, ky_hi), (kx_lo, kx_hi)) = ky_r.zip(kx_r).unwrap_or(((1, 0), (1, 0)));
                let (fo, io) = (rq.filter_offset, rq.input_offset);
                let mut store = |c: usize, acc: [i32; 4]| {
                    for (k, &a) in acc.iter().enumerate() {
                        output[pixel + c + k] =
                            rq.apply(a.wrapping_add(bias_at(bias, c + k)), c + k);
                    }
                };
                if depth_multiplier == 1 {
                    for c in (0..first).step_by(4) {
                        let mut acc = [0i32; 4];
                        for ky in ky_lo..=ky_hi {
                            let xrow = (b * in_h + (y0 + (ky * dh) as isize) as usize) * in_w;
                            for kx in kx_lo..=kx_hi {
                                let xi = (xrow + (x0 + (kx * dw) as isize) as usize) * in_c + c;
                                let wi = (ky * fw + kx) * out_c + c;
                                let (w, x) = (&filter[wi..wi + 4], &input[xi..xi + 4]);
                                dsp::mac4(&mut acc, w, x, fo, io);
                            }
                        }
                        store(c, acc);
                    }
                } else {
                    for c in (0..first * depth_multiplier).step_by(4) {
                        let ic = c / depth_multiplier;
                        let mut acc = [0i32; 4];
                        // The taps in bounds along a row: `taps` of them from column `ix0`.
                        let taps = (kx_hi + 1).saturating_sub(kx_lo);
                        let ix0 = (x0 + (kx_lo * dw) as isize).max(0) as usize;
                        for ky in ky_lo..=ky_hi {
                            let xrow = (b * in_h + (y0 + (ky * dh) as isize) as usize) * in_w;
                            let xs = &input[(xrow + ix0) * in_c + ic..];
                            let ws = &filter[(ky * fw + kx_lo) * out_c + c..];
                            let row = xs.iter().step_by(dw * in_c).zip(ws.chunks(out_c));
                            for (&x, w) in row.take(taps) {
                                dsp::mac4_one(&mut acc, w, x, fo, io);
                            }
                        }
                        store(c, acc);
                    }
                }
                for ic in first..in_c {
                    for m in 0..depth_multiplier {
                        let oc = ic * depth_multiplier + m;
                        let mut acc = 0i32;
                        for ky in 0..fh {
                            let Some(iy) = tap(y0, ky, dh, in_h) else {
                                continue;
                            };
                            for kx in 0..fw {
                                let Some(ix) = tap(x0, kx, dw, in_w) else {
                                    continue;
                                };
                                let xv =
                                    i32::from(input[((b * in_h + iy) * in_w + ix) * in_c + ic]);
                                let wv = i32::from(filter[(ky * fw + kx) * out_c + oc])
                                    + rq.filter_offset;
                                acc = acc.wrapping_add(wv.wrapping_mul(xv + rq.input_offset));
                            }
                        }
                        output[((b * out_h + oy) * out_w + ox) * out_c + oc] =
                            rq.apply(acc.wrapping_add(bias_at(bias, oc)), oc);
                    }
                }
            }
        }
    }
    Ok(())
}
