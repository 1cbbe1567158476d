// `MixedIo`: `mixed_io.tflite` (TFLite, int8 and float32) as a `network!` declaration, written by
// `nn-import mixed_io.tflite --name MixedIo --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/mixed_io.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `MixedIo::new().run(&input, &mut output)`.
nn_core::network! {
    /// `mixed_io.tflite`: input `input` [1, 10] (float32), output `output` [1, 3] (float32).
    #[weights = "tests/network_ops/mixed_io.safetensors"]
    pub struct MixedIo {
        input: f32[1, 10],
        // op 0 QUANTIZE: `quantized` [1, 10], scale 0.05, zero point 2
        quantize1: tfl_quantize,
        // op 1 FULLY_CONNECTED: `hidden` [1, 6], scale 0.04, zero point -128
        fc1: tfl_fully_connected(6, act = relu),
        // op 2 DEQUANTIZE: `hidden_f32` [1, 6], float32
        dequantize1: tfl_dequantize,
        // op 3 FULLY_CONNECTED: `logits` [1, 3], float32
        fc2: tfl_fully_connected(3),
        // op 4 SOFTMAX: `output` [1, 3], float32
        softmax1: tfl_softmax(beta = 1.0),
    }
}
