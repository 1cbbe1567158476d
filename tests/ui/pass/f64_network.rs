// A network in f64: the scalar type is the struct's parameter.
use nn_core::nalgebra::SVector;
use nn_core::network;
use rand::{rngs::StdRng, SeedableRng};

network! {
    struct Mlp {
        input: 3,
        hidden: dense(5, tanh),
        out: dense(2),
    }
}

fn main() {
    let net = Mlp::<f64>::new(&mut StdRng::seed_from_u64(0));
    let y: SVector<f64, 2> = net.forward(&SVector::<f64, 3>::zeros());
    assert_eq!(y.len(), 2);
    assert_eq!(Mlp::<f64>::INPUTS, 3);
    assert_eq!(Mlp::<f64>::OUTPUTS, 2);
}
