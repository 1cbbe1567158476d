// A `const` size that turns out to be 0: only the compiler can tell.
use nn_core::network;

const WIDTH: usize = 0;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(WIDTH, relu),
        out: dense(10),
    }
}

fn main() {}
