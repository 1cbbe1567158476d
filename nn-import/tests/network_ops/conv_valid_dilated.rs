// `ConvValidDilated`: `conv_valid_dilated_per_tensor.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import conv_valid_dilated_per_tensor.tflite --name ConvValidDilated --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/conv_valid_dilated.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `ConvValidDilated::new().run(&input, &mut output)`.
nn_core::network! {
    /// `conv_valid_dilated_per_tensor.tflite`: input `input` [1, 10, 10, 4] (scale 0.029271115, zero point 10), output `output` [1, 6, 5, 5] (scale 0.05331999, zero point 2).
    #[weights = "tests/network_ops/conv_valid_dilated.safetensors"]
    pub struct ConvValidDilated {
        input: [1, 10, 10, 4],
        // op 0 CONV_2D: `output` [1, 6, 5, 5], scale 0.05331999, zero point 2
        conv1: tfl_conv2d(5, kernel = (3, 2), stride = (1, 2), dilation = (2, 1), padding = valid),
    }
}
