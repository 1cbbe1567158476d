// A network's generic parameters are sizes; the scalar type `T` is already there.
use nn_core::network;

network! {
    struct Mlp<const H: u32> {
        input: 4,
        fc1: dense(H),
    }
}

fn main() {}
