//! `add_broadcast`: int8 and float32 ADDs whose operands broadcast.

use super::{fb, Act, Graph, Rng};

/// Broadcasting ADDs (TFLM's `BroadcastAdd6DSlow`), int8 and float32, of an activation
/// `[1, 4, 4, 3]` and constants: `[1, 1, 1, 3]` as the first operand (RELU), `[1, 4, 1, 1]`
/// as the second, then DEQUANTIZE, a float32 `[3]` of lower rank, QUANTIZE.
pub fn add_broadcast(rng: &mut Rng) -> Vec<u8> {
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
