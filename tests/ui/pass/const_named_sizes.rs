// Sizes given as `const` names, paths and `{ const expressions }`, mixed with literals.
use nn_core::network;

const INPUT: usize = 12;
const HIDDEN: usize = 8;

mod sizes {
    pub const OUT: usize = 3;
}

network! {
    struct Mlp {
        input: INPUT,
        a: dense(INPUT -> HIDDEN, relu),
        b: dense(HIDDEN -> { HIDDEN / 2 }, tanh),
        c: dense(4 -> sizes::OUT),
        d: dense(sizes::OUT),
    }
}

fn main() {
    assert_eq!(Mlp::<f32>::INPUTS, 12);
    assert_eq!(Mlp::<f32>::OUTPUTS, 3);
    let y = Mlp::<f32>::zeros().forward(&nn_core::nalgebra::SVector::<f32, 12>::zeros());
    assert_eq!(y.len(), 3);
}
