//! Reverse mode against central finite differences.

use super::{everything, random, Everything, Skip, EPS, TOL};
use nn_core::gradcheck::{
    max_relative_error, numeric_gradient, numeric_gradient_of, relative_error,
};
use nn_core::nalgebra::SVector;
use rand::{rngs::StdRng, SeedableRng};

/// `ℓ = u·q + w·r`: a loss whose gradient at the outputs is `(u, w)`.
fn loss(
    net: &Everything<f64>,
    img: &SVector<f64, 6>,
    feat: &SVector<f64, 2>,
    u: &SVector<f64, 3>,
    w: &SVector<f64, 2>,
) -> f64 {
    let (q, r) = net.forward(img, feat);
    u.dot(&q) + w.dot(&r)
}

#[test]
fn every_join_with_two_inputs_and_two_outputs_matches_finite_differences() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut net = everything(1);
    let (img, feat) = (random::<6>(&mut rng), random::<2>(&mut rng));
    let (u, w) = (random::<3>(&mut rng), random::<2>(&mut rng));

    let trace = net.forward_trace(&img, &feat);
    let mut grads = Everything::zeros();
    let (d_img, d_feat) = net.backward(&img, &feat, &trace, &u, &w, &mut grads);

    let numeric = numeric_gradient(&mut net, EPS, |n| loss(n, &img, &feat, &u, &w));
    let (err, tensor) = max_relative_error(&grads, &numeric);
    assert!(
        err < TOL,
        "parameter tensor {tensor}: relative error {err:e}"
    );

    let num_img = numeric_gradient_of(img.as_slice(), EPS, |x| {
        loss(&net, &SVector::from_column_slice(x), &feat, &u, &w)
    });
    let num_feat = numeric_gradient_of(feat.as_slice(), EPS, |x| {
        loss(&net, &img, &SVector::from_column_slice(x), &u, &w)
    });
    assert!(relative_error(d_img.as_slice(), &num_img) < TOL);
    assert!(relative_error(d_feat.as_slice(), &num_feat) < TOL);
}

#[test]
fn a_fan_out_node_receives_the_sum_of_its_childrens_gradients() {
    // `feat` is read by `f` and by `c`: its gradient is the sum of both contributions.
    let mut rng = StdRng::seed_from_u64(3);
    let net = everything(2);
    let (img, feat) = (random::<6>(&mut rng), random::<2>(&mut rng));
    let (u, w) = (random::<3>(&mut rng), random::<2>(&mut rng));
    let trace = net.forward_trace(&img, &feat);
    let (_, d_feat) = net.backward(&img, &feat, &trace, &u, &w, &mut Everything::zeros());

    // Through `f` alone: dℓ/ds (= dℓ/df, since s = h + g + f) pulled back through f's weights.
    // Computed by zeroing the direct path's weights would change the function, so compare
    // with the two one-path derivatives by finite differences on perturbed copies instead:
    // the total is their sum exactly when backward adds the contributions.
    let direct = numeric_gradient_of(feat.as_slice(), EPS, |x| {
        // Only the concat path sees the perturbation: f reads the original feat.
        let x = SVector::<f64, 2>::from_column_slice(x);
        let t = net.forward_trace(&img, &feat);
        let m = t.m_x;
        let mut c = SVector::<f64, 7>::zeros();
        c.as_mut_slice()[..5].copy_from_slice(m.as_slice());
        c.as_mut_slice()[5..].copy_from_slice(x.as_slice());
        let c = c.map(f64::tanh);
        let (v, a, r) = (net.v.forward(&c), net.a.forward(&c), net.r.forward(&c));
        let mean = a.mean();
        let q = a.map(|ak| v[0] + ak - mean);
        let r = nn_core::activation::Activation::<f64>::apply(&nn_core::activation::Softmax, &r);
        u.dot(&q) + w.dot(&r)
    });
    let through_f = numeric_gradient_of(feat.as_slice(), EPS, |x| {
        // Only the `f` path sees the perturbation.
        let x = SVector::<f64, 2>::from_column_slice(x);
        let t = net.forward_trace(&img, &x);
        let mut c = SVector::<f64, 7>::zeros();
        c.as_mut_slice()[..5].copy_from_slice(t.m_x.as_slice());
        c.as_mut_slice()[5..].copy_from_slice(feat.as_slice());
        let c = c.map(f64::tanh);
        let (v, a, r) = (net.v.forward(&c), net.a.forward(&c), net.r.forward(&c));
        let mean = a.mean();
        let q = a.map(|ak| v[0] + ak - mean);
        let r = nn_core::activation::Activation::<f64>::apply(&nn_core::activation::Softmax, &r);
        u.dot(&q) + w.dot(&r)
    });
    let sum: Vec<f64> = direct.iter().zip(&through_f).map(|(a, b)| a + b).collect();
    assert!(relative_error(d_feat.as_slice(), &sum) < TOL);
    // Neither path alone is the gradient.
    assert!(relative_error(d_feat.as_slice(), &direct) > 1e-3);
    assert!(relative_error(d_feat.as_slice(), &through_f) > 1e-3);
}

#[test]
fn a_skip_connection_matches_finite_differences() {
    let mut rng = StdRng::seed_from_u64(11);
    let mut net: Skip<f64> = Skip::new(&mut rng);
    let x = random::<4>(&mut rng);
    let u = random::<3>(&mut rng);
    let trace = net.forward_trace(&x);
    let mut grads = Skip::zeros();
    let dx = net.backward(&x, &trace, &u, &mut grads);
    let numeric = numeric_gradient(&mut net, EPS, |n| u.dot(&n.forward(&x)));
    let (err, tensor) = max_relative_error(&grads, &numeric);
    assert!(
        err < TOL,
        "parameter tensor {tensor}: relative error {err:e}"
    );
    let num_x = numeric_gradient_of(x.as_slice(), EPS, |v| {
        u.dot(&net.forward(&SVector::from_column_slice(v)))
    });
    assert!(relative_error(dx.as_slice(), &num_x) < TOL);
}

/// `forward_trace_in` and `backward_in` (the trace and the gradients in caller buffers, as
/// a network too large for the stack runs) give the stack path's gradients: every join, two
/// inputs, two outputs and a node read by three children.
#[test]
fn the_workspace_backward_equals_the_stack_backward() {
    let mut rng = StdRng::seed_from_u64(9);
    let net = everything(3);
    let (img, feat) = (random::<6>(&mut rng), random::<2>(&mut rng));
    let (u, w) = (random::<3>(&mut rng), random::<2>(&mut rng));
    let trace = net.forward_trace(&img, &feat);
    let mut grads = Everything::zeros();
    let (d_img, d_feat) = net.backward(&img, &feat, &trace, &u, &w, &mut grads);

    // Stale contents in both buffers: every value is written before it is read.
    let mut values = vec![f64::NAN; Everything::<f64>::TRACE_LEN];
    let mut scratch = vec![f64::NAN; Everything::<f64>::BACKWARD_LEN];
    let trace_in = net
        .forward_trace_in(&img, &feat, &mut values[..])
        .expect("long enough");
    let mut grads_in = Everything::zeros();
    let (i_img, i_feat) = net
        .backward_in(&img, &feat, &trace_in, &u, &w, &mut grads_in, &mut scratch)
        .expect("long enough");
    assert!(relative_error(d_img.as_slice(), i_img.as_slice()) < 1e-14);
    assert!(relative_error(d_feat.as_slice(), i_feat.as_slice()) < 1e-14);
    let (err, tensor) = max_relative_error(&grads, &grads_in);
    assert!(
        err < 1e-14,
        "parameter tensor {tensor}: relative error {err:e}"
    );
    assert!(net.forward_trace_in(&img, &feat, &mut values[1..]).is_err());
}
