//! Writes small `.tflite` models, one or a few operators each, that exercise what the three
//! TinyML models do not: MAX_POOL_2D, SAME average pooling with partial windows, ADD,
//! QUANTIZE (from float and int8 to int8), DEQUANTIZE, RELU6 and RELU_N1_TO_1 clamps, VALID,
//! dilated and grouped convolutions, a per-tensor filter scale, a depth multiplier of 2,
//! batched per-channel FULLY_CONNECTED, SOFTMAX with β ≠ 1, every float32 kernel
//! (`float_chain`), float32 input and output (`ops_float_io/mixed_io`) and an ADD of two
//! activations (`residual_add`), one in the middle of a network (`residual_mid`) and
//! broadcasting ADDs, int8 and float32 (`add_broadcast`). Weights, biases and scales come from a fixed seed, so the files are the
//! same on every run.
//!
//! ```text
//! cargo run -p nn-import --example op_models            # writes models/ops/*.tflite
//! ```
//!
//! `tools/tflm_fixtures.py` then runs TFLM on them, and `nn-import/tests/bitexact.rs` checks
//! our interpreter against it.

use nn_import::schema::tflite as fb;
use nn_import::TfliteBuilder;
use std::path::PathBuf;

#[path = "op_models/residual_mid.rs"]
mod residual_mid;

/// splitmix64: the same deterministic stream on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn i8(&mut self) -> i8 {
        (self.next() >> 56) as u8 as i8
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// A model under construction ([`TfliteBuilder`]), with seeded weights and biases.
struct Graph(TfliteBuilder);

impl Graph {
    fn new() -> Self {
        Graph(TfliteBuilder::new())
    }

    fn tensor(
        &mut self,
        name: &str,
        shape: &[i32],
        ty: fb::TensorType,
        scales: Vec<f32>,
        zero_points: Vec<i64>,
        data: Option<Vec<u8>>,
    ) -> i32 {
        self.0.tensor(name, shape, ty, scales, zero_points, 0, data)
    }

    fn act(&mut self, name: &str, shape: &[i32], scale: f32, zero_point: i64) -> i32 {
        self.tensor(
            name,
            shape,
            fb::TensorType::Int8,
            vec![scale],
            vec![zero_point],
            None,
        )
    }

    /// Symmetric int8 weights, per-channel along `axis` when `scales` has several values.
    fn weights(
        &mut self,
        rng: &mut Rng,
        name: &str,
        shape: &[i32],
        scales: Vec<f32>,
        axis: i32,
    ) -> i32 {
        let n: i32 = shape.iter().product();
        let data = (0..n).map(|_| rng.i8().max(-127) as u8).collect();
        let zeros = vec![0; scales.len()];
        let ty = fb::TensorType::Int8;
        self.0
            .tensor(name, shape, ty, scales, zeros, axis, Some(data))
    }

    fn bias(&mut self, rng: &mut Rng, name: &str, n: usize, scales: Vec<f32>) -> i32 {
        let data = (0..n)
            .flat_map(|_| (rng.range(-3000, 3000) as i32).to_le_bytes())
            .collect();
        let zeros = vec![0; scales.len()];
        self.tensor(
            name,
            &[n as i32],
            fb::TensorType::Int32,
            scales,
            zeros,
            Some(data),
        )
    }

    fn op(
        &mut self,
        code: fb::BuiltinOperator,
        inputs: &[i32],
        output: i32,
        options: Option<fb::BuiltinOptions>,
    ) {
        self.0.op(code, inputs, output, options)
    }

    fn finish(self, input: i32, output: i32) -> Vec<u8> {
        self.0.finish(input, output, "nn-import op_models")
    }
}

fn channel_scales(rng: &mut Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| 0.002 + 0.01 * rng.unit()).collect()
}

type Act = fb::ActivationFunctionType;

#[allow(clippy::too_many_arguments)]
fn conv(
    name: &str,
    rng: &mut Rng,
    input: [i32; 4],
    filter: [i32; 4],
    stride: (i32, i32),
    dilation: (i32, i32),
    padding: fb::Padding,
    act: Act,
    out: [i32; 4],
    per_channel: bool,
) -> Vec<u8> {
    let mut g = Graph::new();
    let s_in = 0.02 + 0.05 * rng.unit();
    let x = g.act("input", &input, s_in, rng.range(-20, 20));
    let n = filter[0] as usize;
    let scales = if per_channel {
        channel_scales(rng, n)
    } else {
        channel_scales(rng, 1)
    };
    let bias_scales: Vec<f32> = scales.iter().map(|s| s * s_in).collect();
    let w = g.weights(rng, &format!("{name}/filter"), &filter, scales, 0);
    let b = g.bias(rng, &format!("{name}/bias"), n, bias_scales);
    let y = g.act("output", &out, 0.05 + 0.1 * rng.unit(), rng.range(-30, 30));
    let options = fb::Conv2DOptions {
        padding,
        stride_h: stride.0,
        stride_w: stride.1,
        dilation_h_factor: dilation.0,
        dilation_w_factor: dilation.1,
        fused_activation_function: act,
        ..Default::default()
    };
    g.op(
        fb::BuiltinOperator::Conv2d,
        &[x, w, b],
        y,
        Some(fb::BuiltinOptions::Conv2DOptions(Box::new(options))),
    );
    g.finish(x, y)
}

/// A float32 network between int8 ends: DEQUANTIZE, CONV_2D (SAME, RELU6),
/// DEPTHWISE_CONV_2D (VALID, depth multiplier 2), AVERAGE_POOL_2D, MAX_POOL_2D, ADD of a
/// constant (RELU), RESHAPE, FULLY_CONNECTED, SOFTMAX (β = 1.3), QUANTIZE.
fn float_chain(rng: &mut Rng) -> Vec<u8> {
    let mut g = Graph::new();
    let f32s = |rng: &mut Rng, n: i32| -> Vec<u8> {
        (0..n)
            .flat_map(|_| (rng.unit() - 0.5).to_le_bytes())
            .collect()
    };
    let float = |g: &mut Graph, name: &str, shape: &[i32]| {
        g.tensor(name, shape, fb::TensorType::Float32, vec![], vec![], None)
    };
    let constant = |g: &mut Graph, rng: &mut Rng, name: &str, shape: &[i32]| {
        let data = f32s(rng, shape.iter().product());
        g.tensor(
            name,
            shape,
            fb::TensorType::Float32,
            vec![],
            vec![],
            Some(data),
        )
    };
    let x = g.act("input", &[1, 6, 6, 2], 0.03, -10);
    let x0 = float(&mut g, "x", &[1, 6, 6, 2]);
    g.op(
        fb::BuiltinOperator::Dequantize,
        &[x],
        x0,
        Some(fb::BuiltinOptions::DequantizeOptions(Box::default())),
    );
    let w1 = constant(&mut g, rng, "conv/filter", &[4, 3, 3, 2]);
    let b1 = constant(&mut g, rng, "conv/bias", &[4]);
    let x1 = float(&mut g, "conv", &[1, 6, 6, 4]);
    let o = fb::Conv2DOptions {
        padding: fb::Padding::Same,
        stride_h: 1,
        stride_w: 1,
        dilation_h_factor: 1,
        dilation_w_factor: 1,
        fused_activation_function: Act::Relu6,
        ..Default::default()
    };
    g.op(
        fb::BuiltinOperator::Conv2d,
        &[x0, w1, b1],
        x1,
        Some(fb::BuiltinOptions::Conv2DOptions(Box::new(o))),
    );
    let w2 = constant(&mut g, rng, "dw/filter", &[1, 3, 3, 8]);
    let b2 = constant(&mut g, rng, "dw/bias", &[8]);
    let x2 = float(&mut g, "dw", &[1, 4, 4, 8]);
    let o = fb::DepthwiseConv2DOptions {
        padding: fb::Padding::Valid,
        stride_h: 1,
        stride_w: 1,
        depth_multiplier: 2,
        dilation_h_factor: 1,
        dilation_w_factor: 1,
        fused_activation_function: Act::None,
    };
    g.op(
        fb::BuiltinOperator::DepthwiseConv2d,
        &[x1, w2, b2],
        x2,
        Some(fb::BuiltinOptions::DepthwiseConv2DOptions(Box::new(o))),
    );
    let x3 = float(&mut g, "avg", &[1, 2, 2, 8]);
    let o = fb::Pool2DOptions {
        padding: fb::Padding::Valid,
        stride_h: 2,
        stride_w: 2,
        filter_height: 2,
        filter_width: 2,
        fused_activation_function: Act::None,
    };
    g.op(
        fb::BuiltinOperator::AveragePool2d,
        &[x2],
        x3,
        Some(fb::BuiltinOptions::Pool2DOptions(Box::new(o))),
    );
    let x4 = float(&mut g, "max", &[1, 2, 2, 8]);
    let o = fb::Pool2DOptions {
        padding: fb::Padding::Same,
        stride_h: 1,
        stride_w: 1,
        filter_height: 2,
        filter_width: 2,
        fused_activation_function: Act::ReluN1To1,
    };
    g.op(
        fb::BuiltinOperator::MaxPool2d,
        &[x3],
        x4,
        Some(fb::BuiltinOptions::Pool2DOptions(Box::new(o))),
    );
    let c = constant(&mut g, rng, "offset", &[1, 2, 2, 8]);
    let x5 = float(&mut g, "add", &[1, 2, 2, 8]);
    let o = fb::AddOptions {
        fused_activation_function: Act::Relu,
        ..Default::default()
    };
    g.op(
        fb::BuiltinOperator::Add,
        &[x4, c],
        x5,
        Some(fb::BuiltinOptions::AddOptions(Box::new(o))),
    );
    let x6 = float(&mut g, "flat", &[1, 32]);
    let o = fb::ReshapeOptions {
        new_shape: Some(vec![1, 32]),
    };
    g.op(
        fb::BuiltinOperator::Reshape,
        &[x5],
        x6,
        Some(fb::BuiltinOptions::ReshapeOptions(Box::new(o))),
    );
    let w7 = constant(&mut g, rng, "fc/weights", &[5, 32]);
    let b7 = constant(&mut g, rng, "fc/bias", &[5]);
    let x7 = float(&mut g, "logits", &[1, 5]);
    let o = fb::FullyConnectedOptions {
        fused_activation_function: Act::None,
        ..Default::default()
    };
    g.op(
        fb::BuiltinOperator::FullyConnected,
        &[x6, w7, b7],
        x7,
        Some(fb::BuiltinOptions::FullyConnectedOptions(Box::new(o))),
    );
    let x8 = float(&mut g, "probabilities", &[1, 5]);
    g.op(
        fb::BuiltinOperator::Softmax,
        &[x7],
        x8,
        Some(fb::BuiltinOptions::SoftmaxOptions(Box::new(
            fb::SoftmaxOptions { beta: 1.3 },
        ))),
    );
    let y = g.tensor(
        "output",
        &[1, 5],
        fb::TensorType::Int8,
        vec![1.0 / 256.0],
        vec![-128],
        None,
    );
    g.op(
        fb::BuiltinOperator::Quantize,
        &[x8],
        y,
        Some(fb::BuiltinOptions::QuantizeOptions(Box::default())),
    );
    g.finish(x, y)
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/ops");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(14);
    let mut models: Vec<(&str, Vec<u8>)> = Vec::new();

    models.push((
        "conv_same_relu6",
        conv(
            "conv",
            &mut rng,
            [1, 9, 11, 3],
            [4, 3, 3, 3],
            (2, 2),
            (1, 1),
            fb::Padding::Same,
            Act::Relu6,
            [1, 5, 6, 4],
            true,
        ),
    ));
    models.push((
        "conv_valid_dilated_per_tensor",
        conv(
            "conv",
            &mut rng,
            [1, 10, 10, 4],
            [5, 3, 2, 4],
            (1, 2),
            (2, 1),
            fb::Padding::Valid,
            Act::None,
            [1, 6, 5, 5],
            false,
        ),
    ));

    {
        let mut g = Graph::new();
        let s_in = 0.04;
        let x = g.act("input", &[1, 8, 7, 3], s_in, 7);
        let scales = channel_scales(&mut rng, 6);
        let bias_scales: Vec<f32> = scales.iter().map(|s| s * s_in).collect();
        let w = g.weights(&mut rng, "dw/filter", &[1, 3, 3, 6], scales, 3);
        let b = g.bias(&mut rng, "dw/bias", 6, bias_scales);
        let y = g.act("output", &[1, 4, 4, 6], 0.03, -128);
        let o = fb::DepthwiseConv2DOptions {
            padding: fb::Padding::Same,
            stride_h: 2,
            stride_w: 2,
            depth_multiplier: 2,
            dilation_h_factor: 1,
            dilation_w_factor: 1,
            fused_activation_function: Act::Relu,
        };
        g.op(
            fb::BuiltinOperator::DepthwiseConv2d,
            &[x, w, b],
            y,
            Some(fb::BuiltinOptions::DepthwiseConv2DOptions(Box::new(o))),
        );
        models.push(("depthwise_multiplier2_relu", g.finish(x, y)));
    }

    let pool = |code, padding, filter: (i32, i32), stride: (i32, i32), act, out: [i32; 4]| {
        let mut g = Graph::new();
        let x = g.act("input", &[1, 9, 10, 5], 0.05, -3);
        let y = g.act("output", &out, 0.05, -3);
        let o = fb::Pool2DOptions {
            padding,
            stride_h: stride.0,
            stride_w: stride.1,
            filter_height: filter.0,
            filter_width: filter.1,
            fused_activation_function: act,
        };
        g.op(
            code,
            &[x],
            y,
            Some(fb::BuiltinOptions::Pool2DOptions(Box::new(o))),
        );
        g.finish(x, y)
    };
    models.push((
        "max_pool_valid_relu6",
        pool(
            fb::BuiltinOperator::MaxPool2d,
            fb::Padding::Valid,
            (3, 2),
            (2, 3),
            Act::Relu6,
            [1, 4, 3, 5],
        ),
    ));
    models.push((
        "avg_pool_same_relu_n1_to_1",
        pool(
            fb::BuiltinOperator::AveragePool2d,
            fb::Padding::Same,
            (3, 3),
            (2, 2),
            Act::ReluN1To1,
            [1, 5, 5, 5],
        ),
    ));

    {
        let mut g = Graph::new();
        let x = g.act("input", &[1, 4, 4, 3], 0.07, 10);
        let c: Vec<u8> = (0..48).map(|_| rng.i8() as u8).collect();
        let k = g.tensor(
            "constant",
            &[1, 4, 4, 3],
            fb::TensorType::Int8,
            vec![0.03],
            vec![-5],
            Some(c),
        );
        let y = g.act("output", &[1, 4, 4, 3], 0.06, -20);
        let o = fb::AddOptions {
            fused_activation_function: Act::Relu,
            ..Default::default()
        };
        g.op(
            fb::BuiltinOperator::Add,
            &[x, k],
            y,
            Some(fb::BuiltinOptions::AddOptions(Box::new(o))),
        );
        models.push(("add_relu", g.finish(x, y)));
    }

    {
        let mut g = Graph::new();
        let x = g.act("input", &[1, 64], 0.05, 3);
        let f = g.tensor(
            "float",
            &[1, 64],
            fb::TensorType::Float32,
            vec![],
            vec![],
            None,
        );
        let q = g.act("requantized", &[1, 64], 0.037, -9);
        let y = g.act("output", &[1, 64], 0.1, 17);
        g.op(
            fb::BuiltinOperator::Dequantize,
            &[x],
            f,
            Some(fb::BuiltinOptions::DequantizeOptions(Box::default())),
        );
        g.op(
            fb::BuiltinOperator::Quantize,
            &[f],
            q,
            Some(fb::BuiltinOptions::QuantizeOptions(Box::default())),
        );
        g.op(
            fb::BuiltinOperator::Quantize,
            &[q],
            y,
            Some(fb::BuiltinOptions::QuantizeOptions(Box::default())),
        );
        models.push(("dequantize_quantize_requantize", g.finish(x, y)));
    }

    {
        let mut g = Graph::new();
        let s_in = 0.06;
        let x = g.act("input", &[3, 12], s_in, -4);
        let scales = channel_scales(&mut rng, 6);
        let bias_scales: Vec<f32> = scales.iter().map(|s| s * s_in).collect();
        let w = g.weights(&mut rng, "fc/weights", &[6, 12], scales, 0);
        let b = g.bias(&mut rng, "fc/bias", 6, bias_scales);
        let h = g.act("logits", &[3, 6], 0.08, 5);
        let y = g.tensor(
            "probabilities",
            &[3, 6],
            fb::TensorType::Int8,
            vec![1.0 / 256.0],
            vec![-128],
            None,
        );
        let o = fb::FullyConnectedOptions {
            fused_activation_function: Act::None,
            ..Default::default()
        };
        g.op(
            fb::BuiltinOperator::FullyConnected,
            &[x, w, b],
            h,
            Some(fb::BuiltinOptions::FullyConnectedOptions(Box::new(o))),
        );
        g.op(
            fb::BuiltinOperator::Softmax,
            &[h],
            y,
            Some(fb::BuiltinOptions::SoftmaxOptions(Box::new(
                fb::SoftmaxOptions { beta: 0.7 },
            ))),
        );
        models.push(("fc_per_channel_batch_softmax", g.finish(x, y)));
    }

    // Appended last, so the models above keep their weights.
    models.push((
        "conv_grouped_relu",
        conv(
            "conv",
            &mut rng,
            [1, 7, 6, 4],
            [6, 3, 3, 2],
            (1, 1),
            (1, 1),
            fb::Padding::Same,
            Act::Relu,
            [1, 7, 6, 6],
            true,
        ),
    ));

    models.push(("float_chain", float_chain(&mut rng)));

    for (name, bytes) in models {
        let path = dir.join(format!("{name}.tflite"));
        std::fs::write(&path, &bytes).unwrap();
        println!("{} ({} bytes)", path.display(), bytes.len());
    }

    // Float32 input and output, in a directory of their own: the int8 interpreter test
    // (`bitexact.rs`) runs every model of models/ops with int8 inputs.
    let ops = dir.clone();
    let dir = dir.join("../ops_float_io");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mixed_io.tflite");
    let bytes = mixed_io(&mut rng);
    std::fs::write(&path, &bytes).unwrap();
    println!("{} ({} bytes)", path.display(), bytes.len());

    // After mixed_io, so the models above keep their weights.
    let path = ops.join("residual_add.tflite");
    let bytes = residual_add(&mut rng);
    std::fs::write(&path, &bytes).unwrap();
    println!("{} ({} bytes)", path.display(), bytes.len());

    // After residual_add, so the models above keep their weights.
    let path = ops.join("add_broadcast.tflite");
    let bytes = add_broadcast(&mut rng);
    std::fs::write(&path, &bytes).unwrap();
    println!("{} ({} bytes)", path.display(), bytes.len());

    let path = ops.join("residual_mid.tflite");
    let bytes = residual_mid::residual_mid();
    std::fs::write(&path, &bytes).unwrap();
    println!("{} ({} bytes)", path.display(), bytes.len());
}

/// Broadcasting ADDs (TFLM's `BroadcastAdd6DSlow`), int8 and float32, of an activation
/// `[1, 4, 4, 3]` and constants: `[1, 1, 1, 3]` as the first operand (RELU), `[1, 4, 1, 1]`
/// as the second, then DEQUANTIZE, a float32 `[3]` of lower rank, QUANTIZE.
fn add_broadcast(rng: &mut Rng) -> Vec<u8> {
    let mut g = Graph::new();
    let x = g.act("input", &[1, 4, 4, 3], 0.07, 10);
    let i8s = fb::TensorType::Int8;
    let mut constant = |g: &mut Graph, name: &str, shape: &[i32], scale: f32, zp: i64| {
        let n: i32 = shape.iter().product();
        let data = (0..n).map(|_| rng.i8() as u8).collect();
        g.tensor(name, shape, i8s, vec![scale], vec![zp], Some(data))
    };
    let add = |g: &mut Graph, a: i32, b: i32, y: i32, act: Act| {
        let o = fb::AddOptions {
            fused_activation_function: act,
            ..Default::default()
        };
        g.op(
            fb::BuiltinOperator::Add,
            &[a, b],
            y,
            Some(fb::BuiltinOptions::AddOptions(Box::new(o))),
        );
    };
    let bias = constant(&mut g, "per_channel", &[1, 1, 1, 3], 0.03, -5);
    let a = g.act("a", &[1, 4, 4, 3], 0.06, -20);
    add(&mut g, bias, x, a, Act::Relu);
    let rows = constant(&mut g, "per_row", &[1, 4, 1, 1], 0.05, 3);
    let b = g.act("b", &[1, 4, 4, 3], 0.09, 0);
    add(&mut g, a, rows, b, Act::None);
    let f32s = fb::TensorType::Float32;
    let bf = g.tensor("b_float", &[1, 4, 4, 3], f32s, vec![], vec![], None);
    g.op(
        fb::BuiltinOperator::Dequantize,
        &[b],
        bf,
        Some(fb::BuiltinOptions::DequantizeOptions(Box::default())),
    );
    let values: Vec<u8> = [-1.25f32, 0.5, 2.75]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let k = g.tensor("channel_shift", &[3], f32s, vec![], vec![], Some(values));
    let cf = g.tensor("c_float", &[1, 4, 4, 3], f32s, vec![], vec![], None);
    add(&mut g, bf, k, cf, Act::None);
    let y = g.act("output", &[1, 4, 4, 3], 0.1, 0);
    g.op(
        fb::BuiltinOperator::Quantize,
        &[cf],
        y,
        Some(fb::BuiltinOptions::QuantizeOptions(Box::default())),
    );
    g.finish(x, y)
}

/// A residual block's end: CONV_2D (SAME, RELU) `a`, DEPTHWISE_CONV_2D (SAME) `b` of `a`,
/// and ADD of `a` and `b` (two activations, not a constant) as the output.
fn residual_add(rng: &mut Rng) -> Vec<u8> {
    let mut g = Graph::new();
    let s_in = 0.04;
    let x = g.act("input", &[1, 5, 4, 3], s_in, -6);
    let scales = channel_scales(rng, 3);
    let bias_scales: Vec<f32> = scales.iter().map(|s| s * s_in).collect();
    let w = g.weights(rng, "conv/filter", &[3, 3, 3, 3], scales, 0);
    let b = g.bias(rng, "conv/bias", 3, bias_scales);
    let s_a = 0.05;
    let a = g.act("a", &[1, 5, 4, 3], s_a, -128);
    let o = fb::Conv2DOptions {
        padding: fb::Padding::Same,
        stride_h: 1,
        stride_w: 1,
        dilation_h_factor: 1,
        dilation_w_factor: 1,
        fused_activation_function: Act::Relu,
        ..Default::default()
    };
    g.op(
        fb::BuiltinOperator::Conv2d,
        &[x, w, b],
        a,
        Some(fb::BuiltinOptions::Conv2DOptions(Box::new(o))),
    );
    let scales = channel_scales(rng, 3);
    let bias_scales: Vec<f32> = scales.iter().map(|s| s * s_a).collect();
    let w = g.weights(rng, "dw/filter", &[1, 3, 3, 3], scales, 3);
    let bias = g.bias(rng, "dw/bias", 3, bias_scales);
    let bb = g.act("b", &[1, 5, 4, 3], 0.06, 4);
    let o = fb::DepthwiseConv2DOptions {
        padding: fb::Padding::Same,
        stride_h: 1,
        stride_w: 1,
        depth_multiplier: 1,
        dilation_h_factor: 1,
        dilation_w_factor: 1,
        fused_activation_function: Act::None,
    };
    g.op(
        fb::BuiltinOperator::DepthwiseConv2d,
        &[a, w, bias],
        bb,
        Some(fb::BuiltinOptions::DepthwiseConv2DOptions(Box::new(o))),
    );
    let y = g.act("output", &[1, 5, 4, 3], 0.08, -3);
    g.op(
        fb::BuiltinOperator::Add,
        &[a, bb],
        y,
        Some(fb::BuiltinOptions::AddOptions(Box::default())),
    );
    g.finish(x, y)
}

/// Float32 input and output around int8 layers, as TFLite's converter writes a quantized
/// model that keeps float I/O: QUANTIZE, FULLY_CONNECTED (int8, RELU), DEQUANTIZE,
/// FULLY_CONNECTED (float32), SOFTMAX (float32, β = 1).
fn mixed_io(rng: &mut Rng) -> Vec<u8> {
    let mut g = Graph::new();
    let float = |g: &mut Graph, name: &str, shape: &[i32]| {
        g.tensor(name, shape, fb::TensorType::Float32, vec![], vec![], None)
    };
    let x = float(&mut g, "input", &[1, 10]);
    let s_in = 0.05;
    let q = g.act("quantized", &[1, 10], s_in, 2);
    g.op(
        fb::BuiltinOperator::Quantize,
        &[x],
        q,
        Some(fb::BuiltinOptions::QuantizeOptions(Box::default())),
    );
    let scales = channel_scales(rng, 6);
    let bias_scales: Vec<f32> = scales.iter().map(|s| s * s_in).collect();
    let w = g.weights(rng, "fc1/weights", &[6, 10], scales, 0);
    let b = g.bias(rng, "fc1/bias", 6, bias_scales);
    let h = g.act("hidden", &[1, 6], 0.04, -128);
    let o = fb::FullyConnectedOptions {
        fused_activation_function: Act::Relu,
        ..Default::default()
    };
    g.op(
        fb::BuiltinOperator::FullyConnected,
        &[q, w, b],
        h,
        Some(fb::BuiltinOptions::FullyConnectedOptions(Box::new(o))),
    );
    let f = float(&mut g, "hidden_f32", &[1, 6]);
    g.op(
        fb::BuiltinOperator::Dequantize,
        &[h],
        f,
        Some(fb::BuiltinOptions::DequantizeOptions(Box::default())),
    );
    let data = |rng: &mut Rng, n: usize| -> Vec<u8> {
        (0..n)
            .flat_map(|_| (rng.unit() - 0.5).to_le_bytes())
            .collect()
    };
    let w2 = data(rng, 18);
    let w2 = g.tensor(
        "fc2/weights",
        &[3, 6],
        fb::TensorType::Float32,
        vec![],
        vec![],
        Some(w2),
    );
    let b2 = data(rng, 3);
    let b2 = g.tensor(
        "fc2/bias",
        &[3],
        fb::TensorType::Float32,
        vec![],
        vec![],
        Some(b2),
    );
    let logits = float(&mut g, "logits", &[1, 3]);
    let o = fb::FullyConnectedOptions::default();
    g.op(
        fb::BuiltinOperator::FullyConnected,
        &[f, w2, b2],
        logits,
        Some(fb::BuiltinOptions::FullyConnectedOptions(Box::new(o))),
    );
    let y = float(&mut g, "output", &[1, 3]);
    g.op(
        fb::BuiltinOperator::Softmax,
        &[logits],
        y,
        Some(fb::BuiltinOptions::SoftmaxOptions(Box::new(
            fb::SoftmaxOptions { beta: 1.0 },
        ))),
    );
    g.finish(x, y)
}
