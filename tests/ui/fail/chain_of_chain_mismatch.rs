// A chain is a network too: what follows it must read its last network's output.
use nn_core::{chain, network};

network! { struct Encoder { input: 784, fc: dense(64, relu) } }
network! { struct Middle { input: 64, fc: dense(16, relu) } }
network! { struct Head { input: 32, out: dense(10) } }

fn main() {
    let body = chain(Encoder::<f32>::zeros(), Middle::zeros());
    let _ = chain(body, Head::zeros());
}
