//! Dropout: its backward masks the gradient exactly as its forward masked the values. Checked
//! with the masks frozen, on the batch path (where dropout is active), against central
//! differences on every parameter and the input.

use crate::{EPS, TOL};
use nn_core::gradcheck::{
    max_relative_error, numeric_gradient, numeric_gradient_of, relative_error,
};
use nn_core::loss::{LossExt, Reduction, SquaredError};
use nn_core::{network, Batch};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! {
    struct Dropped {
        input: 4,
        h: dense(6, tanh),
        drop: dropout(0.3),
        out: dense(3, sigmoid),
    }
}

#[test]
fn dropout_backward_matches_finite_differences_with_a_fixed_mask() {
    let mut rng = StdRng::seed_from_u64(11);
    let mut net: Dropped<f64> = Dropped::new(&mut rng);
    let x = Batch::<f64, 4>::from_fn(5, |_, _| rng.random_range(-1.0..1.0));
    let y = Batch::<f64, 3>::from_fn(5, |_, _| rng.random_range(0.0..1.0));

    let mut trace = net.forward_batch_trace(&x);
    trace.freeze_dropout(true);
    let dropped = trace.drop_mask.iter().filter(|&&m| m == 0.0).count();
    assert!(
        dropped > 0 && dropped < 30,
        "the mask must drop some values and keep others: {dropped}/30"
    );
    assert!(trace
        .drop_mask
        .iter()
        .all(|&m| m == 0.0 || (m - 1.0 / 0.7).abs() < 1e-15));

    let (_, dl_df) = SquaredError
        .batch_value_and_grad(trace.output(), &y, Reduction::Sum)
        .unwrap();
    let mut grads = Dropped::zeros();
    let dx = net
        .backward_batch(&x, &mut trace, &dl_df, &mut grads)
        .unwrap()
        .clone();

    let mut loss_at = |net: &Dropped<f64>, x: &Batch<f64, 4>| {
        net.forward_batch_trace_into(x, &mut trace);
        SquaredError
            .batch_value(trace.output(), &y, Reduction::Sum)
            .unwrap()
    };
    let numeric = numeric_gradient(&mut net, EPS, |n| loss_at(n, &x));
    let (err, tensor) = max_relative_error(&grads, &numeric);
    assert!(
        err < TOL,
        "parameter tensor {tensor}: relative error {err:e}"
    );
    let numeric_dx = numeric_gradient_of(x.as_slice(), EPS, |v| {
        loss_at(&net, &Batch::from_column_slice(v))
    });
    let err = relative_error(dx.as_slice(), &numeric_dx);
    assert!(err < TOL, "input gradient: relative error {err:e}");
}

#[test]
fn dropout_is_the_identity_at_inference_and_unbiased_in_training() {
    let net: Dropped<f64> = Dropped::new(&mut StdRng::seed_from_u64(3));
    let x = Batch::<f64, 4>::from_element(4000, 0.5);
    let mut trace = net.forward_batch_trace(&x);
    // Inference: forward_batch and forward agree and ignore dropout.
    let y = net.forward_batch(&x);
    let one = net.forward(&nn_core::nalgebra::SVector::from_element(0.5));
    assert!((y.column(0) - one).norm() < 1e-15);
    // Training: the kept values are scaled so the mean of each unit is unchanged.
    let h = net.h.forward_batch(&x).map(f64::tanh);
    net.forward_batch_trace_into(&x, &mut trace);
    for r in 0..6 {
        let trained: f64 = trace.drop_x.row(r).iter().sum::<f64>() / 4000.0;
        assert!(
            (trained - h[(r, 0)]).abs() < 0.05 * h[(r, 0)].abs().max(0.1),
            "unit {r}"
        );
    }
    // A new seed gives new masks; the same seed the same masks.
    trace.seed_dropout(9);
    net.forward_batch_trace_into(&x, &mut trace);
    let a = trace.drop_mask.clone();
    trace.seed_dropout(9);
    net.forward_batch_trace_into(&x, &mut trace);
    assert_eq!(a, trace.drop_mask);
}
