// Python writes a shape as a tuple; `network!` as a bracketed list.
use nn_core::network;

network! {
    struct Cnn {
        input: (1, 28, 28),
        conv: conv2d(8, 3, relu),
        flat: flatten,
        out: dense(10),
    }
}

fn main() {
    assert_eq!(Cnn::<f32>::INPUTS, 784);
}
