// `DequantizeQuantizeRequantize`: `dequantize_quantize_requantize.tflite` (TFLite, int8 and float32) as a `network!` declaration, written by
// `nn-import dequantize_quantize_requantize.tflite --name DequantizeQuantizeRequantize --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/dequantize_quantize_requantize.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `DequantizeQuantizeRequantize::new().run(&input, &mut output)`.
nn_core::network! {
    /// `dequantize_quantize_requantize.tflite`: input `input` [1, 64] (scale 0.05, zero point 3), output `output` [1, 64] (scale 0.1, zero point 17).
    #[weights = "tests/network_ops/dequantize_quantize_requantize.safetensors"]
    pub struct DequantizeQuantizeRequantize {
        input: [1, 64],
        // op 0 DEQUANTIZE: `float` [1, 64], float32
        dequantize1: tfl_dequantize,
        // op 1 QUANTIZE: `requantized` [1, 64], scale 0.037, zero point -9
        quantize1: tfl_quantize,
        // op 2 QUANTIZE: `output` [1, 64], scale 0.1, zero point 17
        quantize2: tfl_quantize,
    }
}
