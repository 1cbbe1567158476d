// `Speech`: `speech.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import speech.tflite --name Speech --out DIR`. Keep and edit it: `network!` checks it against
// `src/speech.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `Speech::new().run(&input, &mut output)`.
nn_core::network! {
    /// `speech.tflite`: input `Reshape_1` [1, 1960] (scale 0.101715684, zero point -128), output `labels_softmax` [1, 4] (scale 0.00390625, zero point -128).
    #[weights = "src/speech.safetensors"]
    pub struct Speech {
        input: [1, 1960],
        // op 0 RESHAPE: `Reshape_2` [1, 49, 40, 1], scale 0.101715684, zero point -128
        reshape1: tfl_reshape([1, 49, 40, 1]),
        // op 1 DEPTHWISE_CONV_2D: `Relu` [1, 25, 20, 8], scale 0.084186986, zero point -128
        dw1: tfl_depthwise_conv2d(kernel = (10, 8), stride = (2, 2), padding = same, multiplier = 8, act = relu),
        reshape2: tfl_reshape([1, 4000]),
        // op 2 FULLY_CONNECTED: `add_1` [1, 4], scale 0.09173192, zero point 14
        fc1: tfl_fully_connected(4),
        // op 3 SOFTMAX: `labels_softmax` [1, 4], scale 0.00390625, zero point -128
        softmax1: tfl_softmax(beta = 1.0),
    }
}
