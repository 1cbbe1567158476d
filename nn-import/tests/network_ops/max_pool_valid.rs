// `MaxPoolValid`: `max_pool_valid_relu6.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import max_pool_valid_relu6.tflite --name MaxPoolValid --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/max_pool_valid.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `MaxPoolValid::new().run(&input, &mut output)`.
nn_core::network! {
    /// `max_pool_valid_relu6.tflite`: input `input` [1, 9, 10, 5] (scale 0.05, zero point -3), output `output` [1, 4, 3, 5] (scale 0.05, zero point -3).
    #[weights = "tests/network_ops/max_pool_valid.safetensors"]
    pub struct MaxPoolValid {
        input: [1, 9, 10, 5],
        // op 0 MAX_POOL_2D: `output` [1, 4, 3, 5], scale 0.05, zero point -3
        maxpool1: tfl_max_pool2d(kernel = (3, 2), stride = (2, 3), padding = valid, act = relu6),
    }
}
