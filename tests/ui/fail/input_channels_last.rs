// TensorFlow's channels-last `[H, W, C]`; image layers read `[C, H, W]`.
use nn_core::network;

network! {
    struct Cnn {
        input: [28, 28, 1],
        conv: conv2d(8, 3, relu),
        flat: flatten,
        out: dense(10),
    }
}

fn main() {
    assert_eq!(Cnn::<f32>::INPUTS, 784);
}
