// A dense layer reads one node; two must be joined first.
use nn_core::network;

network! {
    struct Net {
        img: input(784),
        extra: input(1),
        out: dense(10)(img, extra),
    }
}

fn main() {}
