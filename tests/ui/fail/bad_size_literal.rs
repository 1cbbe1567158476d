// Sizes are whole numbers.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(12.5, relu),
        out: dense(10u8),
    }
}

fn main() {}
