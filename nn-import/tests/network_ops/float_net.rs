// `FloatNet`: `float_net.tflite` (TFLite, float32) as a `network!` declaration, written by
// `nn-import float_net.tflite --name FloatNet --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/float_net.safetensors` (weights, biases and each activation's
// shape) at compile time. Run it with `FloatNet::new().run(&input, &mut output)`.
nn_core::network! {
    /// `float_net.tflite`: input `input` [1, 8, 8, 2] (float32), output `output` [1, 5] (float32).
    #[weights = "tests/network_ops/float_net.safetensors"]
    pub struct FloatNet {
        input: f32[1, 8, 8, 2],
        // op 0 CONV_2D: `conv` [1, 8, 8, 4], float32
        conv1: tfl_conv2d(4, kernel = (3, 3), stride = (1, 1), padding = same, act = relu),
        // op 1 DEPTHWISE_CONV_2D: `dw` [1, 6, 6, 8], float32
        dw1: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = valid, multiplier = 2, act = relu6),
        // op 2 AVERAGE_POOL_2D: `avg` [1, 3, 3, 8], float32
        pool1: tfl_avg_pool2d(kernel = (2, 2), stride = (2, 2), padding = valid),
        // op 3 MAX_POOL_2D: `max` [1, 2, 2, 8], float32
        maxpool1: tfl_max_pool2d(kernel = (2, 2), stride = (2, 2), padding = same),
        // op 4 RESHAPE: `flat` [1, 32], float32
        reshape1: tfl_reshape([1, 32]),
        // op 5 FULLY_CONNECTED: `fc` [1, 5], float32
        fc1: tfl_fully_connected(5),
        // `logit_shift` [5], float32
        constant1: tfl_constant(f32[5]),
        // op 6 ADD: `logits` [1, 5], float32
        add1: tfl_add()(fc1, constant1),
        // op 7 SOFTMAX: `output` [1, 5], float32
        softmax1: tfl_softmax(beta = 1.0),
    }
}
