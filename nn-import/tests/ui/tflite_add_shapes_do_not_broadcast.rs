// An ADD of two nodes whose shapes do not broadcast ([1, 2, 2, 8] and [1, 4, 4, 8]): one
// error on the parents, naming both nodes, their dtypes and shapes.
nn_core::network! {
    #[weights = "../../../../nn-import/tests/network_ops/float_chain.safetensors"]
    pub struct FloatChain {
        input: [1, 6, 6, 2],
        dequantize1: tfl_dequantize,
        conv1: tfl_conv2d(4, kernel = (3, 3), stride = (1, 1), padding = same, act = relu6),
        dw1: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = valid, multiplier = 2),
        pool1: tfl_avg_pool2d(kernel = (2, 2), stride = (2, 2), padding = valid),
        maxpool1: tfl_max_pool2d(kernel = (2, 2), stride = (1, 1), padding = same, act = relu_n1_to_1),
        constant1: tfl_constant(f32[1, 2, 2, 8]),
        add1: tfl_add(act = relu)(maxpool1, dw1),
        reshape1: tfl_reshape([1, 32]),
        fc1: tfl_fully_connected(5),
        softmax1: tfl_softmax(beta = 1.3),
        quantize1: tfl_quantize,
    }
}

fn main() {}
