// The file's `gru1` is a GRU; declared as an LSTM, it is reported once, with the kind to
// declare. Paths are relative to trybuild's copy of Cargo.toml in target/tests/trybuild/nn.
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/recurrent_stack_f32.safetensors"]
    struct Stack {
        input: [6, 3],
        lstm1: lstm(8),
        lstm2: lstm(6),
        gru1: lstm(5),
        rnn1: rnn(4, seq = last),
        head: dense(2),
    }
}

fn main() {
    let y = Stack::new().forward(&nn_core::nalgebra::SVector::<f32, 18>::zeros());
    assert_eq!(y.len(), 2);
}
