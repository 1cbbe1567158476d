// Input sizes may be left out (taken from the previous layer) or restated.
use nn_core::network;

network! {
    struct Mlp {
        input: 8,
        a: dense(8 -> 16, relu),
        b: dense(4),
        c: dense(4 -> 2),
        d: dense(3),
    }
}

fn main() {
    assert_eq!(Mlp::<f32>::INPUTS, 8);
    assert_eq!(Mlp::<f32>::OUTPUTS, 3);
    assert_eq!(Mlp::<f32>::PARAMETERS, 8 * 16 + 16 + 16 * 4 + 4 + 4 * 2 + 2 + 2 * 3 + 3);
}
