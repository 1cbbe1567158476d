//! Networks with size parameters, `struct Mlp<const H: usize, const CLASSES: usize>`: one
//! declaration, several sizes, each checked like a literal one.

use nn_core::gradcheck::{numeric_gradient, relative_error};
use nn_core::loss::{CrossEntropy, LossExt};
use nn_core::nalgebra::SVector;
use nn_core::optim::Adam;
use nn_core::train::{Data, Fit};
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! {
    /// A classifier of 4 features with a hidden width and a class count chosen by the user.
    pub struct Mlp<const H: usize, const CLASSES: usize> {
        input: 4,
        fc1: dense(H, relu, init = he),
        fc2: dense(H -> H, tanh),
        out: dense(CLASSES),
    }
}

#[test]
fn one_declaration_gives_networks_of_several_sizes() {
    let mut rng = StdRng::seed_from_u64(0);
    let small: Mlp<8, 3> = Mlp::new(&mut rng);
    let wide: Mlp<32, 5, f64> = Mlp::new(&mut rng);
    assert_eq!(Mlp::<8, 3>::PARAMETERS, 4 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3);
    assert_eq!(small.parameter_count(), Mlp::<8, 3>::PARAMETERS);
    assert_eq!(Mlp::<32, 5, f64>::OUTPUTS, 5);
    let y = small.forward(&SVector::from([1.0, 2.0, 3.0, 4.0]));
    assert_eq!(y.len(), 3);
    let yb = wide.forward_batch(&Batch::<f64, 4>::from_element(2, 0.5));
    assert_eq!(yb.shape(), (5, 2));
    let s = Mlp::<8, 3>::summary().to_string();
    assert!(s.contains("fc2"), "{s}");
}

#[test]
fn backward_matches_central_differences() {
    let mut net: Mlp<6, 3, f64> = Mlp::new(&mut StdRng::seed_from_u64(1));
    let x = SVector::from([0.3, -0.2, 0.9, 0.4]);
    let loss = |n: &Mlp<6, 3, f64>| CrossEntropy.value(&n.forward(&x), &2).unwrap();
    let trace = net.forward_trace(&x);
    let (_, dl_df) = CrossEntropy.value_and_grad(trace.output(), &2).unwrap();
    let mut grads = Mlp::zeros();
    net.backward(&x, &trace, &dl_df, &mut grads);
    let numeric = numeric_gradient(&mut net, 1e-6, loss);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    grads.visit(|_, g| a.extend_from_slice(g));
    numeric.visit(|_, g| b.extend_from_slice(g));
    let err = relative_error(&a, &b);
    assert!(err < 1e-6, "relative error {err}");
}

#[test]
fn trains_with_fit() {
    let mut rng = StdRng::seed_from_u64(2);
    // Two classes: the sign of the first feature.
    let x = Batch::<f32, 4>::from_fn(64, |_, _| rng.random_range(-1.0..1.0));
    let y: Vec<usize> = x.row(0).iter().map(|v| usize::from(*v > 0.0)).collect();
    let mut net: Mlp<16, 2> = Mlp::new(&mut rng);
    let h = Fit::new(30)
        .batch_size(16)
        .run(
            &mut net,
            &mut Adam::new(0.02),
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        )
        .expect("training runs");
    let (first, last) = (
        h.epochs[0].train.loss,
        h.epochs[h.epochs.len() - 1].train.loss,
    );
    assert!(last < 0.5 * first, "loss {first} -> {last}");
}

network! {
    block unit(W) { a: dense(W, relu), b: dense(W) }
    /// Every kind that takes a size parameter as it is: a dense width, a block's argument,
    /// a batch norm's feature count, dropout, a join and a dueling head.
    struct Every<const H: usize, const A: usize> {
        input: 4,
        fc: dense(H, tanh),
        l.0: unit(H),
        bn: batch_norm(H, relu),
        d: dropout(0.25),
        s: add(d, fc),
        v: dense(1)(s),
        adv: dense(A)(s),
        q: dueling(v, adv),
    }
}

/// A `const` item restating `batch_norm`'s count, checked by the compiler.
const WIDTH: usize = 6;

network! {
    block unit(W) { a: dense(W, relu), b: dense(W) }
    /// `Every<6, 3>` with literal sizes.
    struct EveryLit {
        input: 4,
        fc: dense(6, tanh),
        l.0: unit(6),
        bn: batch_norm(WIDTH, relu),
        d: dropout(0.25),
        s: add(d, fc),
        v: dense(1)(s),
        adv: dense(3)(s),
        q: dueling(v, adv),
    }
}

network! {
    /// Two inputs of a parameter's size, joined.
    struct Pair<const H: usize> {
        a: input(H),
        b: input(H),
        s: add(a, b, relu),
        out: dense(2),
    }
}

#[test]
fn every_kind_that_takes_a_parameter_matches_its_literal_twin() {
    let net: Every<6, 3, f64> = Every::new(&mut StdRng::seed_from_u64(3));
    let lit: EveryLit<f64> = EveryLit::new(&mut StdRng::seed_from_u64(3));
    assert_eq!(Every::<6, 3>::PARAMETERS, EveryLit::<f32>::PARAMETERS);
    assert_eq!(Every::<6, 3>::OUTPUTS, 3);
    let x = SVector::from([0.5, -1.0, 0.25, 2.0]);
    let (y, y_lit) = (net.forward(&x), lit.forward(&x));
    assert_eq!(y.shape(), y_lit.shape());
    assert!((y - y_lit).norm() < 1e-12, "{y} vs {y_lit}");
    let xb = Batch::<f64, 4>::from_fn(5, |i, j| (i as f64 - j as f64) * 0.1);
    let (yb, yb_lit) = (net.forward_batch(&xb), lit.forward_batch(&xb));
    assert_eq!(yb.shape(), (3, 5));
    assert!((yb - yb_lit).norm() < 1e-12);
    let s = Every::<6, 3>::summary().to_string();
    assert!(s.contains("l_0_b") && s.contains("batch_norm"), "{s}");
}

#[test]
fn several_inputs_of_a_parameter_size() {
    let net: Pair<3> = Pair::new(&mut StdRng::seed_from_u64(4));
    let y = net.forward(&SVector::from([1.0, 2.0, 3.0]), &SVector::from([0.5; 3]));
    assert_eq!(y.len(), 2);
    assert_eq!(Pair::<3>::PARAMETERS, 3 * 2 + 2);
}
