// The file's `lstm1` is one layer; the declaration stacks two, whose second layer's tensors
// the file does not hold.
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/recurrent_stack_f32.safetensors"]
    struct Stack {
        input: [6, 3],
        lstm1: lstm(8, layers = 2),
        lstm2: lstm(6),
        gru1: gru(5),
        rnn1: rnn(4, seq = last),
        head: dense(2),
    }
}

fn main() {}
