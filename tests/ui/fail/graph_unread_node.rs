// `side` is computed, but neither read nor an output.
use nn_core::network;

network! {
    struct Net {
        input: 16,
        h: dense(8, relu),
        side: dense(4)(h),
        out: dense(2)(h),
    }
}

fn main() {}
