//! Batch normalization: inference (the running affine) through the common check, training
//! (batch statistics) against central differences on the batch path, the running-statistics
//! update, and the buffers: never trained, but saved and loaded.

use crate::layers::{check_op, randomize};
use crate::{random_batch, random_vector, rng, EPS, TOL};
use nn_core::gradcheck::{numeric_gradient, numeric_gradient_of, relative_error};
use nn_core::layer::{BatchNorm2d, BatchOp};
use nn_core::optim::{clip_global_norm, Adam, WeightDecay};
use nn_core::{Batch, Parameters};
use rand::Rng;

type Bn = BatchNorm2d<f64, 3, 4>;

fn random_bn(seed: u64) -> Bn {
    let mut r = rng(seed);
    let mut bn = Bn::zeros();
    randomize(&mut bn, &mut r);
    bn.weight
        .iter_mut()
        .for_each(|w| *w = r.random_range(0.5..=2.0));
    bn.running_var
        .iter_mut()
        .for_each(|v| *v = r.random_range(0.5..=2.0));
    bn
}

#[test]
fn inference_uses_the_running_affine() {
    let mut bn = random_bn(30);
    check_op::<_, 12, 12>(
        "batch norm (inference)",
        &mut bn,
        &mut rng(31),
        random_vector,
    );
}

/// `Σ R ∘ Y` of a training forward.
fn train_loss(bn: &Bn, x: &Batch<f64, 12>, r: &Batch<f64, 12>) -> f64 {
    let (mut y, mut c) = (
        Batch::<f64, 12>::zeros(0),
        <Bn as BatchOp<f64, 12, 12>>::empty_batch_cache(),
    );
    BatchOp::<f64, 12, 12>::op_forward_batch(bn, x, &mut y, &mut c, true);
    y.component_mul(r).sum()
}

#[test]
fn training_backward_matches_finite_differences() {
    let mut rng = rng(32);
    let mut bn = random_bn(33);
    let x = random_batch::<12>(&mut rng, 4);
    let r = random_batch::<12>(&mut rng, 4);
    let (mut y, mut c) = (
        Batch::<f64, 12>::zeros(0),
        <Bn as BatchOp<f64, 12, 12>>::empty_batch_cache(),
    );
    BatchOp::<f64, 12, 12>::op_forward_batch(&bn, &x, &mut y, &mut c, true);
    // Per channel, the batch output has mean β and variance γ² (up to ε).
    for ch in 0..3 {
        let v: Vec<f64> = (0..4)
            .flat_map(|s| (0..4).map(move |p| (s, ch * 4 + p)))
            .map(|(s, i)| y[(i, s)])
            .collect();
        let mean = v.iter().sum::<f64>() / 16.0;
        let var = v.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / 16.0;
        assert!(
            (mean - bn.bias[ch]).abs() < 1e-12,
            "channel {ch} mean {mean}"
        );
        assert!(
            (var / bn.weight[ch].powi(2) - 1.0).abs() < 1e-3,
            "channel {ch} variance {var}"
        );
    }
    let mut grad = Bn::zeros();
    grad.fill(f64::NAN);
    let mut dx = Batch::zeros(0);
    BatchOp::<f64, 12, 12>::op_backward_batch(&bn, &x, &y, &c, &r, &mut grad, Some(&mut dx));
    let num_dx = numeric_gradient_of(x.as_slice(), EPS, |v| {
        train_loss(&bn, &Batch::from_column_slice(v), &r)
    });
    let e = relative_error(dx.as_slice(), &num_dx);
    assert!(e < TOL, "dℓ/dx relative error {e:e}");
    let num = numeric_gradient(&mut bn, EPS, |b| train_loss(b, &x, &r));
    for t in 0..2 {
        let e = relative_error(grad.tensor(t).unwrap(), num.tensor(t).unwrap());
        assert!(e < TOL, "tensor {t} relative error {e:e}");
    }
    assert!(grad
        .running_mean
        .iter()
        .chain(grad.running_var.iter())
        .all(|&g| g == 0.0));
}

#[test]
fn a_training_step_moves_the_running_statistics_by_the_momentum() {
    let mut rng = rng(34);
    let mut bn = random_bn(35);
    let before = bn.clone();
    let x = random_batch::<12>(&mut rng, 5);
    let (mut y, mut c) = (
        Batch::<f64, 12>::zeros(0),
        <Bn as BatchOp<f64, 12, 12>>::empty_batch_cache(),
    );
    BatchOp::<f64, 12, 12>::op_forward_batch(&bn, &x, &mut y, &mut c, true);
    BatchOp::<f64, 12, 12>::op_update_state(&mut bn, &c);
    for ch in 0..3 {
        let v: Vec<f64> = (0..5)
            .flat_map(|s| (0..4).map(move |p| (ch * 4 + p, s)))
            .map(|i| x[i])
            .collect();
        let mean = v.iter().sum::<f64>() / 20.0;
        let unbiased = v.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / 19.0;
        let want_mean = 0.9 * before.running_mean[ch] + 0.1 * mean;
        let want_var = 0.9 * before.running_var[ch] + 0.1 * unbiased;
        assert!((bn.running_mean[ch] - want_mean).abs() < 1e-14);
        assert!((bn.running_var[ch] - want_var).abs() < 1e-14);
    }
    // An inference forward changes nothing.
    let after = bn.clone();
    BatchOp::<f64, 12, 12>::op_forward_batch(&bn, &x, &mut y, &mut c, false);
    BatchOp::<f64, 12, 12>::op_update_state(&mut bn, &c);
    assert_eq!(bn, after);
}

#[test]
fn buffers_are_not_trained_but_are_saved_and_loaded() {
    let mut bn = random_bn(36);
    let before = bn.clone();
    let mut grads = Bn::zeros();
    grads.fill(1.0); // even a nonzero buffer gradient must be ignored
    WeightDecay::l2(0.5).apply(&mut grads, &bn).unwrap();
    assert!(
        grads.running_var.iter().all(|&g| g == 1.0),
        "decay must skip buffers"
    );
    clip_global_norm(&mut grads, 1e-3).unwrap();
    assert!(
        grads.running_mean.iter().all(|&g| g == 1.0),
        "clipping must skip buffers"
    );
    let mut adam = Adam::new(0.1);
    adam.step(&mut bn, &grads).unwrap();
    assert_eq!(bn.running_mean, before.running_mean);
    assert_eq!(bn.running_var, before.running_var);
    assert_ne!(bn.weight, before.weight);

    let bytes = nn_core::io::to_safetensors_bytes(&bn).unwrap();
    let mut loaded = Bn::zeros();
    nn_core::io::from_safetensors_bytes(&mut loaded, &bytes).unwrap();
    assert_eq!(loaded, bn);
    let names: Vec<String> = {
        let mut n = vec![];
        bn.visit(|info, _| n.push(info.to_string()));
        n
    };
    assert_eq!(names, ["weight", "bias", "running_mean", "running_var"]);
}
