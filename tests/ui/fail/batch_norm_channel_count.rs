// `batch_norm(C)`, as PyTorch's `BatchNorm2d(C)`, is checked against the channels it reads.
use nn_core::network;

network! {
    struct Cnn {
        input: [1, 28, 28],
        conv: conv2d(8, 3),
        bn: batch_norm(16, relu),
        flat: flatten,
        out: dense(10),
    }
}

fn main() {
    assert_eq!(Cnn::<f32>::OUTPUTS, 10);
}
