//! CONV_2D through the DSP loops one output pixel at a time, CMSIS-NN's way
//! (`arm_convolve_s8`): the pixel's receptive field is gathered once into a patch of
//! `K = fh · fw · c` bytes in the filter's own order `(ky, kx, c)`, then every output channel
//! is one [`dsp::dot2`] of `K` values (two channels per pass against the same patch):
//!
//! `acc[oc] = Σ_k (w[oc][k] + filter_offset)(patch[k] + input_offset)`.
//!
//! Taps outside the image are filled with `-input_offset` (the input's zero point), whose
//! term `(w + f)(-o + o)` is exactly 0: the sum is the portable kernel's, which skips those
//! taps, bit for bit (wrapping `i32` sums). This pays where `conv_2d`'s span loop has short
//! spans: a first layer with one input channel makes spans of `fw` values, too short for
//! `SMLAD` and paying a call per filter row; here it is one dot product of `K` values.
//!
//! Shapes: input `[n, h, w, c]`, filter `[out_c, fh, fw, c]` (ungrouped), output
//! `[n, oh, ow, out_c]`, NHWC as [`super::conv_2d`]; the patch lives on the stack
//! ([`PATCH_MAX`] bytes).

use super::conv::{bias_at, ConvGeometry, Requant, Tensor};
use super::dsp;

/// The largest patch gathered (stack bytes); larger receptive fields take the span loop.
pub(super) const PATCH_MAX: usize = 128;

/// Whether [`conv_2d_patches`] applies: an ungrouped filter of more than one tap whose
/// patch fits, offsets the DSP loops take, and a zero point that is an `i8`.
pub(super) fn usable(rq: &Requant<'_>, filter: [usize; 4], groups: usize) -> bool {
    let [_, fh, fw, filter_c] = filter;
    let k = fh.saturating_mul(fw).saturating_mul(filter_c);
    groups == 1
        && fh * fw > 1
        && k <= PATCH_MAX
        && dsp::usable(rq.input_offset, rq.filter_offset)
        && i8::try_from(-rq.input_offset).is_ok()
}

/// The convolution over checked shapes ([`usable`] holds): gathers each output pixel's patch
/// and takes two output channels per [`dsp::dot2`]. Kept out of line: the other kernels'
/// inlining stays as it was without this path.
#[inline(never)]
pub(super) fn conv_2d_patches(
    rq: &Requant<'_>,
    geometry: &ConvGeometry,
    (input, input_shape): Tensor<'_>,
    (filter, filter_shape): Tensor<'_>,
    bias: Option<&[i32]>,
    (output, output_shape): (&mut [i8], [usize; 4]),
) {
    let [batches, in_h, in_w, in_c] = input_shape;
    let [out_c, fh, fw, _] = filter_shape;
    let [_, out_h, out_w, _] = output_shape;
    let k = fh * fw * in_c;
    let pad = i8::try_from(-rq.input_offset).unwrap_or(0);
    let (fo, io) = (rq.filter_offset, rq.input_offset);
    let (sh, sw) = geometry.stride;
    let (dh, dw) = geometry.dilation;
    let (ph, pw) = geometry.padding;
    let mut buffer = [0i8; PATCH_MAX];
    let patch = &mut buffer[..k];
    let mut pixels = output.chunks_exact_mut(out_c);
    for b in 0..batches {
        for oy in 0..out_h {
            for ox in 0..out_w {
                let Some(out) = pixels.next() else { return };
                // Gather: one `in_c`-byte run per tap (the pad value outside the image).
                let (y0, x0) = (
                    (oy * sh) as isize - ph as isize,
                    (ox * sw) as isize - pw as isize,
                );
                for (t, run) in patch.chunks_exact_mut(in_c).enumerate() {
                    let (iy, ix) = (y0 + ((t / fw) * dh) as isize, x0 + ((t % fw) * dw) as isize);
                    if iy < 0 || ix < 0 || iy as usize >= in_h || ix as usize >= in_w {
                        run.fill(pad);
                    } else {
                        let at = ((b * in_h + iy as usize) * in_w + ix as usize) * in_c;
                        match run {
                            // a first layer's single channel: no copy call per byte
                            [v] => *v = input[at],
                            _ => run.copy_from_slice(&input[at..at + in_c]),
                        }
                    }
                }
                let patch = &*patch;
                let mut rows = filter.chunks_exact(k).enumerate();
                while let Some((oc, w)) = rows.next() {
                    if let Some((_, w2)) = rows.next() {
                        let (a, c) = dsp::dot2(w, w2, patch, fo, io);
                        out[oc] = rq.apply(a.wrapping_add(bias_at(bias, oc)), oc);
                        out[oc + 1] = rq.apply(c.wrapping_add(bias_at(bias, oc + 1)), oc + 1);
                    } else {
                        let a = dsp::dot(w, patch, fo, io);
                        out[oc] = rq.apply(a.wrapping_add(bias_at(bias, oc)), oc);
                    }
                }
            }
        }
    }
}
