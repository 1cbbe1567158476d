//! A ResNet-18-shaped network at 3x224x224 (torchvision's layout, declared flat in
//! `examples/support/resnet18_flat.rs`) runs one sample forward and backward on the main
//! thread's default stack and on a thread with 2 MiB of stack.
//!
//! Its activations total 5.9 million values per sample, 23.7 MB in `f32` (conv1 alone makes
//! 64x112x112): kept on the stack, one sample's forward would overflow 8 MiB. `forward`
//! keeps them in a heap workspace of `WORKSPACE_LEN` values instead, `forward_in` in the
//! caller's, and the batch path (here with one column) in its trace's heap buffers.
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

/// A seeded image with values in [-1, 1], on the heap (600 KB in `f32`).
fn image<T: Scalar>(seed: u64) -> Box<SVector<T, IN>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x: Box<SVector<T, IN>> = Box::new(SVector::zeros());
    x.iter_mut()
        .for_each(|v| *v = T::of(rng.random_range(-1.0..1.0)));
    x
}

/// Forward for one sample (`forward` and `forward_in`) and forward and backward through the
/// batch path with one column, in `f32`.
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

    let mut trace = net.forward_batch_trace(&xb);
    let dl = Batch::<f32, 1000>::from_element(1, 1.0);
    let mut grads = ResNet18Flat::zeros();
    let dx = net
        .backward_batch(&xb, &mut trace, &dl, &mut grads)
        .expect("one batch size throughout");
    assert_eq!(dx.shape(), (IN, 1));
    assert!(dx.iter().all(|v| v.is_finite()) && dx.iter().any(|v| *v != 0.0));
    assert!(grads.fc.weight.iter().any(|v| *v != 0.0));
}

/// The batch path's input gradient along a random direction against central differences
/// of the same (training-mode) pass, in `f64`.
fn backward_matches_central_differences() {
    let net: ResNet18Flat<f64> = ResNet18Flat::new(&mut StdRng::seed_from_u64(18));
    let x = Batch::<f64, IN>::from_column_slice(image::<f64>(2).as_slice());
    let v = Batch::<f64, IN>::from_column_slice(image::<f64>(3).as_slice());
    let mut rng = StdRng::seed_from_u64(4);
    let w = Batch::<f64, 1000>::from_fn(1, |_, _| rng.random_range(-1.0..1.0));
    let loss = |x: &Batch<f64, IN>| net.forward_batch_trace(x).output().dot(&w);
    let mut trace = net.forward_batch_trace(&x);
    let mut grads = ResNet18Flat::zeros();
    let dx = net
        .backward_batch(&x, &mut trace, &w, &mut grads)
        .expect("one batch size throughout");
    let analytic = dx.dot(&v);
    // Small: with millions of ReLU and max-pool kinks, a larger step crosses some of them.
    let h = 1e-8;
    let numeric = (loss(&(&x + &v * h)) - loss(&(&x - &v * h))) / (2.0 * h);
    let err = relative_error(&[analytic], &[numeric]);
    assert!(
        err < 1e-5,
        "dl/dx . v = {analytic}, central difference {numeric}"
    );
}

fn main() {
    // The main thread, with the stack the OS gave it (8 MiB by default on Linux).
    one_sample_f32();
    backward_matches_central_differences();
    eprintln!("main thread: one sample forward and backward ran");
    // A thread with exactly 2 MiB, the test harness's default.
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(one_sample_f32)
        .expect("a thread can be spawned")
        .join()
        .expect("the 2 MiB thread ran one sample forward and backward");
    eprintln!("2 MiB thread: one sample forward and backward ran");
}
