//! `float_net` (models/ops_float_io): a network that is float32 from its input to its output,
//! no QUANTIZE, DEQUANTIZE or int8 tensor anywhere, as TFLite's converter writes a model it
//! was not asked to quantize: CONV_2D (SAME, RELU), DEPTHWISE_CONV_2D (VALID, RELU6, depth
//! multiplier 2), AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED, ADD of a constant
//! that broadcasts (`[5]` to `[1, 5]`), SOFTMAX (β = 1). Its own seed, so the other models
//! keep their weights.

use super::{fb, Act, Graph, Rng};

/// A float32 tensor; `data` makes it a constant.
fn float(g: &mut Graph, name: &str, shape: &[i32], data: Option<Vec<u8>>) -> i32 {
    g.tensor(name, shape, fb::TensorType::Float32, vec![], vec![], data)
}

/// A float32 constant of seeded values in [-`half`, `half`).
fn constant(g: &mut Graph, rng: &mut Rng, name: &str, shape: &[i32], half: f32) -> i32 {
    let n: i32 = shape.iter().product();
    let data = (0..n)
        .flat_map(|_| ((rng.unit() - 0.5) * 2.0 * half).to_le_bytes())
        .collect();
    float(g, name, shape, Some(data))
}

/// A pooling operator `code` from `x` into a new float32 tensor `name` of shape `out`.
fn pool(
    g: &mut Graph,
    code: fb::BuiltinOperator,
    x: i32,
    name: &str,
    out: &[i32],
    (size, stride): (i32, i32),
    padding: fb::Padding,
) -> i32 {
    let y = float(g, name, out, None);
    let o = fb::Pool2DOptions {
        padding,
        stride_h: stride,
        stride_w: stride,
        filter_height: size,
        filter_width: size,
        fused_activation_function: Act::None,
    };
    g.op(
        code,
        &[x],
        y,
        Some(fb::BuiltinOptions::Pool2DOptions(Box::new(o))),
    );
    y
}

pub fn float_net() -> Vec<u8> {
    let rng = &mut Rng(1415);
    let mut g = Graph::new();
    let x = float(&mut g, "input", &[1, 8, 8, 2], None);
    let w1 = constant(&mut g, rng, "conv/filter", &[4, 3, 3, 2], 0.5);
    let b1 = constant(&mut g, rng, "conv/bias", &[4], 0.25);
    let x1 = float(&mut g, "conv", &[1, 8, 8, 4], None);
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
        &[x, w1, b1],
        x1,
        Some(fb::BuiltinOptions::Conv2DOptions(Box::new(o))),
    );
    let w2 = constant(&mut g, rng, "dw/filter", &[1, 3, 3, 8], 0.5);
    let b2 = constant(&mut g, rng, "dw/bias", &[8], 0.25);
    let x2 = float(&mut g, "dw", &[1, 6, 6, 8], None);
    let o = fb::DepthwiseConv2DOptions {
        padding: fb::Padding::Valid,
        stride_h: 1,
        stride_w: 1,
        depth_multiplier: 2,
        dilation_h_factor: 1,
        dilation_w_factor: 1,
        fused_activation_function: Act::Relu6,
    };
    g.op(
        fb::BuiltinOperator::DepthwiseConv2d,
        &[x1, w2, b2],
        x2,
        Some(fb::BuiltinOptions::DepthwiseConv2DOptions(Box::new(o))),
    );
    let avg = fb::BuiltinOperator::AveragePool2d;
    let x3 = pool(
        &mut g,
        avg,
        x2,
        "avg",
        &[1, 3, 3, 8],
        (2, 2),
        fb::Padding::Valid,
    );
    let max = fb::BuiltinOperator::MaxPool2d;
    let x4 = pool(
        &mut g,
        max,
        x3,
        "max",
        &[1, 2, 2, 8],
        (2, 2),
        fb::Padding::Same,
    );
    let x5 = float(&mut g, "flat", &[1, 32], None);
    let o = fb::ReshapeOptions {
        new_shape: Some(vec![1, 32]),
    };
    g.op(
        fb::BuiltinOperator::Reshape,
        &[x4],
        x5,
        Some(fb::BuiltinOptions::ReshapeOptions(Box::new(o))),
    );
    let w6 = constant(&mut g, rng, "fc/weights", &[5, 32], 0.5);
    let b6 = constant(&mut g, rng, "fc/bias", &[5], 0.25);
    let x6 = float(&mut g, "fc", &[1, 5], None);
    g.op(
        fb::BuiltinOperator::FullyConnected,
        &[x5, w6, b6],
        x6,
        Some(fb::BuiltinOptions::FullyConnectedOptions(Box::default())),
    );
    let k = constant(&mut g, rng, "logit_shift", &[5], 1.0);
    let x7 = float(&mut g, "logits", &[1, 5], None);
    g.op(
        fb::BuiltinOperator::Add,
        &[x6, k],
        x7,
        Some(fb::BuiltinOptions::AddOptions(Box::default())),
    );
    let y = float(&mut g, "output", &[1, 5], None);
    g.op(
        fb::BuiltinOperator::Softmax,
        &[x7],
        y,
        Some(fb::BuiltinOptions::SoftmaxOptions(Box::new(
            fb::SoftmaxOptions { beta: 1.0 },
        ))),
    );
    g.finish(x, y)
}
