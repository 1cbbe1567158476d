// `hiden` is a typo of `hidden`.
use nn_core::network;

network! {
    struct Net {
        input: 8,
        hidden: dense(4, relu),
        out: dense(2)(hiden),
    }
}

fn main() {}
