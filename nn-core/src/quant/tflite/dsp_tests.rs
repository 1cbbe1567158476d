//! The DSP inner loops ([`super::dsp`], here through the portable model of `SXTB16`,
//! `SADD16`, `SMLAD`, `SMLABB` and `SMLATT`) against the portable kernels, bit for bit, on
//! random shapes, offsets, strides, dilations, paddings and per-channel requantizations.

use super::conv::{conv_2d_with, depthwise_conv_2d_with, fully_connected_with, Requant};
use super::{quantize_multiplier, ConvGeometry};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::{vec, vec::Vec};

fn bytes(rng: &mut StdRng, n: usize) -> Vec<i8> {
    (0..n).map(|_| rng.random::<i8>()).collect()
}

/// Per-channel multipliers and shifts that keep most outputs away from the clamp, and
/// random offsets (TFLite's range, with the extremes more often than by chance).
struct Layer {
    m: Vec<i32>,
    s: Vec<i32>,
    input_offset: i32,
    filter_offset: i32,
    output_offset: i32,
    bias: Vec<i32>,
}

impl Layer {
    fn new(rng: &mut StdRng, channels: usize, fan_in: usize) -> Self {
        let (m, s) = (0..channels)
            .map(|_| quantize_multiplier(rng.random_range(0.2..2.0) / (fan_in as f64 * 64.0)))
            .unzip();
        let pick = |rng: &mut StdRng| match rng.random_range(0..4) {
            0 => 128,
            1 => -127,
            _ => rng.random_range(-127..=128),
        };
        let input_offset = pick(rng);
        // TFLite's int8 weights are symmetric; a nonzero filter offset is tested too.
        let filter_offset = if rng.random_bool(0.7) { 0 } else { pick(rng) };
        Self {
            m,
            s,
            input_offset,
            filter_offset,
            output_offset: rng.random_range(-128..=127),
            bias: (0..channels)
                .map(|_| rng.random_range(-5000..5000))
                .collect(),
        }
    }

    fn rq(&self) -> Requant<'_> {
        Requant {
            input_offset: self.input_offset,
            filter_offset: self.filter_offset,
            output_offset: self.output_offset,
            multipliers: &self.m,
            shifts: &self.s,
            range: (-128, 127),
        }
    }
}

#[test]
fn fully_connected_through_the_dsp_equals_the_portable_kernel() {
    let mut rng = StdRng::seed_from_u64(14);
    for case in 0..200 {
        let (batches, depth, out) = (
            rng.random_range(1..4),
            rng.random_range(1..70),
            rng.random_range(1..12),
        );
        let l = Layer::new(&mut rng, out, depth);
        let (x, w) = (
            bytes(&mut rng, batches * depth),
            bytes(&mut rng, out * depth),
        );
        let bias = rng.random_bool(0.8).then_some(&l.bias[..]);
        let (mut a, mut b) = (vec![0i8; batches * out], vec![0i8; batches * out]);
        fully_connected_with::<true>(&l.rq(), &x, depth, &w, bias, &mut a).unwrap();
        fully_connected_with::<false>(&l.rq(), &x, depth, &w, bias, &mut b).unwrap();
        assert_eq!(a, b, "case {case}: {batches}x{depth} -> {out}");
    }
}

fn geometry(rng: &mut StdRng, fh: usize, fw: usize) -> ConvGeometry {
    ConvGeometry {
        stride: (rng.random_range(1..3), rng.random_range(1..3)),
        dilation: if rng.random_bool(0.8) {
            (1, 1)
        } else {
            (rng.random_range(1..3), rng.random_range(1..3))
        },
        padding: (rng.random_range(0..fh), rng.random_range(0..fw)),
    }
}

fn out_size(input: usize, filter: usize, g: (usize, usize, usize)) -> usize {
    let (stride, dilation, pad) = g;
    let effective = (filter - 1) * dilation + 1;
    (input + 2 * pad).saturating_sub(effective) / stride + 1
}

/// Filters up to 4x4x9 (144 bytes) take both DSP routes: the im2col patches of
/// `super::im2col` (ungrouped, more than one tap, at most 128 bytes) and the span loop.
#[test]
fn conv_2d_through_the_dsp_equals_the_portable_kernel() {
    let mut rng = StdRng::seed_from_u64(15);
    for case in 0..150 {
        let (n, h, w) = (
            rng.random_range(1..3),
            rng.random_range(1..9),
            rng.random_range(1..9),
        );
        let groups = if rng.random_bool(0.8) { 1 } else { 2 };
        let filter_c = rng.random_range(1..10);
        let in_c = filter_c * groups;
        let out_c = groups * rng.random_range(1..5);
        let (fh, fw) = (rng.random_range(1..5), rng.random_range(1..5));
        let g = geometry(&mut rng, fh, fw);
        let oh = out_size(h, fh, (g.stride.0, g.dilation.0, g.padding.0));
        let ow = out_size(w, fw, (g.stride.1, g.dilation.1, g.padding.1));
        let l = Layer::new(&mut rng, out_c, fh * fw * filter_c);
        let x = bytes(&mut rng, n * h * w * in_c);
        let f = bytes(&mut rng, out_c * fh * fw * filter_c);
        let shapes = (
            [n, h, w, in_c],
            [out_c, fh, fw, filter_c],
            [n, oh, ow, out_c],
        );
        let bias = rng.random_bool(0.8).then_some(&l.bias[..]);
        let run = |dsp: bool| {
            let mut y = vec![0i8; n * oh * ow * out_c];
            let (x, f) = ((&x[..], shapes.0), (&f[..], shapes.1));
            let r = if dsp {
                conv_2d_with::<true>(&l.rq(), &g, x, f, bias, (&mut y, shapes.2))
            } else {
                conv_2d_with::<false>(&l.rq(), &g, x, f, bias, (&mut y, shapes.2))
            };
            r.unwrap();
            y
        };
        assert_eq!(run(true), run(false), "case {case}: {shapes:?} {g:?}");
    }
}

#[test]
fn depthwise_conv_2d_through_the_dsp_equals_the_portable_kernel() {
    let mut rng = StdRng::seed_from_u64(16);
    for case in 0..150 {
        let (n, h, w) = (
            rng.random_range(1..3),
            rng.random_range(1..9),
            rng.random_range(1..9),
        );
        let in_c = rng.random_range(1..19);
        let mult = [1, 1, 1, 2, 4, 8][rng.random_range(0..6)];
        let out_c = in_c * mult;
        let (fh, fw) = (rng.random_range(1..4), rng.random_range(1..4));
        let g = geometry(&mut rng, fh, fw);
        let oh = out_size(h, fh, (g.stride.0, g.dilation.0, g.padding.0));
        let ow = out_size(w, fw, (g.stride.1, g.dilation.1, g.padding.1));
        let l = Layer::new(&mut rng, out_c, fh * fw);
        let x = bytes(&mut rng, n * h * w * in_c);
        let f = bytes(&mut rng, fh * fw * out_c);
        let shapes = ([n, h, w, in_c], [1, fh, fw, out_c], [n, oh, ow, out_c]);
        let bias = rng.random_bool(0.8).then_some(&l.bias[..]);
        let run = |dsp: bool| {
            let mut y = vec![0i8; n * oh * ow * out_c];
            let (x, f) = ((&x[..], shapes.0), (&f[..], shapes.1));
            let r = if dsp {
                depthwise_conv_2d_with::<true>(&l.rq(), &g, mult, x, f, bias, (&mut y, shapes.2))
            } else {
                depthwise_conv_2d_with::<false>(&l.rq(), &g, mult, x, f, bias, (&mut y, shapes.2))
            };
            r.unwrap();
            y
        };
        assert_eq!(run(true), run(false), "case {case}: {shapes:?} {g:?}");
    }
}
