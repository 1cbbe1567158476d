// The file's `gru1` has 5 hidden units; the declaration asks for 7, so `rnn1` expects 7
// inputs per step too. Paths are relative to the crate's Cargo.toml, here trybuild's copy of
// it in target/tests/trybuild/nn.
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/recurrent_stack_f32.safetensors"]
    struct Stack {
        input: [6, 3],
        lstm1: lstm(8),
        lstm2: lstm(6),
        gru1: gru(7),
        rnn1: rnn(4, seq = last),
        head: dense(2),
    }
}

fn main() {}
