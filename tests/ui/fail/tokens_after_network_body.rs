// One `network!` declares one network: a second `struct` after the first one's body is
// reported where it starts, with a hint, and the first network is still declared (the program
// using it compiles).
use nn_core::network;

network! {
    struct Encoder {
        input: 784,
        fc1: dense(32, relu),
    }
    struct Head {
        input: 32,
        out: dense(10),
    }
}

fn main() {
    let _ = Encoder::<f32>::zeros().forward(&nn_core::nalgebra::SVector::<f32, 784>::zeros());
}
