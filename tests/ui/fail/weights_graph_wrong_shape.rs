// An embedded graph's tensors are checked like a chain's: the file's `c` concatenates `m`
// (5 values) and `feat` (2), so its `v`, `a` and `r` read 7 values; concatenating `img`
// (6) instead makes them read 11.
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/graph_two_heads.safetensors"]
    struct TwoHeads {
        img: input(6),
        feat: input(2),
        h: dense(5, tanh)(img),
        g: dense(5, sigmoid)(h),
        f: dense(5)(feat),
        s: add(h, g, f),
        m: mul(s, h),
        c: concat(m, img, tanh),
        v: dense(1)(c),
        a: dense(3)(c),
        q: dueling(v, a),
        r: dense(2, softmax)(c),
        output: (q, r),
    }
}

fn main() {}
