// `DepthwiseMultiplier2`: `depthwise_multiplier2_relu.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import depthwise_multiplier2_relu.tflite --name DepthwiseMultiplier2 --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/depthwise_multiplier2.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `DepthwiseMultiplier2::new().run(&input, &mut output)`.
nn_core::network! {
    /// `depthwise_multiplier2_relu.tflite`: input `input` [1, 8, 7, 3] (scale 0.04, zero point 7), output `output` [1, 4, 4, 6] (scale 0.03, zero point -128).
    #[weights = "tests/network_ops/depthwise_multiplier2.safetensors"]
    pub struct DepthwiseMultiplier2 {
        input: [1, 8, 7, 3],
        // op 0 DEPTHWISE_CONV_2D: `output` [1, 4, 4, 6], scale 0.03, zero point -128
        dw1: tfl_depthwise_conv2d(kernel = (3, 3), stride = (2, 2), padding = same, multiplier = 2, act = relu),
    }
}
