//! `float_chain`: every float32 kernel between int8 ends.

use super::{fb, Act, Graph, Rng};

/// A float32 network between int8 ends: DEQUANTIZE, CONV_2D (SAME, RELU6),
/// DEPTHWISE_CONV_2D (VALID, depth multiplier 2), AVERAGE_POOL_2D, MAX_POOL_2D, ADD of a
/// constant (RELU), RESHAPE, FULLY_CONNECTED, SOFTMAX (β = 1.3), QUANTIZE.
pub fn float_chain(rng: &mut Rng) -> Vec<u8> {
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
