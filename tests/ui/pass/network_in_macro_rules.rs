// `network!` expanded inside a `macro_rules!`: the user's names (inputs, layers) and the
// macro's own (`self`, parameters) must resolve together, for one input and for several.
use nn_core::nalgebra::SVector;

macro_rules! declare {
    ($name:ident { $($body:tt)* }) => {
        nn_core::network! { pub struct $name { $($body)* } }
    };
}

declare!(Chain {
    input: 3,
    h: dense(4, relu),
    out: dense(2),
});

declare!(TwoInputs {
    img: input(3),
    feat: input(2),
    h: dense(4, tanh)(img),
    c: concat(h, feat),
    out: dense(2)(c),
});

fn main() {
    let chain = Chain::<f64>::zeros();
    let y: SVector<f64, 2> = chain.forward(&SVector::from([1.0, 2.0, 3.0]));
    assert_eq!(y, SVector::<f64, 2>::zeros());
    let two = TwoInputs::<f64>::zeros();
    let y: SVector<f64, 2> = two.forward(&SVector::from([1.0, 2.0, 3.0]), &SVector::from([1.0, 2.0]));
    assert_eq!(y, SVector::<f64, 2>::zeros());
}
