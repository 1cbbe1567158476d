// A size parameter given the value 0: checked like a literal size, when the network is made.
use nn_core::network;

network! {
    struct Mlp<const H: usize, const CLASSES: usize> {
        input: 4,
        hidden: dense(H, relu),
        out: dense(H -> CLASSES),
    }
}

fn main() {
    let _net: Mlp<0, 3> = Mlp::zeros();
}
