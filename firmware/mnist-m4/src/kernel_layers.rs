//! Layers shaped like those of TFLM's micro_speech and person_detect (MobileNet v1 0.25 at
//! 96x96) with pseudo-random int8 data and per-channel requantization, for the
//! `tflite_kernels` measurement binary and its host test (`tests/firmware.rs` includes this
//! file): the same layer through `nn_core::quant::tflite`'s kernels (SXTB16/SMLAD loops
//! under `arm-dsp`) and through `quant::tflite::reference`, whose outputs must be the same bits.

use nn_core::quant::tflite::{
    conv_2d, depthwise_conv_2d, fully_connected, quantize_multiplier, reference, ConvGeometry,
    Requant,
};

/// What a layer computes.
#[derive(Clone, Copy)]
pub enum Op {
    /// FULLY_CONNECTED over `input[1..]`-sized rows.
    Dense,
    /// CONV_2D.
    Conv,
    /// DEPTHWISE_CONV_2D with this depth multiplier.
    Depthwise(usize),
}

/// One layer: its name, operator, NHWC shapes, geometry and input offset.
pub struct Layer {
    pub name: &'static str,
    pub op: Op,
    pub input: [usize; 4],
    pub filter: [usize; 4],
    pub output: [usize; 4],
    pub stride: usize,
    pub padding: (usize, usize),
    pub input_offset: i32,
}

impl Layer {
    pub const fn len(shape: [usize; 4]) -> usize {
        shape[0] * shape[1] * shape[2] * shape[3]
    }

    fn channels(&self) -> usize {
        self.output[3]
    }
}

const fn layer(
    name: &'static str,
    op: Op,
    shapes: [[usize; 4]; 3],
    stride: usize,
    padding: (usize, usize),
    input_offset: i32,
) -> Layer {
    Layer {
        name,
        op,
        input: shapes[0],
        filter: shapes[1],
        output: shapes[2],
        stride,
        padding,
        input_offset,
    }
}

/// micro_speech's two weighted layers, then person_detect's 28 (MobileNet v1 0.25 at 96x96:
/// a depthwise first layer with depth multiplier 8, 13 depthwise-separable pairs, the 1x1
/// classifier), in the models' order, with their shapes, strides, SAME padding and input
/// offsets; the parameters are random, so the outputs are no model's, only the work is.
#[rustfmt::skip]
pub const LAYERS: [Layer; 30] = [
    layer("speech_depthwise_10x8_x8", Op::Depthwise(8), [[1, 49, 40, 1], [1, 10, 8, 8], [1, 25, 20, 8]], 2, (4, 3), 128),
    layer("speech_dense_4000_4", Op::Dense, [[1, 1, 1, 4000], [4, 1, 1, 4000], [1, 1, 1, 4]], 1, (0, 0), 128),
    layer("person_00_depthwise_3x3_s2_x8", Op::Depthwise(8), [[1, 96, 96, 1], [1, 3, 3, 8], [1, 48, 48, 8]], 2, (0, 0), 1),
    layer("person_01_depthwise_3x3_s1_8", Op::Depthwise(1), [[1, 48, 48, 8], [1, 3, 3, 8], [1, 48, 48, 8]], 1, (1, 1), 128),
    layer("person_02_pointwise_8_16", Op::Conv, [[1, 48, 48, 8], [16, 1, 1, 8], [1, 48, 48, 16]], 1, (0, 0), 128),
    layer("person_03_depthwise_3x3_s2_16", Op::Depthwise(1), [[1, 48, 48, 16], [1, 3, 3, 16], [1, 24, 24, 16]], 2, (0, 0), 128),
    layer("person_04_pointwise_16_32", Op::Conv, [[1, 24, 24, 16], [32, 1, 1, 16], [1, 24, 24, 32]], 1, (0, 0), 128),
    layer("person_05_depthwise_3x3_s1_32", Op::Depthwise(1), [[1, 24, 24, 32], [1, 3, 3, 32], [1, 24, 24, 32]], 1, (1, 1), 128),
    layer("person_06_pointwise_32_32", Op::Conv, [[1, 24, 24, 32], [32, 1, 1, 32], [1, 24, 24, 32]], 1, (0, 0), 128),
    layer("person_07_depthwise_3x3_s2_32", Op::Depthwise(1), [[1, 24, 24, 32], [1, 3, 3, 32], [1, 12, 12, 32]], 2, (0, 0), 128),
    layer("person_08_pointwise_32_64", Op::Conv, [[1, 12, 12, 32], [64, 1, 1, 32], [1, 12, 12, 64]], 1, (0, 0), 128),
    layer("person_09_depthwise_3x3_s1_64", Op::Depthwise(1), [[1, 12, 12, 64], [1, 3, 3, 64], [1, 12, 12, 64]], 1, (1, 1), 128),
    layer("person_10_pointwise_64_64", Op::Conv, [[1, 12, 12, 64], [64, 1, 1, 64], [1, 12, 12, 64]], 1, (0, 0), 128),
    layer("person_11_depthwise_3x3_s2_64", Op::Depthwise(1), [[1, 12, 12, 64], [1, 3, 3, 64], [1, 6, 6, 64]], 2, (0, 0), 128),
    layer("person_12_pointwise_64_128", Op::Conv, [[1, 6, 6, 64], [128, 1, 1, 64], [1, 6, 6, 128]], 1, (0, 0), 128),
    layer("person_13_depthwise_3x3_s1_128", Op::Depthwise(1), [[1, 6, 6, 128], [1, 3, 3, 128], [1, 6, 6, 128]], 1, (1, 1), 128),
    layer("person_14_pointwise_128_128", Op::Conv, [[1, 6, 6, 128], [128, 1, 1, 128], [1, 6, 6, 128]], 1, (0, 0), 128),
    layer("person_15_depthwise_3x3_s1_128", Op::Depthwise(1), [[1, 6, 6, 128], [1, 3, 3, 128], [1, 6, 6, 128]], 1, (1, 1), 128),
    layer("person_16_pointwise_128_128", Op::Conv, [[1, 6, 6, 128], [128, 1, 1, 128], [1, 6, 6, 128]], 1, (0, 0), 128),
    layer("person_17_depthwise_3x3_s1_128", Op::Depthwise(1), [[1, 6, 6, 128], [1, 3, 3, 128], [1, 6, 6, 128]], 1, (1, 1), 128),
    layer("person_18_pointwise_128_128", Op::Conv, [[1, 6, 6, 128], [128, 1, 1, 128], [1, 6, 6, 128]], 1, (0, 0), 128),
    layer("person_19_depthwise_3x3_s1_128", Op::Depthwise(1), [[1, 6, 6, 128], [1, 3, 3, 128], [1, 6, 6, 128]], 1, (1, 1), 128),
    layer("person_20_pointwise_128_128", Op::Conv, [[1, 6, 6, 128], [128, 1, 1, 128], [1, 6, 6, 128]], 1, (0, 0), 128),
    layer("person_21_depthwise_3x3_s1_128", Op::Depthwise(1), [[1, 6, 6, 128], [1, 3, 3, 128], [1, 6, 6, 128]], 1, (1, 1), 128),
    layer("person_22_pointwise_128_128", Op::Conv, [[1, 6, 6, 128], [128, 1, 1, 128], [1, 6, 6, 128]], 1, (0, 0), 128),
    layer("person_23_depthwise_3x3_s2_128", Op::Depthwise(1), [[1, 6, 6, 128], [1, 3, 3, 128], [1, 3, 3, 128]], 2, (0, 0), 128),
    layer("person_24_pointwise_128_256", Op::Conv, [[1, 3, 3, 128], [256, 1, 1, 128], [1, 3, 3, 256]], 1, (0, 0), 128),
    layer("person_25_depthwise_3x3_s1_256", Op::Depthwise(1), [[1, 3, 3, 256], [1, 3, 3, 256], [1, 3, 3, 256]], 1, (1, 1), 128),
    layer("person_26_pointwise_256_256", Op::Conv, [[1, 3, 3, 256], [256, 1, 1, 256], [1, 3, 3, 256]], 1, (0, 0), 128),
    layer("person_28_conv_1x1_256_2", Op::Conv, [[1, 1, 1, 256], [2, 1, 1, 256], [1, 1, 1, 2]], 1, (0, 0), 128),
];

/// The largest input, filter and output of [`LAYERS`].
pub const MAX_INPUT: usize = 48 * 48 * 16;
pub const MAX_FILTER: usize = 256 * 256;
pub const MAX_OUTPUT: usize = 48 * 48 * 16;
pub const MAX_CHANNELS: usize = 256;

/// xorshift32: the same numbers on the host and the board.
pub struct Rng(pub u32);

impl Rng {
    pub fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }

    pub fn fill(&mut self, v: &mut [i8]) {
        v.iter_mut().for_each(|v| *v = self.next() as i8);
    }
}

/// A layer's parameters: filter, bias and per-channel requantization.
pub struct Params {
    pub filter: [i8; MAX_FILTER],
    pub bias: [i32; MAX_CHANNELS],
    pub multipliers: [i32; MAX_CHANNELS],
    pub shifts: [i32; MAX_CHANNELS],
}

impl Params {
    /// Random parameters for `layer`, with scales that keep outputs mostly off the clamp.
    pub fn new(layer: &Layer, rng: &mut Rng) -> Self {
        let mut p = Self {
            filter: [0; MAX_FILTER],
            bias: [0; MAX_CHANNELS],
            multipliers: [0; MAX_CHANNELS],
            shifts: [0; MAX_CHANNELS],
        };
        rng.fill(&mut p.filter[..Layer::len(layer.filter)]);
        // Products per output: depth for dense and conv, the filter's taps for depthwise;
        // a random sum of that many grows with its square root.
        let fan_in = Layer::len(layer.filter) / layer.channels();
        let root = (1..).find(|r| r * r >= fan_in).unwrap_or(1);
        for c in 0..layer.channels() {
            p.bias[c] = (rng.next() % 4096) as i32 - 2048;
            let scale = (1.0 + (rng.next() % 1000) as f64 / 1000.0) / (root as f64 * 300.0);
            (p.multipliers[c], p.shifts[c]) = quantize_multiplier(scale);
        }
        p
    }
}

/// Runs `layer` on `input` into `output`, through the reference kernels or the public ones.
pub fn run(layer: &Layer, p: &Params, input: &[i8], output: &mut [i8], use_reference: bool) {
    let n = layer.channels();
    let rq = Requant {
        input_offset: layer.input_offset,
        filter_offset: 0,
        output_offset: 0,
        multipliers: &p.multipliers[..n],
        shifts: &p.shifts[..n],
        range: (-128, 127),
    };
    let g = ConvGeometry {
        stride: (layer.stride, layer.stride),
        dilation: (1, 1),
        padding: layer.padding,
    };
    let (x, f, b) = (
        &input[..Layer::len(layer.input)],
        &p.filter[..Layer::len(layer.filter)],
        Some(&p.bias[..n]),
    );
    let y = &mut output[..Layer::len(layer.output)];
    let (xs, fs, ys) = (layer.input, layer.filter, layer.output);
    let r = match (layer.op, use_reference) {
        (Op::Dense, false) => fully_connected(&rq, x, xs[3], f, b, y),
        (Op::Dense, true) => reference::fully_connected(&rq, x, xs[3], f, b, y),
        (Op::Conv, false) => conv_2d(&rq, &g, x, xs, f, fs, b, y, ys),
        (Op::Conv, true) => reference::conv_2d(&rq, &g, x, xs, f, fs, b, y, ys),
        (Op::Depthwise(m), false) => depthwise_conv_2d(&rq, &g, m, x, xs, f, fs, b, y, ys),
        (Op::Depthwise(m), true) => {
            reference::depthwise_conv_2d(&rq, &g, m, x, xs, f, fs, b, y, ys)
        }
    };
    if r.is_err() {
        panic!("layer {}: shapes rejected", layer.name);
    }
}

/// FNV-1a (64-bit) of the output bytes.
pub fn fnv1a64(v: &[i8]) -> u64 {
    v.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b as u8)).wrapping_mul(0x0100_0000_01b3)
    })
}
