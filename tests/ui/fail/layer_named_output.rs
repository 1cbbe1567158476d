// `output` lists the network's outputs; it cannot name a layer.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(128, relu),
        output: dense(10),
    }
}

fn main() {
    let _ = Mlp::<f32>::zeros().forward(&nn_core::nalgebra::SVector::<f32, 784>::zeros());
}
