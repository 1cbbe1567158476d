// `add` joins nodes of equal size; `H` and `G` are different parameters, compared by name.
use nn_core::network;

network! {
    struct Net<const H: usize, const G: usize> {
        input: 4,
        a: dense(H)(input),
        b: dense(G)(input),
        s: add(a, b),
        out: dense(2),
    }
}

fn main() {}
