// An element-wise sum of 64 and 32 values.
use nn_core::network;

network! {
    struct Net {
        input: 16,
        wide: dense(64, relu),
        narrow: dense(32, relu)(input),
        sum: add(wide, narrow),
    }
}

fn main() {}
