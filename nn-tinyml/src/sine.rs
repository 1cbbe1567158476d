// `Sine`: `sine.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import sine.tflite --name Sine --out DIR`. Keep and edit it: `network!` checks it against
// `src/sine.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `Sine::new().run(&input, &mut output)`.
nn_core::network! {
    /// `sine.tflite`: input `serving_default_dense_2_input:0` [1, 1] (scale 0.024573976, zero point -128), output `StatefulPartitionedCall:0` [1, 1] (scale 0.008269669, zero point 7).
    #[weights = "src/sine.safetensors"]
    pub struct Sine {
        input: [1, 1],
        // op 0 FULLY_CONNECTED: `sequential_1/dense_2/MatMul;sequential_1/dense_2/Relu;sequential_1/dense_2/BiasAdd` [1, 16], scale 0.0110060545, zero point -128
        fc1: tfl_fully_connected(16, act = relu),
        // op 1 FULLY_CONNECTED: `sequential_1/dense_3/MatMul;sequential_1/dense_3/Relu;sequential_1/dense_3/BiasAdd` [1, 16], scale 0.008667699, zero point -128
        fc2: tfl_fully_connected(16, act = relu),
        // op 2 FULLY_CONNECTED: `StatefulPartitionedCall:0` [1, 1], scale 0.008269669, zero point 7
        fc3: tfl_fully_connected(1),
    }
}
