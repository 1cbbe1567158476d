// A whole program over a network with size parameters (declare, construct `Net::<64, 32>`,
// train with `Fit`, save, embed) whose one mistake is `batch_norm(G)` after a layer of `H`
// units: one error.
use nn_core::network;

network! {
    /// A classifier with a hidden width and a bottleneck chosen by the user.
    pub struct Net<const H: usize, const G: usize> {
        input: 16,
        fc1: dense(H),
        bn: batch_norm(G, relu),
        fc2: dense(G),
        out: dense(4),
    }
}

type Model = Net<64, 32>;

include!("../program/deployed.rs");
