//! One- and two-operator int8 models: `depthwise_multiplier2_relu`, `max_pool_valid_relu6`
//! and `avg_pool_same_relu_n1_to_1` ([`pool`]), `add_relu`, `dequantize_quantize_requantize`
//! and `fc_per_channel_batch_softmax`.

use super::{channel_scales, fb, Act, Graph, Rng};

/// DEPTHWISE_CONV_2D (SAME, stride 2, depth multiplier 2, RELU), per-channel filter scales.
pub fn depthwise_multiplier2_relu(rng: &mut Rng) -> Vec<u8> {
    let mut g = Graph::new();
    let s_in = 0.04;
    let x = g.act("input", &[1, 8, 7, 3], s_in, 7);
    let scales = channel_scales(rng, 6);
    let bias_scales: Vec<f32> = scales.iter().map(|s| s * s_in).collect();
    let w = g.weights(rng, "dw/filter", &[1, 3, 3, 6], scales, 3);
    let b = g.bias(rng, "dw/bias", 6, bias_scales);
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
    g.finish(x, y)
}

/// One pooling operator `code` over an int8 `[1, 9, 10, 5]` input into `out`.
pub fn pool(
    code: fb::BuiltinOperator,
    padding: fb::Padding,
    filter: (i32, i32),
    stride: (i32, i32),
    act: Act,
    out: [i32; 4],
) -> Vec<u8> {
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
}

/// int8 ADD (RELU) of the input and a seeded constant of its shape.
pub fn add_relu(rng: &mut Rng) -> Vec<u8> {
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
    g.finish(x, y)
}

/// DEQUANTIZE, QUANTIZE from float32, QUANTIZE from int8 (a requantization).
pub fn dequantize_quantize_requantize() -> Vec<u8> {
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
    g.finish(x, y)
}

/// Batched (3 rows) per-channel FULLY_CONNECTED into SOFTMAX with β = 0.7.
pub fn fc_per_channel_batch_softmax(rng: &mut Rng) -> Vec<u8> {
    let mut g = Graph::new();
    let s_in = 0.06;
    let x = g.act("input", &[3, 12], s_in, -4);
    let scales = channel_scales(rng, 6);
    let bias_scales: Vec<f32> = scales.iter().map(|s| s * s_in).collect();
    let w = g.weights(rng, "fc/weights", &[6, 12], scales, 0);
    let b = g.bias(rng, "fc/bias", 6, bias_scales);
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
    g.finish(x, y)
}
