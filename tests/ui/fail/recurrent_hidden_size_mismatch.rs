use nn_core::network;

network! {
    struct Stack {
        input: [20, 8],
        lstm1: lstm(64),
        lstm2: lstm(32 -> 16, seq = last),
        out: dense(1),
    }
}

fn main() {}
