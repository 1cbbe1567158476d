//! A ResNet-18-shaped network at 3x224x224 (torchvision's layout, declared flat in
//! `examples/support/resnet18_flat.rs`) runs one sample forward and backward on the main
//! thread's default stack and on a thread with 2 MiB of stack.
//!
//! Its activations total 5.9 million values per sample, 23.7 MB in `f32` (conv1 alone makes
//! 64x112x112): kept on the stack, one sample's forward would overflow 8 MiB. `forward`
//! keeps them in a heap workspace of `WORKSPACE_LEN` values instead, `forward_in` in the
//! caller's; `forward_trace` keeps every `z` and `x` in a heap buffer of `TRACE_LEN` values
//! and `backward` its gradients in one of `BACKWARD_LEN` (`forward_trace_in` and
//! `backward_in`: the caller's buffers).
//!
//! Not a libtest harness (`harness = false` in Cargo.toml): `main` runs on the process's
//! real main thread, whose stack the test harness would otherwise replace by its own.

use nn_core::gradcheck::relative_error;
use nn_core::nalgebra::SVector;
use nn_core::{Batch, Scalar};
use rand::{rngs::StdRng, Rng, SeedableRng};

#[path = "../examples/support/resnet18_flat.rs"]
mod resnet18_flat;
use resnet18_flat::ResNet18Flat;

const IN: usize = 3 * 224 * 224;

/// A seeded image with values in [-1, 1], on the heap (600 KB in `f32`, 1.2 MB in `f64`),
/// allocated zeroed there rather than built on the stack and moved.
fn image<T: Scalar>(seed: u64) -> Box<SVector<T, IN>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x: Box<SVector<T, IN>> = bytemuck::zeroed_box();
    x.iter_mut()
        .for_each(|v| *v = T::of(rng.random_range(-1.0..1.0)));
    x
}

/// Forward for one sample (`forward` and `forward_in`, against `forward_batch`), then
/// `forward_trace` and `backward` on their heap workspaces against `forward_trace_in` and
/// `backward_in` on the caller's, in `f32`.
fn one_sample_f32() {
    // conv1 and bn1 (64x112x112 each) are alive together; every later pair of live outputs
    // fits in the space they leave, so the workspace is two of the largest activation,
    // against 5,922,280 values for all of them.
    assert_eq!(ResNet18Flat::<f32>::WORKSPACE_LEN, 2 * 64 * 112 * 112);
    let net: ResNet18Flat = ResNet18Flat::new(&mut StdRng::seed_from_u64(18));
    let x = image::<f32>(1);
    let y = net.forward(&x);
    let mut ws = vec![0.0f32; ResNet18Flat::<f32>::WORKSPACE_LEN];
    let y_in = net
        .forward_in(&x, &mut ws)
        .expect("the workspace is large enough");
    assert_eq!(y, y_in, "forward and forward_in disagree");
    let short = net.forward_in(&x, &mut ws[1..]);
    assert!(short.is_err(), "a workspace one value short is refused");

    let xb = Batch::<f32, IN>::from_column_slice(x.as_slice());
    let yb = net.forward_batch(&xb);
    let (a, b): (Vec<f64>, Vec<f64>) = y
        .iter()
        .zip(yb.iter())
        .map(|(a, b)| (f64::from(*a), f64::from(*b)))
        .unzip();
    let err = relative_error(&a, &b);
    assert!(err < 1e-5, "one-sample and batch outputs differ by {err}");

    // The trace keeps every z and x (about twice the activations); the backward's gradients
    // reuse their space like the forward's workspace.
    // The trace: every z (5,922,280 values) and the x of the 17 layers with a ReLU
    // (2,308,096).
    assert_eq!(ResNet18Flat::<f32>::TRACE_LEN, 5_922_280 + 2_308_096);
    // The gradients: three and a half times the largest activation, the input's included.
    assert_eq!(ResNet18Flat::<f32>::BACKWARD_LEN, 7 * 64 * 112 * 112 / 2);
    let trace = net.forward_trace(&x);
    assert_eq!(*trace.output(), y, "forward_trace and forward disagree");
    let dl = SVector::<f32, 1000>::from_element(1.0);
    let mut grads = ResNet18Flat::zeros();
    let dx = net.backward(&x, &trace, &dl, &mut grads);
    assert!(dx.iter().all(|v| v.is_finite()) && dx.iter().any(|v| *v != 0.0));
    assert!(grads.fc.weight.iter().any(|v| *v != 0.0));

    let mut values = vec![0.0f32; ResNet18Flat::<f32>::TRACE_LEN];
    let short = net.forward_trace_in(&x, &mut values[1..]);
    assert!(
        short.is_err(),
        "a trace workspace one value short is refused"
    );
    let trace_in = net
        .forward_trace_in(&x, &mut values[..])
        .expect("the trace workspace is large enough");
    let mut scratch = vec![0.0f32; ResNet18Flat::<f32>::BACKWARD_LEN];
    let mut grads_in = ResNet18Flat::zeros();
    let short = net.backward_in(&x, &trace_in, &dl, &mut grads_in, &mut scratch[1..]);
    assert!(
        short.is_err(),
        "a backward workspace one value short is refused"
    );
    let dx_in = net
        .backward_in(&x, &trace_in, &dl, &mut grads_in, &mut scratch)
        .expect("the backward workspace is large enough");
    assert_eq!(&dx, dx_in, "backward and backward_in disagree");
    assert_eq!(*grads.conv1.weight, *grads_in.conv1.weight);
}

/// The one-sample input gradient (`forward_trace`, `backward_in`) along a random direction
/// against central differences of `forward`, in `f64`.
fn backward_matches_central_differences() {
    let net: ResNet18Flat<f64> = ResNet18Flat::new(&mut StdRng::seed_from_u64(18));
    let (x, v) = (image::<f64>(2), image::<f64>(3));
    let mut rng = StdRng::seed_from_u64(4);
    let w = SVector::<f64, 1000>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let trace = net.forward_trace(&x);
    let mut grads = ResNet18Flat::zeros();
    let mut scratch = vec![0.0; ResNet18Flat::<f64>::BACKWARD_LEN];
    let dx = net
        .backward_in(&x, &trace, &w, &mut grads, &mut scratch)
        .expect("the backward workspace is large enough");
    let analytic = dx.dot(&v);
    // Small: with millions of ReLU and max-pool kinks, a larger step crosses some of them.
    let h = 1e-8;
    // The shifted inputs made on the heap (1.2 MB each in `f64`), not cloned through the
    // stack.
    let loss = |step: f64| {
        let mut xs = image::<f64>(2);
        xs.axpy(step, &v, 1.0);
        net.forward(&xs).dot(&w)
    };
    let numeric = (loss(h) - loss(-h)) / (2.0 * h);
    let err = relative_error(&[analytic], &[numeric]);
    assert!(
        err < 1e-5,
        "dl/dx . v = {analytic}, central difference {numeric}"
    );
}

fn main() {
    eprintln!(
        "workspace {} B, trace {} B, backward {} B (f32)",
        ResNet18Flat::<f32>::WORKSPACE_BYTES,
        ResNet18Flat::<f32>::TRACE_BYTES,
        ResNet18Flat::<f32>::BACKWARD_BYTES
    );
    // The main thread, with the stack the OS gave it (8 MiB by default on Linux).
    one_sample_f32();
    backward_matches_central_differences();
    eprintln!("main thread: one sample forward and backward ran");
    // A thread with exactly 2 MiB, the test harness's default.
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            one_sample_f32();
            backward_matches_central_differences();
        })
        .expect("a thread can be spawned")
        .join()
        .expect("the 2 MiB thread ran one sample forward and backward");
    eprintln!("2 MiB thread: one sample forward and backward ran");
}
