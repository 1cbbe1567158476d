// The float32 input of `mixed_io` declared int8: the file holds no quantization for it.
nn_core::network! {
    #[weights = "../../../../nn-import/tests/network_ops/mixed_io.safetensors"]
    pub struct MixedIo {
        input: [1, 10],
        quantize1: tfl_quantize,
        fc1: tfl_fully_connected(6, act = relu),
        dequantize1: tfl_dequantize,
        fc2: tfl_fully_connected(3),
        softmax1: tfl_softmax(beta = 1.0),
    }
}

fn main() {}
