// Both sides are `const` names: the check names both and the values they have.
use nn_core::network;

const PIXELS: usize = 784;
const FEATURES: usize = 748;

network! {
    struct Mlp {
        input: PIXELS,
        fc1: dense(FEATURES -> 128, relu),
        out: dense(10),
    }
}

fn main() {}
