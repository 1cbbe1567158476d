use nn_core::network;

network! {
    struct Flat {
        input: 160,
        rnn1: rnn(16, seq = sometimes),
        out: dense(1),
    }
}

fn main() {}
