// A whole program over a network with a size parameter (declare, construct `Net::<64>`, train
// with `Fit`, save, embed) whose one mistake is an input size computed from the parameter: the
// input size is unknown, and stands as one constant holding the error, reported once.
use nn_core::network;

network! {
    /// An image classifier over a chosen number of channels.
    pub struct Net<const H: usize> {
        input: [H, 28, 28],
        f: flatten,
        out: dense(4),
    }
}

type Model = Net<64>;

include!("../program/deployed.rs");
