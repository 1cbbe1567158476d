// TensorFlow's SAME padding of an even kernel pads one side more than the other, which
// `conv2d` cannot.
use nn_core::network;

network! {
    struct Cnn {
        input: [1, 28, 28],
        conv: conv2d(8, 4, relu, pad = same),
        flat: flatten,
        out: dense(10),
    }
}

fn main() {
    assert_eq!(Cnn::<f32>::OUTPUTS, 10);
}
