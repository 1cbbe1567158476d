// The concatenation has 64 + 32 = 96 values, not the 100 `out` declares.
use nn_core::network;

network! {
    struct Net {
        input: 16,
        a: dense(64, relu),
        b: dense(32, relu)(input),
        both: concat(a, b),
        out: dense(100 -> 10),
    }
}

fn main() {}
