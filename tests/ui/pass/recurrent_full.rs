//! Stacked, bidirectional and reset-before recurrent layers with sizes given as `const`
//! names: the macro leaves `2 * HIDDEN` to the compiler, which checks the dense head.
use nn_core::{network, Parameters};

const HIDDEN: usize = 6;
const STEPS: usize = 4;

network! {
    struct Seq {
        input: [STEPS, 3],
        lstm1: lstm(HIDDEN, layers = 3, bidirectional = true, dropout = 0.1),
        gru1: gru({ 2 * HIDDEN } -> 5, reset_after = false, layers = 2),
        rnn1: rnn(4, bidirectional = true, seq = last),
        out: dense(8 -> 2),
    }
}

fn main() {
    use rand::SeedableRng;
    let net: Seq<f64> = Seq::new(&mut rand::rngs::StdRng::seed_from_u64(0));
    let y = net.forward(&nn_core::nalgebra::SVector::<f64, 12>::from_element(0.5));
    assert_eq!(y.len(), 2);
    let mut names = Vec::new();
    net.visit(|info, _| names.push(info.to_string()));
    assert_eq!(names[4], "lstm1.weight_ih_l0_reverse");
    assert_eq!(names[20], "lstm1.weight_ih_l2_reverse");
    assert_eq!(net.tensor_info(20).unwrap().shape.dims(), &[24, 12]);
}
