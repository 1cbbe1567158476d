//! Every activation, as a hidden and as an output activation, in networks of 1, 2 and 4
//! layers, with a squared-error loss on a vector target (every output matters).
//!
//! For each activation `A` the suite declares
//!
//! - `One`: `3 -> 4`, `A` on the output;
//! - `Two`: `3 -> 5 (A) -> 4` (identity output): `A` hidden;
//! - `Four`: `3 -> 6 (A) -> 5 (A) -> 4 (A) -> 3 (A)`: `A` hidden and on the output;
//!
//! and checks each at three inputs for each of three networks drawn from seeds. Inputs that
//! put a ReLU pre-activation within `KINK` of 0 are skipped (`check` asserts that none does),
//! and so are seeds whose ReLU network is dead on the whole input box.

use crate::{check, random_net, random_vector, rng, usable};
use nn_core::loss::{LossExt, SquaredError};
use nn_core::nalgebra::SVector;

/// Checks `net` at three random inputs with a squared-error loss on a random target,
/// skipping inputs that put a ReLU at its kink or make every gradient vanish (dead ReLUs).
/// Returns false, having checked nothing, when no input out of 100 is usable (a ReLU network
/// can be dead on the whole input box).
fn run<const I: usize, const O: usize, N: crate::Checked<I, O>>(
    what: &str,
    net: &N,
    seed: u64,
) -> bool {
    let mut r = rng(seed ^ 0x5eed);
    let mut checked = 0;
    for k in 0..100 {
        let x: SVector<f64, I> = random_vector(&mut r);
        let y: SVector<f64, O> = random_vector(&mut r);
        let loss = |f: &SVector<f64, O>| SquaredError.value_and_grad(f, &y).unwrap();
        if !usable(net, &x, loss) {
            continue;
        }
        check(&format!("{what}, input {k}"), net, &x, loss);
        checked += 1;
        if checked == 3 {
            return true;
        }
    }
    assert_eq!(
        checked, 0,
        "{what}: only {checked} of 100 inputs were usable"
    );
    false
}

/// Runs [`run`] on networks drawn from seeds `first..`, until three networks are checked.
fn three_networks<const I: usize, const O: usize, N: crate::Checked<I, O>>(
    what: &str,
    first: u64,
    new: impl Fn(&mut rand::rngs::StdRng) -> N,
) {
    let mut done = 0;
    for seed in first..first + 20 {
        let net = random_net(seed, &new);
        done += usize::from(run(&format!("{what}, seed {seed}"), &net, seed));
        if done == 3 {
            return;
        }
    }
    panic!("{what}: only {done} of 20 seeds gave a network that is not dead");
}

macro_rules! activation_suite {
    ($module:ident: $($act:tt)+) => {
        mod $module {
            use super::*;

            nn_core::network! {
                /// The activation on the output of a single layer.
                struct One { input: 3, out: dense(4, $($act)+) }
            }
            nn_core::network! {
                /// The activation on a hidden layer.
                struct Two { input: 3, hidden: dense(5, $($act)+), out: dense(4) }
            }
            nn_core::network! {
                /// The activation on three hidden layers and the output.
                struct Four {
                    input: 3,
                    h1: dense(6, $($act)+),
                    h2: dense(5, $($act)+),
                    h3: dense(4, $($act)+),
                    out: dense(3, $($act)+),
                }
            }
            checked!(One: 3 -> 4, z: [out_z]);
            checked!(Two: 3 -> 4, z: [hidden_z, out_z]);
            checked!(Four: 3 -> 3, z: [h1_z, h2_z, h3_z, out_z]);

            const NAME: &str = stringify!($($act)+);

            #[test]
            fn one_layer() {
                three_networks(&format!("{NAME}, 1 layer"), 10, |r| One::<f64>::new(r));
            }

            #[test]
            fn two_layers() {
                three_networks(&format!("{NAME}, 2 layers"), 40, |r| Two::<f64>::new(r));
            }

            #[test]
            fn four_layers() {
                three_networks(&format!("{NAME}, 4 layers"), 70, |r| Four::<f64>::new(r));
            }
        }
    };
}

activation_suite!(identity: identity);
activation_suite!(relu: relu);
activation_suite!(leaky_relu_default: leaky_relu);
activation_suite!(leaky_relu_0_2: leaky_relu(0.2));
activation_suite!(sigmoid: sigmoid);
activation_suite!(tanh: tanh);
activation_suite!(softmax: softmax);

nn_core::network! {
    /// Softmax between two ReLU layers (softmax hidden, mixed with a kinked activation).
    struct SoftmaxSandwich {
        input: 4,
        a: dense(5, relu),
        s: dense(6, softmax),
        b: dense(3, tanh),
        out: dense(2, softmax),
    }
}
checked!(SoftmaxSandwich: 4 -> 2, z: [a_z, s_z, b_z, out_z]);

#[test]
fn softmax_hidden_between_other_activations() {
    three_networks(
        "relu-softmax-tanh-softmax",
        100,
        SoftmaxSandwich::<f64>::new,
    );
}
