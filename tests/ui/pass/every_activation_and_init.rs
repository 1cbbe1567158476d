// Every activation and every initialization `network!` knows.
use nn_core::network;
use rand::{rngs::StdRng, SeedableRng};

network! {
    struct Everything {
        input: 4,
        a: dense(6, identity, init = lecun),
        b: dense(6, relu, init = he),
        c: dense(6, leaky_relu, init = xavier),
        d: dense(6, leaky_relu(0.2), init = direction),
        e: dense(6, sigmoid, init = hinges(-1.0, 1.0)),
        f: dense(6, tanh, init = zeros),
        g: dense(3, softmax),
        h: dense(3, init = hinges(-2, 0.5)),
    }
}

fn main() {
    let net = Everything::<f64>::new(&mut StdRng::seed_from_u64(0));
    let x = nn_core::nalgebra::SVector::<f64, 4>::from([0.1, -0.2, 0.3, -0.4]);
    let trace = net.forward_trace(&x);
    let s: f64 = trace.g_x.iter().sum();
    assert!((s - 1.0).abs() < 1e-12);
    assert_eq!(net.forward(&x), *trace.output());
}
