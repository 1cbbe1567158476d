// `fc2` reads `G` values; `fc1` produces `H`. Size parameters are compared by name.
use nn_core::network;

network! {
    struct Mlp<const H: usize, const G: usize> {
        input: 4,
        fc1: dense(H, relu),
        fc2: dense(G -> 3),
    }
}

fn main() {
    let net: Mlp<8, 8> = Mlp::zeros();
    let _ = net;
}
