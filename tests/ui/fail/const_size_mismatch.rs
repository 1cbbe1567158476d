// `fc2` says it reads `H` = 64 values; `fc1` produces 128. Only the compiler knows `H`.
use nn_core::network;

const H: usize = 64;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(H -> 10),
    }
}

fn main() {}
