// The input size is `78A`: the network's input size is unknown, and stands as one constant
// holding the error, reported once.
// A whole program (declare, construct, train with `Fit`, save, embed) with this one mistake
// reports one error: the macro's stand-in has every method and trait impl the valid network has.
use nn_core::network;

network! {
    /// A digit classifier.
    pub struct Net {
        input: 78A,
        fc1: dense(128, relu),
        out: dense(10),
    }
}

include!("../program/uses_net.rs");
