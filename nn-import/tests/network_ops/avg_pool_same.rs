// `AvgPoolSame`: `avg_pool_same_relu_n1_to_1.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import avg_pool_same_relu_n1_to_1.tflite --name AvgPoolSame --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/avg_pool_same.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `AvgPoolSame::new().run(&input, &mut output)`.
nn_core::network! {
    /// `avg_pool_same_relu_n1_to_1.tflite`: input `input` [1, 9, 10, 5] (scale 0.05, zero point -3), output `output` [1, 5, 5, 5] (scale 0.05, zero point -3).
    #[weights = "tests/network_ops/avg_pool_same.safetensors"]
    pub struct AvgPoolSame {
        input: [1, 9, 10, 5],
        // op 0 AVERAGE_POOL_2D: `output` [1, 5, 5, 5], scale 0.05, zero point -3
        pool1: tfl_avg_pool2d(kernel = (3, 3), stride = (2, 2), padding = same, act = relu_n1_to_1),
    }
}
