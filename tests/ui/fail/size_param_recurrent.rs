// An LSTM's weights have `4·H` gate rows: with a size parameter for `H` the generated types
// would compute with it, which stable Rust cannot, so the macro says so (not the compiler's
// "generic parameters may not be used in const operations"). `gru` and `rnn` alike.
use nn_core::network;

network! {
    struct Tagger<const H: usize> {
        input: [5, 3],
        lstm1: lstm(H, seq = last),
        out: dense(2),
    }
}

fn main() {}
