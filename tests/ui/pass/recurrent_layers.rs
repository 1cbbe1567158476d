//! Stacked recurrent layers over a sequence input, a dense head on the last state, and
//! PyTorch's names per layer.
use nn_core::{network, Parameters};

network! {
    struct Seq {
        input: [5, 3],
        lstm1: lstm(8),
        gru1: gru(8 -> 6),
        rnn1: rnn(4, seq = last, init = xavier),
        out: dense(2),
    }
}

fn main() {
    use rand::SeedableRng;
    let net: Seq<f64> = Seq::new(&mut rand::rngs::StdRng::seed_from_u64(0));
    let x = nn_core::nalgebra::SVector::<f64, 15>::from_element(0.5);
    let y = net.forward(&x);
    assert_eq!(y.len(), 2);
    let mut names = Vec::new();
    net.visit(|info, _| names.push(info.to_string()));
    assert_eq!(names[0], "lstm1.weight_ih_l0");
    assert_eq!(names[5], "gru1.weight_hh_l0");
    assert_eq!(net.tensor_info(0).unwrap().shape.dims(), &[32, 3]);
}
