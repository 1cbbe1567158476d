// Two networks whose sizes agree chain into one; a chain chains further.
use nn_core::{chain, network, Network, Parameters};
use nn_core::nalgebra::SVector;
use rand::{rngs::StdRng, SeedableRng};

network! { struct Encoder { input: 6, fc: dense(4, tanh) } }
network! { struct Middle { input: 4, fc: dense(3, relu) } }
network! { struct Head { input: 3, out: dense(2) } }

fn main() {
    let mut rng = StdRng::seed_from_u64(0);
    let two = chain(Encoder::<f64>::new(&mut rng), Middle::new(&mut rng));
    let y: SVector<f64, 3> = two.forward(&SVector::zeros());
    assert_eq!(y.len(), 3);
    let three = chain(two, Head::new(&mut rng));
    let z: SVector<f64, 2> = three.forward(&SVector::zeros());
    assert_eq!(z.len(), 2);
    assert_eq!(three.tensor_count(), 6);
}
