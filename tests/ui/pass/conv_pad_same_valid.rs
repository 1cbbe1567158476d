// TensorFlow's `pad = same` and `pad = valid`: SAME keeps `ceil(H / S)` where its padding
// splits evenly between both sides, VALID pads nothing; `batch_norm(C)` restates PyTorch's
// channel count. The flattened size, stated in `dense(784 -> 10)`, checks every shape.
use nn_core::network;

network! {
    struct Cnn {
        input: [1, 28, 28],
        same: conv2d(4, 3, relu, pad = same),           // 4x28x28
        bn: batch_norm(4, relu),
        dilated: conv2d(4, 3, pad = same, dilation = 2), // 4x28x28
        strided: conv2d(4, 4, pad = same, stride = 2),   // 4x14x14: 13·2 + 4 - 28 = 2, 1 per side
        valid: conv2d(4, 1, pad = valid),                // 4x14x14
        flat: flatten,
        out: dense(784 -> 10),
    }
}

fn main() {}
