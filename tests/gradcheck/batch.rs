//! The batch path against the single-sample path, and `Reduction::Mean`.
//!
//! For a batch of several samples, `backward_batch`'s parameter gradients must be the sum of
//! the per-sample `backward` gradients and its input-gradient columns the per-sample input
//! gradients (to 1e-12 relative); the gradients of a `Mean`-reduced batch loss are `1/n` of
//! the `Sum`-reduced ones, and both match finite differences of the batch loss.

use crate::{check_batch, random_batch, random_net, rng, total_norm, Checked, BATCH_TOL, EPS, TOL};
use nn_core::gradcheck::{max_relative_error, numeric_gradient, relative_error};
use nn_core::loss::{CrossEntropy, Hinge, LossExt, Reduction, SquaredError};
use nn_core::Batch;
use rand::Rng;

nn_core::network! {
    /// One layer.
    struct B1 { input: 3, out: dense(4, sigmoid) }
}
nn_core::network! {
    /// Two layers.
    struct B2 { input: 3, hidden: dense(6, relu, init = he), out: dense(4) }
}
nn_core::network! {
    /// Four layers, every activation kind somewhere.
    struct B4 {
        input: 3,
        h1: dense(8, leaky_relu, init = he),
        h2: dense(6, softmax),
        h3: dense(5, tanh),
        out: dense(4, leaky_relu(0.2)),
    }
}
checked!(B1: 3 -> 4, z: [out_z]);
checked!(B2: 3 -> 4, z: [hidden_z, out_z]);
checked!(B4: 3 -> 4, z: [h1_z, h2_z, h3_z, out_z]);

const SAMPLES: usize = 7;

/// Random output gradients, and the gradients of real losses at the batch's outputs.
fn run<N: Checked<3, 4>>(what: &str, net: &N, seed: u64) {
    let mut r = rng(seed);
    let x: Batch<f64, 3> = random_batch(&mut r, SAMPLES);
    let dl_df: Batch<f64, 4> = random_batch(&mut r, SAMPLES);
    check_batch(&format!("{what}, random ∂ℓ/∂f"), net, &x, &dl_df);

    let f = net.batch_output(&x);
    let labels: Vec<usize> = (0..SAMPLES).map(|_| r.random_range(0..4)).collect();
    let targets: Batch<f64, 4> = random_batch(&mut r, SAMPLES);
    let losses = [
        (
            "squared error",
            SquaredError.batch_value_and_grad(&f, &targets, Reduction::Sum),
        ),
        (
            "cross-entropy",
            CrossEntropy.batch_value_and_grad(&f, &labels[..], Reduction::Sum),
        ),
        (
            "hinge",
            Hinge.batch_value_and_grad(&f, &labels[..], Reduction::Sum),
        ),
    ];
    for (name, result) in losses {
        let (_, g) = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        check_batch(&format!("{what}, {name}"), net, &x, &g);
    }
}

#[test]
fn batch_equals_summed_samples_one_layer() {
    for seed in [1, 2] {
        let net: B1<f64> = random_net(seed, B1::new);
        run(&format!("1 layer, seed {seed}"), &net, seed);
    }
}

#[test]
fn batch_equals_summed_samples_two_layers() {
    for seed in [3, 4] {
        let net: B2<f64> = random_net(seed, B2::new);
        run(&format!("2 layers, seed {seed}"), &net, seed);
    }
}

#[test]
fn batch_equals_summed_samples_four_layers() {
    for seed in [5, 6] {
        let net: B4<f64> = random_net(seed, B4::new);
        run(&format!("4 layers, seed {seed}"), &net, seed);
    }
}

/// `Reduction::Mean` scales the loss and every gradient by `1/n`, and the batch gradient of
/// the mean loss matches finite differences of `batch_value(.., Mean)`.
fn mean_scales_by_one_over_n<N: Checked<3, 4>>(what: &str, net: &N, seed: u64) {
    let mut r = rng(seed);
    let x: Batch<f64, 3> = random_batch(&mut r, SAMPLES);
    let labels: Vec<usize> = (0..SAMPLES).map(|_| r.random_range(0..4)).collect();
    let f = net.batch_output(&x);
    // The pre-activations of every sample stay clear of the ReLU kink.
    for j in 0..SAMPLES {
        let d = crate::kink_distance(net, &x.column(j).into_owned());
        assert!(
            d > crate::KINK,
            "{what}: sample {j} is {d:e} from a ReLU kink; choose another seed"
        );
    }

    let mut g_sum = Batch::<f64, 4>::zeros(SAMPLES);
    let mut g_mean = Batch::<f64, 4>::zeros(SAMPLES);
    let l_sum = CrossEntropy
        .batch_grad_into(&f, &labels[..], Reduction::Sum, &mut g_sum)
        .unwrap();
    let l_mean = CrossEntropy
        .batch_grad_into(&f, &labels[..], Reduction::Mean, &mut g_mean)
        .unwrap();
    let n = SAMPLES as f64;
    assert!(
        relative_error(&[l_mean * n], &[l_sum]) < BATCH_TOL,
        "{what}: mean loss"
    );
    assert!(
        relative_error((&g_mean * n).as_slice(), g_sum.as_slice()) < BATCH_TOL,
        "{what}: ∂L/∂f"
    );

    let (grads_sum, dx_sum, _) = net.batch_backprop(&x, &g_sum);
    let (grads_mean, dx_mean, _) = net.batch_backprop(&x, &g_mean);
    let mut scaled = grads_mean.clone();
    scaled.visit_mut(|_, v| v.iter_mut().for_each(|g| *g *= n));
    for t in 0..net.tensor_count() {
        let e = relative_error(
            scaled.tensor(t).unwrap_or(&[]),
            grads_sum.tensor(t).unwrap_or(&[]),
        );
        assert!(
            e < BATCH_TOL,
            "{what}: tensor {t}: n · mean-gradient vs sum-gradient: {e:e}"
        );
    }
    assert!(
        relative_error((&dx_mean * n).as_slice(), dx_sum.as_slice()) < BATCH_TOL,
        "{what}: ∂L/∂X"
    );
    assert!(total_norm(&grads_mean) > 1e-8);

    // Against finite differences of the mean-reduced batch loss.
    let mut probe = net.clone();
    let numeric = numeric_gradient(&mut probe, EPS, |p| {
        CrossEntropy
            .batch_value(&p.batch_output(&x), &labels[..], Reduction::Mean)
            .unwrap()
    });
    let (e, t) = max_relative_error(&grads_mean, &numeric);
    assert!(
        e < TOL,
        "{what}: mean batch loss vs finite differences: tensor {t}: {e:e}"
    );
}

#[test]
fn mean_reduction_scales_gradients_by_one_over_n() {
    let b1: B1<f64> = random_net(11, B1::new);
    mean_scales_by_one_over_n("1 layer", &b1, 11);
    let b2: B2<f64> = random_net(12, B2::new);
    mean_scales_by_one_over_n("2 layers", &b2, 12);
    let b4: B4<f64> = random_net(13, B4::new);
    mean_scales_by_one_over_n("4 layers", &b4, 13);
}

/// A trace and a gradient buffer reused across batches of different sizes give the same
/// results as fresh ones.
#[test]
fn reused_buffers_match_fresh_ones() {
    let net: B4<f64> = random_net(21, B4::new);
    let mut r = rng(21);
    let mut trace = net.forward_batch_trace(&random_batch(&mut r, 2));
    let mut grads = B4::zeros();
    for n in [5, 3, 3, 8] {
        let x: Batch<f64, 3> = random_batch(&mut r, n);
        let dl_df: Batch<f64, 4> = random_batch(&mut r, n);
        net.forward_batch_trace_into(&x, &mut trace);
        let dx = net
            .backward_batch(&x, &mut trace, &dl_df, &mut grads)
            .unwrap()
            .clone();
        let (fresh, fresh_dx, _) = net.batch_backprop(&x, &dl_df);
        assert_eq!(dx, fresh_dx, "batch of {n}: input gradient");
        let (e, t) = max_relative_error(&grads, &fresh);
        assert_eq!(e, 0.0, "batch of {n}: tensor {t}");
    }
    // A mismatched batch is an error, not a panic.
    let x: Batch<f64, 3> = random_batch(&mut r, 4);
    let dl_df: Batch<f64, 4> = random_batch(&mut r, 4);
    assert!(net
        .backward_batch(&x, &mut trace, &dl_df, &mut grads)
        .is_err());
}
