// `FcBatchSoftmax`: `fc_per_channel_batch_softmax.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import fc_per_channel_batch_softmax.tflite --name FcBatchSoftmax --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/fc_batch_softmax.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `FcBatchSoftmax::new().run(&input, &mut output)`.
nn_core::network! {
    /// `fc_per_channel_batch_softmax.tflite`: input `input` [3, 12] (scale 0.06, zero point -4), output `probabilities` [3, 6] (scale 0.00390625, zero point -128).
    #[weights = "tests/network_ops/fc_batch_softmax.safetensors"]
    pub struct FcBatchSoftmax {
        input: [3, 12],
        // op 0 FULLY_CONNECTED: `logits` [3, 6], scale 0.08, zero point 5
        fc1: tfl_fully_connected(6),
        // op 1 SOFTMAX: `probabilities` [3, 6], scale 0.00390625, zero point -128
        softmax1: tfl_softmax(beta = 0.7),
    }
}
