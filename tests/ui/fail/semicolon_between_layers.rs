// Entries are separated by commas; a `;` is reported where it stands, and the rest of the
// declaration is read as meant (the program using it compiles).
use nn_core::network;

network! {
    struct Mlp {
        input: 784;
        fc1: dense(128, relu),
        out: dense(10),
    }
}

fn main() {
    let _ = Mlp::<f32>::zeros().forward(&nn_core::nalgebra::SVector::<f32, 784>::zeros());
}
