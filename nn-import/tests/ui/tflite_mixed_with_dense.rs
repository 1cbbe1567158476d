// A float `network!` layer among `tfl_` layers: one error on it, with the `tfl_` twin.
nn_core::network! {
    #[weights = "../../../../nn-import/tests/network_ops/mixed_io.safetensors"]
    pub struct MixedIo {
        input: f32[1, 10],
        quantize1: tfl_quantize,
        fc1: tfl_fully_connected(6, act = relu),
        dequantize1: tfl_dequantize,
        fc2: dense(3),
        softmax1: tfl_softmax(beta = 1.0),
    }
}

fn main() {}
