//! `network!` with image layers: the W4 network's names, shapes and summary, and a residual
//! block with a grouped convolution (ResNeXt), batch norm and a 1x1 projection, checked
//! against central differences through the generated single-sample and batch paths.

use nn_core::gradcheck::{numeric_gradient, numeric_gradient_of, relative_error};
use nn_core::nalgebra::SVector;
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! {
    /// The W4 benchmark network.
    struct W4 {
        input: [1, 28, 28],
        c1: conv2d(8, 3, relu, pad = 1, init = he),
        p1: max_pool2d(2),
        c2: conv2d(16, 3, relu, pad = 1, init = he),
        p2: max_pool2d(2),
        flat: flatten,
        out: dense(10),
    }
}

#[test]
fn the_w4_network_has_pytorch_names_shapes_and_sizes() {
    let net: W4 = W4::new(&mut StdRng::seed_from_u64(0));
    let mut names = vec![];
    net.visit(|info, v| names.push((info.to_string(), info.shape.dims().to_vec(), v.len())));
    assert_eq!(
        names,
        [
            ("c1.weight".to_string(), vec![8, 1, 3, 3], 72),
            ("c1.bias".to_string(), vec![8], 8),
            ("c2.weight".to_string(), vec![16, 8, 3, 3], 1152),
            ("c2.bias".to_string(), vec![16], 16),
            ("out.weight".to_string(), vec![10, 784], 7840),
            ("out.bias".to_string(), vec![10], 10),
        ]
    );
    let s = W4::<f32>::summary().to_string();
    for shape in ["1x28x28", "8x28x28", "8x14x14", "16x14x14", "16x7x7", "784"] {
        assert!(s.contains(shape), "summary lacks {shape}:\n{s}");
    }
    let y = net.forward(&SVector::<f32, 784>::from_element(0.5));
    assert!(y.iter().all(|v| v.is_finite()));
}

network! {
    /// A ResNet basic block with a projection shortcut, its second convolution grouped as in
    /// ResNeXt: out = relu(bn(conv(relu(bn(conv(x))))) + proj(x)), then a classifier head.
    struct Residual {
        input: [4, 7, 7],
        a1: conv2d(8, 3, stride = 2, pad = 1, bias = false),
        n1: batch_norm(tanh),
        a2: conv2d(8, 3, pad = 1, groups = 4, bias = false),
        n2: batch_norm,
        proj: conv2d(8, 1, stride = 2)(input),
        sum: add(n2, proj, tanh),
        gap: global_avg_pool,
        out: dense(3),
    }
}

fn residual(seed: u64) -> Residual<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut net: Residual<f64> = Residual::new(&mut rng);
    // Non-trivial batch-norm parameters and running statistics.
    net.visit_mut(|info, v| match info.name {
        "weight" if info.shape.dims().len() == 1 => {
            v.iter_mut().for_each(|x| *x = rng.random_range(0.5..1.5))
        }
        "bias" | "running_mean" => v.iter_mut().for_each(|x| *x = rng.random_range(-0.5..0.5)),
        "running_var" => v.iter_mut().for_each(|x| *x = rng.random_range(0.5..2.0)),
        _ => {}
    });
    net
}

#[test]
fn residual_summary_shows_every_intermediate_shape() {
    let s = Residual::<f32>::summary().to_string();
    for shape in ["4x7x7", "8x4x4", "8"] {
        assert!(s.contains(shape), "summary lacks {shape}:\n{s}");
    }
    // a1: 8·4·9, a2: 8·2·9 (grouped), batch norms 4·8 each (2 trained, 2 buffers), proj 8·4 + 8.
    assert_eq!(
        Residual::<f32>::new(&mut StdRng::seed_from_u64(0)).parameter_count(),
        288 + 144 + 32 + 32 + 40 + 27
    );
}

#[test]
fn residual_single_sample_gradients_match_finite_differences() {
    let mut net = residual(1);
    let mut rng = StdRng::seed_from_u64(2);
    let x = SVector::<f64, 196>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let r = SVector::<f64, 3>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let trace = net.forward_trace(&x);
    let mut grads = Residual::zeros();
    let dx = net.backward(&x, &trace, &r, &mut grads);
    let num_dx = numeric_gradient_of(x.as_slice(), 1e-5, |v| {
        r.dot(&net.forward(&SVector::from_column_slice(v)))
    });
    assert!(relative_error(dx.as_slice(), &num_dx) < 1e-6);
    let num = numeric_gradient(&mut net, 1e-5, |n| r.dot(&n.forward(&x)));
    for t in 0..net.tensor_count() {
        let info = net.tensor_info(t).unwrap();
        if info.kind.is_trainable() {
            let e = relative_error(grads.tensor(t).unwrap(), num.tensor(t).unwrap());
            assert!(e < 1e-6, "{info}: relative error {e:e}");
        }
    }
}

#[test]
fn residual_training_batch_gradients_match_finite_differences_and_update_the_statistics() {
    let mut net = residual(3);
    let mut rng = StdRng::seed_from_u64(4);
    let x = Batch::<f64, 196>::from_fn(5, |_, _| rng.random_range(-1.0..1.0));
    let r = Batch::<f64, 3>::from_fn(5, |_, _| rng.random_range(-1.0..1.0));
    let loss = |n: &Residual<f64>, x: &Batch<f64, 196>| {
        n.forward_batch_trace(x).output().component_mul(&r).sum()
    };
    let mut trace = net.forward_batch_trace(&x);
    let mut grads = Residual::zeros();
    let dx = net
        .backward_batch(&x, &mut trace, &r, &mut grads)
        .unwrap()
        .clone();
    let num_dx = numeric_gradient_of(x.as_slice(), 1e-5, |v| {
        loss(&net, &Batch::from_column_slice(v))
    });
    assert!(relative_error(dx.as_slice(), &num_dx) < 1e-6);
    let num = numeric_gradient(&mut net, 1e-5, |n| loss(n, &x));
    for t in 0..net.tensor_count() {
        let info = net.tensor_info(t).unwrap();
        if info.kind.is_trainable() {
            let e = relative_error(grads.tensor(t).unwrap(), num.tensor(t).unwrap());
            assert!(e < 1e-6, "{info}: relative error {e:e}");
        } else {
            assert!(
                grads.tensor(t).unwrap().iter().all(|&g| g == 0.0),
                "{info} has a gradient"
            );
        }
    }
    // Training mode normalizes with the batch's statistics, so its output differs from
    // inference, and the running statistics move only on `update_state`.
    let before = net.clone();
    assert!((trace.output() - net.forward_batch(&x)).norm() > 1e-3);
    net.update_state(&trace);
    assert_eq!(net.a1.weight, before.a1.weight);
    assert_ne!(net.n1.running_mean, before.n1.running_mean);
    assert_ne!(net.n2.running_var, before.n2.running_var);
}
