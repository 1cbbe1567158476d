//! `mixed_io` (models/ops_float_io): float32 input and output around int8 layers.

use super::{channel_scales, fb, Act, Graph, Rng};

/// Float32 input and output around int8 layers, as TFLite's converter writes a quantized
/// model that keeps float I/O: QUANTIZE, FULLY_CONNECTED (int8, RELU), DEQUANTIZE,
/// FULLY_CONNECTED (float32), SOFTMAX (float32, β = 1).
pub fn mixed_io(rng: &mut Rng) -> Vec<u8> {
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
