// `MnistCnn`: `mnist_cnn_int8.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import mnist_cnn_int8.tflite --name MnistCnn --out DIR`. Keep and edit it: `network!` checks it against
// `src/mnist_cnn.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `MnistCnn::new().run(&input, &mut output)`.
nn_core::network! {
    /// `mnist_cnn_int8.tflite`: input `input` [1, 28, 28, 1] (scale 0.012728234, zero point -95), output `fc` [1, 10] (scale 0.13010071, zero point 18).
    #[weights = "src/mnist_cnn.safetensors"]
    pub struct MnistCnn {
        input: [1, 28, 28, 1],
        // op 0 CONV_2D: `conv1` [1, 28, 28, 8], scale 0.020703126, zero point -128
        conv1: tfl_conv2d(8, kernel = (3, 3), stride = (1, 1), padding = same, act = relu),
        // op 1 MAX_POOL_2D: `maxpool1` [1, 14, 14, 8], scale 0.020703126, zero point -128
        maxpool1: tfl_max_pool2d(kernel = (2, 2), stride = (2, 2), padding = valid),
        // op 2 CONV_2D: `conv2` [1, 14, 14, 16], scale 0.036808036, zero point -128
        conv2: tfl_conv2d(16, kernel = (3, 3), stride = (1, 1), padding = same, act = relu),
        // op 3 MAX_POOL_2D: `maxpool2` [1, 7, 7, 16], scale 0.036808036, zero point -128
        maxpool2: tfl_max_pool2d(kernel = (2, 2), stride = (2, 2), padding = valid),
        reshape1: tfl_reshape([1, 784]),
        // op 4 FULLY_CONNECTED: `fc` [1, 10], scale 0.13010071, zero point 18
        fc1: tfl_fully_connected(10),
    }
}
