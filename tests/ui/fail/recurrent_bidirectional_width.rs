// A bidirectional layer gives both directions' hidden states per step: 2 x 4 = 8 values.
use nn_core::network;

network! {
    struct Bi {
        input: [5, 3],
        l1: lstm(4, bidirectional = true),
        l2: gru(4 -> 6, seq = last),
        out: dense(1),
    }
}

fn main() {}
