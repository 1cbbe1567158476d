// `logit` is a typo of `logits`.
use nn_core::network;

network! {
    struct Net {
        input: 16,
        h: dense(8, relu),
        logits: dense(10),
        output: logit,
    }
}

fn main() {}
