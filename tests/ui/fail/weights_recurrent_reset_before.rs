// The GRU with the reset gate before the product does not embed yet; the file's other
// layers match the declaration.
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/recurrent_stack_f32.safetensors"]
    struct Stack {
        input: [6, 3],
        lstm1: lstm(8),
        lstm2: lstm(6),
        gru1: gru(5, reset_after = false),
        rnn1: rnn(4, seq = last),
        head: dense(2),
    }
}

fn main() {}
