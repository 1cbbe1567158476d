// An input size but no layer.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
    }
}

fn main() {}
