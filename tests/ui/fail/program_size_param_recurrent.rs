// A whole program over a network with a size parameter (declare, construct `Net::<64>`, train
// with `Fit`, save, embed) whose one mistake is a recurrent layer of the parameter's size: one
// error.
use nn_core::network;

network! {
    /// A sequence classifier of a chosen width.
    pub struct Net<const H: usize> {
        input: [5, 3],
        rnn1: gru(H, seq = last),
        out: dense(4),
    }
}

type Model = Net<64>;

include!("../program/deployed.rs");
