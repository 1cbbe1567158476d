// The value stream of a dueling head is one value per sample.
use nn_core::network;

network! {
    struct Net {
        input: 4,
        h: dense(64, relu),
        value: dense(2)(h),
        advantage: dense(2)(h),
        q: dueling(value, advantage),
    }
}

fn main() {}
