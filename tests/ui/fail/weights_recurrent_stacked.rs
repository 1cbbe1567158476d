// Stacked, bidirectional and reset-before recurrent layers do not embed yet.
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/recurrent_stack_f32.safetensors"]
    struct Stack {
        input: [6, 3],
        lstm1: lstm(8, layers = 2),
        lstm2: lstm(6, bidirectional = true),
        gru1: gru(5, reset_after = false),
        rnn1: rnn(4, seq = last),
        head: dense(2),
    }
}

fn main() {}
