// `AddRelu`: `add_relu.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import add_relu.tflite --name AddRelu --out DIR`. Keep and edit it: `network!` checks it against
// `tests/network_ops/add_relu.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `AddRelu::new().run(&input, &mut output)`.
nn_core::network! {
    /// `add_relu.tflite`: input `input` [1, 4, 4, 3] (scale 0.07, zero point 10), output `output` [1, 4, 4, 3] (scale 0.06, zero point -20).
    #[weights = "tests/network_ops/add_relu.safetensors"]
    pub struct AddRelu {
        input: [1, 4, 4, 3],
        // `constant` [1, 4, 4, 3], scale 0.03, zero point -5
        constant1: tfl_constant([1, 4, 4, 3]),
        // op 0 ADD: `output` [1, 4, 4, 3], scale 0.06, zero point -20
        add1: tfl_add(act = relu)(input, constant1),
    }
}
