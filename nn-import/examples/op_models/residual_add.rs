//! `residual_add`: an ADD of two activations, the output of a residual block.

use super::{channel_scales, fb, Act, Graph, Rng};

/// A residual block's end: CONV_2D (SAME, RELU) `a`, DEPTHWISE_CONV_2D (SAME) `b` of `a`,
/// and ADD of `a` and `b` (two activations, not a constant) as the output.
pub fn residual_add(rng: &mut Rng) -> Vec<u8> {
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
