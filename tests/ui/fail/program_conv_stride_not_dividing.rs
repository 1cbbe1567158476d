// A stride of 2 does not divide (28 - 3) evenly.
// A whole program (declare, construct, train with `Fit`, save, embed) with this one mistake
// reports one error: the macro's stand-in has every method and trait impl the valid network has.
use nn_core::network;

network! {
    /// A digit classifier.
    pub struct Net {
        input: [1, 28, 28],
        conv: conv2d(8, 3, relu, stride = 2),
        flat: flatten,
        out: dense(10),
    }
}

include!("../program/uses_net.rs");
