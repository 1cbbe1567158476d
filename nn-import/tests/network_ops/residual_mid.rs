// `ResidualMid`: `residual_mid.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import residual_mid.tflite --name ResidualMid --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/residual_mid.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `ResidualMid::new().run(&input, &mut output)`.
nn_core::network! {
    /// `residual_mid.tflite`: input `input` [1, 5, 4, 3] (scale 0.04, zero point -6), output `output` [1, 5] (scale 0.4, zero point 3).
    #[weights = "tests/network_ops/residual_mid.safetensors"]
    pub struct ResidualMid {
        input: [1, 5, 4, 3],
        // op 0 CONV_2D: `a` [1, 5, 4, 4], scale 0.05, zero point -128
        conv1: tfl_conv2d(4, kernel = (3, 3), stride = (1, 1), padding = same, act = relu),
        // op 1 CONV_2D: `b` [1, 5, 4, 4], scale 0.06, zero point -128
        conv2: tfl_conv2d(4, kernel = (3, 3), stride = (1, 1), padding = same, act = relu),
        // op 2 CONV_2D: `c` [1, 5, 4, 4], scale 0.03, zero point 7
        conv3: tfl_conv2d(4, kernel = (1, 1), stride = (1, 1), padding = same),
        // op 3 ADD: `sum` [1, 5, 4, 4], scale 0.07, zero point -128
        add1: tfl_add(act = relu)(conv1, conv3),
        // op 4 RESHAPE: `flat` [1, 80], scale 0.07, zero point -128
        reshape1: tfl_reshape([1, 80]),
        // op 5 FULLY_CONNECTED: `output` [1, 5], scale 0.4, zero point 3
        fc1: tfl_fully_connected(5),
    }
}
