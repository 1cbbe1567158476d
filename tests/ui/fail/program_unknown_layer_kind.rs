// A layer kind `linear` is called `dense` here; the size after it is still known.
// A whole program (declare, construct, train with `Fit`, save, embed) with this one mistake
// reports one error: the macro's stand-in has every method and trait impl the valid network has.
use nn_core::network;

network! {
    /// A digit classifier.
    pub struct Net {
        input: 784,
        fc1: linear(128),
        out: dense(10),
    }
}

include!("../program/uses_net.rs");
