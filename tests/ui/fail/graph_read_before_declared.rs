// `a` reads `b`, which is declared after it.
use nn_core::network;

network! {
    struct Net {
        input: 8,
        a: dense(4)(b),
        b: dense(4)(input),
        out: add(a, b),
    }
}

fn main() {}
