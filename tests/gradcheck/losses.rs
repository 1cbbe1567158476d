//! Every loss and target kind through networks of 1, 2 and 4 layers: squared error with
//! vector and with class targets, cross-entropy with class labels and with probability
//! targets, hinge with class labels, Huber with vector and with class targets.

use crate::{
    check, closest_to_zero, random_net, random_probabilities, random_vector, rng, usable, Checked,
};
use nn_core::loss::{CrossEntropy, Hinge, Huber, LossExt, SquaredError};
use nn_core::nalgebra::SVector;
use rand::Rng;

nn_core::network! {
    /// A linear model: one layer, identity output.
    struct Lin { input: 4, out: dense(3) }
}
nn_core::network! {
    /// One hidden layer.
    struct Mlp2 { input: 4, hidden: dense(6, tanh), out: dense(3) }
}
nn_core::network! {
    /// Three hidden layers with different activations.
    struct Mlp4 {
        input: 4,
        h1: dense(7, leaky_relu(0.2), init = he),
        h2: dense(5, sigmoid),
        h3: dense(6, relu, init = he),
        out: dense(3),
    }
}
checked!(Lin: 4 -> 3, z: [out_z]);
checked!(Mlp2: 4 -> 3, z: [hidden_z, out_z]);
checked!(Mlp4: 4 -> 3, z: [h1_z, h2_z, h3_z, out_z]);

/// Which loss and target kind.
#[derive(Clone, Copy, Debug)]
enum Case {
    SquaredVector,
    SquaredClass,
    CrossEntropyClass,
    CrossEntropyProbabilities,
    HingeClass,
    HuberVector,
    HuberClass,
}

/// The Huber threshold in these checks: small enough that random outputs put residuals on
/// both sides of it.
const HUBER_DELTA: f64 = 0.5;
/// How far every `|r_i|` must stay from `δ`.
const HUBER_KINK: f64 = 1e-3;

/// The hinge's kinks: the margins `1 - (f_{y*} - f_y)` must stay clear of 0.
const HINGE_KINK: f64 = 1e-3;

/// Runs `case` on `net` at four random inputs and targets (skipping inputs that put a ReLU
/// at its kink, kill every gradient, or put a hinge margin at its kink).
fn run<N: Checked<4, 3>>(what: &str, net: &N, case: Case, seed: u64) {
    let mut r = rng(seed ^ 0x1055);
    let mut checked = 0;
    for k in 0..100 {
        let x: SVector<f64, 4> = random_vector(&mut r);
        let class: usize = r.random_range(0..3);
        let y: SVector<f64, 3> = random_vector(&mut r);
        let q: SVector<f64, 3> = random_probabilities(&mut r);
        let loss = |f: &SVector<f64, 3>| {
            match case {
                Case::SquaredVector => SquaredError.value_and_grad(f, &y),
                Case::SquaredClass => SquaredError.value_and_grad(f, &class),
                Case::CrossEntropyClass => CrossEntropy.value_and_grad(f, &class),
                Case::CrossEntropyProbabilities => CrossEntropy.value_and_grad(f, &q),
                Case::HingeClass => Hinge.value_and_grad(f, &class),
                Case::HuberVector => Huber::new(HUBER_DELTA).value_and_grad(f, &y),
                Case::HuberClass => Huber::new(HUBER_DELTA).value_and_grad(f, &class),
            }
            .unwrap()
        };
        if !usable(net, &x, loss) {
            continue;
        }
        let what = format!("{what}, {case:?}, input {k}");
        if let Case::HingeClass = case {
            // The hinge's own kinks: every margin `1 - (f_{y*} - f_y)` clear of 0.
            let f = net.output(&x);
            let margins: Vec<f64> = (0..3)
                .filter(|&y| y != class)
                .map(|y| 1.0 - (f[class] - f[y]))
                .collect();
            if closest_to_zero(&margins) <= HINGE_KINK {
                continue;
            }
            assert!(
                margins.iter().any(|&m| m > 0.0),
                "{what}: usable() let a zero hinge loss through"
            );
        }
        if let Case::HuberVector | Case::HuberClass = case {
            // Huber's second derivative jumps at |r| = δ: keep the residuals clear of it.
            let f = net.output(&x);
            let t = match case {
                Case::HuberVector => y,
                _ => SVector::from_fn(|i, _| if i == class { 1.0 } else { 0.0 }),
            };
            let gaps: Vec<f64> = (0..3).map(|i| (f[i] - t[i]).abs() - HUBER_DELTA).collect();
            if closest_to_zero(&gaps) <= HUBER_KINK {
                continue;
            }
        }
        check(&what, net, &x, loss);
        checked += 1;
        if checked == 4 {
            return;
        }
    }
    panic!("{what}, {case:?}: only {checked} of 100 inputs were usable");
}

const CASES: [Case; 7] = [
    Case::SquaredVector,
    Case::SquaredClass,
    Case::CrossEntropyClass,
    Case::CrossEntropyProbabilities,
    Case::HingeClass,
    Case::HuberVector,
    Case::HuberClass,
];

#[test]
fn every_loss_one_layer() {
    for (i, case) in CASES.into_iter().enumerate() {
        let seed = 100 + i as u64;
        let net: Lin<f64> = random_net(seed, Lin::new);
        run("1 layer", &net, case, seed);
    }
}

#[test]
fn every_loss_two_layers() {
    for (i, case) in CASES.into_iter().enumerate() {
        let seed = 200 + i as u64;
        let net: Mlp2<f64> = random_net(seed, Mlp2::new);
        run("2 layers", &net, case, seed);
    }
}

#[test]
fn every_loss_four_layers() {
    for (i, case) in CASES.into_iter().enumerate() {
        let seed = 300 + i as u64;
        let net: Mlp4<f64> = random_net(seed, Mlp4::new);
        run("4 layers", &net, case, seed);
    }
}
