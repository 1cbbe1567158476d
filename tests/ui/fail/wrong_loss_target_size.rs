// The network has 10 outputs; the target vector has 5 values.
use nn_core::loss::{CrossEntropy, LossExt};
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
    let out = net.forward(&SVector::zeros());
    let _ = CrossEntropy.value(&out, &SVector::<f32, 5>::zeros());
}
