//! `conv_same_relu6`, `conv_valid_dilated_per_tensor` and `conv_grouped_relu`: one int8
//! CONV_2D each, its filter scales per channel or per tensor.

use super::{channel_scales, fb, Act, Graph, Rng};

/// One CONV_2D from `input` with seeded `filter` (OHWI) and bias into `out`.
#[allow(clippy::too_many_arguments)]
pub fn conv(
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
