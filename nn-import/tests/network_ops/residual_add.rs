// `ResidualAdd`: `residual_add.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import residual_add.tflite --name ResidualAdd --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/residual_add.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `ResidualAdd::new().run(&input, &mut output)`.
nn_core::network! {
    /// `residual_add.tflite`: input `input` [1, 5, 4, 3] (scale 0.04, zero point -6), output `output` [1, 5, 4, 3] (scale 0.08, zero point -3).
    #[weights = "tests/network_ops/residual_add.safetensors"]
    pub struct ResidualAdd {
        input: [1, 5, 4, 3],
        // op 0 CONV_2D: `a` [1, 5, 4, 3], scale 0.05, zero point -128
        conv1: tfl_conv2d(3, kernel = (3, 3), stride = (1, 1), padding = same, act = relu),
        // op 1 DEPTHWISE_CONV_2D: `b` [1, 5, 4, 3], scale 0.06, zero point 4
        dw1: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = same),
        // op 2 ADD: `output` [1, 5, 4, 3], scale 0.08, zero point -3
        add1: tfl_add()(conv1, dw1),
    }
}
