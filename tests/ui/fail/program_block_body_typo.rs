// A misspelled initialization inside a block used three times: reported once, in the block's
// body where it is written, not again at each use.
// A whole program (declare, construct, train with `Fit`, save, embed) with this one mistake
// reports one error: the macro's stand-in has every method and trait impl the valid network has.
use nn_core::network;

network! {
    block Unit(width) {
        fc: dense(width, relu, init = he_normal),
    }

    /// A digit classifier.
    pub struct Net {
        input: 784,
        a: Unit(128),
        b: Unit(64),
        c: Unit(32),
        out: dense(10),
    }
}

include!("../program/uses_net.rs");
