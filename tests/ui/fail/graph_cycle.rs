// `a` reads `c`, which reads `b`, which reads `a`.
use nn_core::network;

network! {
    struct Net {
        input: 4,
        a: dense(4)(c),
        b: dense(4)(a),
        c: add(b, input),
    }
}

fn main() {}
