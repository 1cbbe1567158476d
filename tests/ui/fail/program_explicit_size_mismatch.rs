// The README's example: `fc2` restates its input size wrongly.
// A whole program (declare, construct, train with `Fit`, save, embed) with this one mistake
// reports one error: the macro's stand-in has every method and trait impl the valid network has.
use nn_core::network;

network! {
    /// A digit classifier.
    pub struct Net {
        input: 784,
        fc1: dense(128, relu, init = he),
        fc2: dense(48 -> 32, relu),
        out: dense(10),
    }
}

include!("../program/uses_net.rs");
