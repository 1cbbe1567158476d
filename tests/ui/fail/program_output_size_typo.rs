// The output size is `1O` (a letter O): the size the program reads from the network is
// unknown, and stands as one constant holding the error, reported once.
// A whole program (declare, construct, train with `Fit`, save, embed) with this one mistake
// reports one error: the macro's stand-in has every method and trait impl the valid network has.
use nn_core::network;

network! {
    /// A digit classifier.
    pub struct Net {
        input: 784,
        fc1: dense(128, relu),
        out: dense(1O),
    }
}

include!("../program/uses_net.rs");
