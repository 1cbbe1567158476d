// `batch_norm(G)` restates the feature count, but `fc1` produces `H`.
use nn_core::network;

network! {
    struct Net<const H: usize, const G: usize> {
        input: 4,
        fc1: dense(H),
        bn: batch_norm(G, relu),
        out: dense(2),
    }
}

fn main() {}
