// The smallest network: one layer.
use nn_core::network;

network! { struct Linear { input: 3, out: dense(1) } }

fn main() {
    let net: Linear = Linear::zeros();
    let y = net.forward(&nn_core::nalgebra::SVector::<f32, 3>::zeros());
    assert_eq!(y[0], 0.0);
    assert_eq!(Linear::<f32>::PARAMETERS, 4);
}
