//! Batch norm's running statistics move on every training path the README shows: `Fit`,
//! `Trainer::step`, and the hand-written loop of the README's quickstart (which calls
//! `update_state` after the step), each time to PyTorch's update computed by hand:
//! `μ̄ ← 0.9 μ̄ + 0.1 μ_B`, `σ̄² ← 0.9 σ̄² + 0.1 σ_B² M/(M-1)` over the `M = N·H·W` values of a
//! channel.

use nn_core::loss::{CrossEntropy, LossExt, Reduction};
use nn_core::optim::Sgd;
use nn_core::train::{Data, Fit, Targets, Trainer};
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, SeedableRng};

network! {
    struct Bn { input: [2, 3, 3], bn: batch_norm, flat: flatten, out: dense(2) }
}

const N: usize = 24;

fn data() -> (Batch<f64, 18>, Vec<usize>) {
    let x = Batch::<f64, 18>::from_fn(N, |r, c| {
        ((r * 5 + c * 11) % 13) as f64 / 4.0 + (r / 9) as f64
    });
    (x, (0..N).map(|c| c % 2).collect())
}

/// The running statistics after one step from (0, 1) on the whole of `x`, by hand.
fn expected(x: &Batch<f64, 18>) -> ([f64; 2], [f64; 2]) {
    let (mut mean, mut var) = ([0.0; 2], [0.0; 2]);
    for c in 0..2 {
        let v: Vec<f64> = (0..N)
            .flat_map(|s| (0..9).map(move |k| (s, c * 9 + k)))
            .map(|(s, r)| x[(r, s)])
            .collect();
        let m = v.len() as f64;
        let mu = v.iter().sum::<f64>() / m;
        let unbiased = v.iter().map(|a| (a - mu).powi(2)).sum::<f64>() / (m - 1.0);
        mean[c] = 0.1 * mu;
        var[c] = 0.9 + 0.1 * unbiased;
    }
    (mean, var)
}

fn assert_stats(net: &Bn<f64>, x: &Batch<f64, 18>, path: &str) {
    let (mean, var) = expected(x);
    for c in 0..2 {
        assert!(
            (net.bn.running_mean[c] - mean[c]).abs() < 1e-12,
            "{path}: running mean {c}"
        );
        assert!(
            (net.bn.running_var[c] - var[c]).abs() < 1e-12,
            "{path}: running var {c}"
        );
    }
    assert!(mean.iter().all(|&m| m.abs() > 0.01) && var.iter().all(|&v| (v - 1.0).abs() > 0.01));
}

fn net() -> Bn<f64> {
    Bn::new(&mut StdRng::seed_from_u64(1))
}

#[test]
fn fit_updates_the_running_statistics() {
    let (x, y) = data();
    let mut n = net();
    Fit::new(1)
        .batch_size(N)
        .run(
            &mut n,
            &mut Sgd::new(0.1),
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        )
        .unwrap();
    assert_stats(&n, &x, "Fit");
}

#[test]
fn trainer_step_updates_the_running_statistics() {
    let (x, y) = data();
    let mut n = net();
    Trainer::new(N, 2, 0)
        .step(
            &mut n,
            &mut Sgd::new(0.1),
            &CrossEntropy,
            &x,
            Targets::Classes(&y),
        )
        .unwrap();
    assert_stats(&n, &x, "Trainer::step");
}

#[test]
fn the_readme_loop_updates_the_running_statistics() {
    let (x, y) = data();
    let mut n = net();
    // The README's quickstart loop, step for step.
    let mut trace = n.forward_batch_trace(&x);
    let (loss, dl_df) = CrossEntropy
        .batch_value_and_grad(trace.output(), &y[..], Reduction::Mean)
        .unwrap();
    let mut grads = Bn::zeros();
    n.backward_batch_params(&x, &mut trace, &dl_df, &mut grads)
        .unwrap();
    n.zip_mut(&grads, |_, w, g| {
        w.iter_mut().zip(g).for_each(|(w, g)| *w -= 0.1 * g)
    });
    n.update_state(&trace);
    assert!(loss > 0.0);
    assert_stats(&n, &x, "README loop");
    // The optimizer steps of every path never touch the buffers (their gradient is 0).
    let mut b = vec![];
    grads.visit(|info, v| {
        if !info.kind.is_trainable() {
            b.extend_from_slice(v)
        }
    });
    assert!(!b.is_empty() && b.iter().all(|&g| g == 0.0));
}
