// A comma missing inside a block's body (`dense(width act)`), in a block used twice: reported
// once, where it is written, and the two arguments kept, so neither use reports it again.
// A whole program (declare, construct, train with `Fit`, save, embed) with this one mistake
// reports one error: the macro's stand-in has every method and trait impl the valid network has.
use nn_core::network;

network! {
    block Unit(width, act = relu) {
        fc: dense(width act),
    }

    /// A digit classifier.
    pub struct Net {
        input: 784,
        a: Unit(128),
        b: Unit(32),
        out: dense(10),
    }
}

include!("../program/uses_net.rs");
