use nn_core::network;

network! {
    struct Head {
        input: [20, 8],
        gru1: gru(16),
        out: dense(1),
    }
}

fn main() {}
