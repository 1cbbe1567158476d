// `AddBroadcast`: `add_broadcast.tflite` (TFLite, int8 and float32) as a `network!` declaration, written by
// `nn-import add_broadcast.tflite --name AddBroadcast --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/add_broadcast.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `AddBroadcast::new().run(&input, &mut output)`.
nn_core::network! {
    /// `add_broadcast.tflite`: input `input` [1, 4, 4, 3] (scale 0.07, zero point 10), output `output` [1, 4, 4, 3] (scale 0.1, zero point 0).
    #[weights = "tests/network_ops/add_broadcast.safetensors"]
    pub struct AddBroadcast {
        input: [1, 4, 4, 3],
        // `per_channel` [1, 1, 1, 3], scale 0.03, zero point -5
        constant1: tfl_constant([1, 1, 1, 3]),
        // op 0 ADD: `a` [1, 4, 4, 3], scale 0.06, zero point -20
        add1: tfl_add(act = relu)(constant1, input),
        // `per_row` [1, 4, 1, 1], scale 0.05, zero point 3
        constant2: tfl_constant([1, 4, 1, 1]),
        // op 1 ADD: `b` [1, 4, 4, 3], scale 0.09, zero point 0
        add2: tfl_add()(add1, constant2),
        // op 2 DEQUANTIZE: `b_float` [1, 4, 4, 3], float32
        dequantize1: tfl_dequantize,
        // `channel_shift` [3], float32
        constant3: tfl_constant(f32[3]),
        // op 3 ADD: `c_float` [1, 4, 4, 3], float32
        add3: tfl_add()(dequantize1, constant3),
        // op 4 QUANTIZE: `output` [1, 4, 4, 3], scale 0.1, zero point 0
        quantize1: tfl_quantize,
    }
}
