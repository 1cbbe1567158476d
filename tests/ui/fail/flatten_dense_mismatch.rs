// 8 x 14 x 14 = 1568 values reach the dense layer, which declares 784.
use nn_core::network;

network! {
    struct Net {
        input: [1, 28, 28],
        conv: conv2d(8, 3, relu, pad = 1),
        pool: max_pool2d(2),
        flat: flatten,
        out: dense(784 -> 10),
    }
}

fn main() {}
