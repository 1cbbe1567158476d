// `ConvSame`: `conv_same_relu6.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import conv_same_relu6.tflite --name ConvSame --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/conv_same.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `ConvSame::new().run(&input, &mut output)`.
nn_core::network! {
    /// `conv_same_relu6.tflite`: input `input` [1, 9, 11, 3] (scale 0.0408327, zero point 4), output `output` [1, 5, 6, 4] (scale 0.12722771, zero point -22).
    #[weights = "tests/network_ops/conv_same.safetensors"]
    pub struct ConvSame {
        input: [1, 9, 11, 3],
        // op 0 CONV_2D: `output` [1, 5, 6, 4], scale 0.12722771, zero point -22
        conv1: tfl_conv2d(4, kernel = (3, 3), stride = (2, 2), padding = same, act = relu6),
    }
}
