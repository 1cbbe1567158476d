// `FloatChain`: `float_chain.tflite` (TFLite, int8 and float32) as a `network!` declaration, written by
// `nn-import float_chain.tflite --name FloatChain --out DIR`. Keep and edit it: `network!` checks it against
// `src/float_chain.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `FloatChain::new().run(&input, &mut output)`.
nn_core::network! {
    /// `float_chain.tflite`: input `input` [1, 6, 6, 2] (scale 0.03, zero point -10), output `output` [1, 5] (scale 0.00390625, zero point -128).
    #[weights = "src/float_chain.safetensors"]
    pub struct FloatChain {
        input: [1, 6, 6, 2],
        // op 0 DEQUANTIZE: `x` [1, 6, 6, 2], float32
        dequantize1: tfl_dequantize,
        // op 1 CONV_2D: `conv` [1, 6, 6, 4], float32
        conv1: tfl_conv2d(4, kernel = (3, 3), stride = (1, 1), padding = same, act = relu6),
        // op 2 DEPTHWISE_CONV_2D: `dw` [1, 4, 4, 8], float32
        dw1: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = valid, multiplier = 2),
        // op 3 AVERAGE_POOL_2D: `avg` [1, 2, 2, 8], float32
        pool1: tfl_avg_pool2d(kernel = (2, 2), stride = (2, 2), padding = valid),
        // op 4 MAX_POOL_2D: `max` [1, 2, 2, 8], float32
        maxpool1: tfl_max_pool2d(kernel = (2, 2), stride = (1, 1), padding = same, act = relu_n1_to_1),
        // `offset` [1, 2, 2, 8], float32
        constant1: tfl_constant(f32[1, 2, 2, 8]),
        // op 5 ADD: `add` [1, 2, 2, 8], float32
        add1: tfl_add(act = relu)(maxpool1, constant1),
        // op 6 RESHAPE: `flat` [1, 32], float32
        reshape1: tfl_reshape([1, 32]),
        // op 7 FULLY_CONNECTED: `logits` [1, 5], float32
        fc1: tfl_fully_connected(5),
        // op 8 SOFTMAX: `probabilities` [1, 5], float32
        softmax1: tfl_softmax(beta = 1.3),
        // op 9 QUANTIZE: `output` [1, 5], scale 0.00390625, zero point -128
        quantize1: tfl_quantize,
    }
}
