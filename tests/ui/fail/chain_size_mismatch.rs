// `Encoder` produces 64 values; `Head` reads 32.
use nn_core::network;

network! {
    struct Encoder {
        input: 784,
        fc: dense(64, relu),
    }
}

network! {
    struct Head {
        input: 32,
        out: dense(10),
    }
}

fn main() {
    let _ = nn_core::chain(Encoder::<f32>::zeros(), Head::zeros());
}
