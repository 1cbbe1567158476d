// A wrong declaration is reported once: the code that builds the network still compiles
// against the stub the macro emits, and adds no error of its own.
use nn_core::network;
use rand::{rngs::StdRng, SeedableRng};

network! {
    /// Documented.
    pub struct Mlp {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(100 -> 10),
    }
}

fn main() {
    let mut rng = StdRng::seed_from_u64(0);
    let _a: Mlp = Mlp::new(&mut rng);
    let _b = Mlp::<f64>::zeros();
}
