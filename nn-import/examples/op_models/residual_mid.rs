//! `residual_mid`: a skip connection in the middle of a network, as in MobileNetV2's and
//! ResNet's blocks: CONV_2D (SAME, RELU) `a`, CONV_2D (SAME, RELU) `b`, CONV_2D (1x1) `c`,
//! ADD (RELU) of `a` and `c` (`a` was written three layers before), RESHAPE and
//! FULLY_CONNECTED as the output. Its own seed, so the other models keep their weights.

use super::{channel_scales, fb, Act, Graph, Rng};

/// CONV_2D of `x` (scale `s_in`) with `n` seeded `k`x`k` filters over `c_in` channels into
/// `y`, stride 1 and SAME padding.
#[allow(clippy::too_many_arguments)]
fn conv(
    g: &mut Graph,
    rng: &mut Rng,
    name: &str,
    x: i32,
    s_in: f32,
    (n, k, c_in): (i32, i32, i32),
    y: i32,
    act: Act,
) {
    let scales = channel_scales(rng, n as usize);
    let bias_scales: Vec<f32> = scales.iter().map(|s| s * s_in).collect();
    let w = g.weights(rng, &format!("{name}/filter"), &[n, k, k, c_in], scales, 0);
    let b = g.bias(rng, &format!("{name}/bias"), n as usize, bias_scales);
    let o = fb::Conv2DOptions {
        padding: fb::Padding::Same,
        stride_h: 1,
        stride_w: 1,
        dilation_h_factor: 1,
        dilation_w_factor: 1,
        fused_activation_function: act,
        ..Default::default()
    };
    g.op(
        fb::BuiltinOperator::Conv2d,
        &[x, w, b],
        y,
        Some(fb::BuiltinOptions::Conv2DOptions(Box::new(o))),
    );
}

pub fn residual_mid() -> Vec<u8> {
    let rng = &mut Rng(1414);
    let mut g = Graph::new();
    let shape = [1, 5, 4, 4];
    let x = g.act("input", &[1, 5, 4, 3], 0.04, -6);
    let a = g.act("a", &shape, 0.05, -128);
    conv(&mut g, rng, "conv1", x, 0.04, (4, 3, 3), a, Act::Relu);
    let b = g.act("b", &shape, 0.06, -128);
    conv(&mut g, rng, "conv2", a, 0.05, (4, 3, 4), b, Act::Relu);
    let c = g.act("c", &shape, 0.03, 7);
    conv(&mut g, rng, "conv3", b, 0.06, (4, 1, 4), c, Act::None);
    let s = g.act("sum", &shape, 0.07, -128);
    let o = fb::AddOptions {
        fused_activation_function: Act::Relu,
        ..Default::default()
    };
    g.op(
        fb::BuiltinOperator::Add,
        &[a, c],
        s,
        Some(fb::BuiltinOptions::AddOptions(Box::new(o))),
    );
    let flat = g.act("flat", &[1, 80], 0.07, -128);
    let o = fb::ReshapeOptions {
        new_shape: Some(vec![1, 80]),
    };
    g.op(
        fb::BuiltinOperator::Reshape,
        &[s],
        flat,
        Some(fb::BuiltinOptions::ReshapeOptions(Box::new(o))),
    );
    let scales = channel_scales(rng, 5);
    let bias_scales: Vec<f32> = scales.iter().map(|s| s * 0.07).collect();
    let w = g.weights(rng, "fc/weights", &[5, 80], scales, 0);
    let bias = g.bias(rng, "fc/bias", 5, bias_scales);
    let y = g.act("output", &[1, 5], 0.4, 3);
    g.op(
        fb::BuiltinOperator::FullyConnected,
        &[flat, w, bias],
        y,
        Some(fb::BuiltinOptions::FullyConnectedOptions(Box::default())),
    );
    g.finish(x, y)
}
