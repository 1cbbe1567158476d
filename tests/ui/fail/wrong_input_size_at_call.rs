// The network reads 784 values; the caller passes 100.
use nn_core::nalgebra::SVector;
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(128, relu),
        out: dense(10),
    }
}

fn main() {
    let net: Mlp = Mlp::zeros();
    let _ = net.forward(&SVector::<f32, 100>::zeros());
}
