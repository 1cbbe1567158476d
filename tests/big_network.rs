//! An MNIST-sized network (784-128-64-10, `f32`) trains on the default 2 MiB test-thread
//! stack in a debug build.
//!
//! Its weights alone are 400 KB for the first layer; the weights, the gradients and two
//! optimizer-state copies built inline on the stack would overflow 2 MiB. nn-core keeps every
//! parameter tensor on the heap (`Param`, allocated zeroed in place), so constructing,
//! cloning, training and dropping the network must not touch the stack with a whole tensor.
//!
//! The work runs on a thread spawned with exactly 2 MiB of stack (the test harness's default),
//! so a `RUST_MIN_STACK` in the environment cannot hide an overflow.

use nn_core::loss::{CrossEntropy, LossExt, Reduction};
use nn_core::nalgebra::SVector;
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! {
    /// The classic MNIST multilayer perceptron.
    pub struct Mnist {
        input: 784,
        fc1: dense(128, relu, init = he),
        fc2: dense(64, relu, init = he),
        out: dense(10),
    }
}

/// The default stack of a test thread.
const TEST_STACK: usize = 2 * 1024 * 1024;
const BATCH: usize = 64;

/// One SGD step on `(x, labels)`: returns the loss before the step.
fn sgd_step(
    net: &mut Mnist,
    x: &Batch<f32, 784>,
    labels: &[usize],
    trace: &mut MnistBatchTrace,
    dl_df: &mut Batch<f32, 10>,
    grads: &mut Mnist,
    lr: f32,
) -> f32 {
    net.forward_batch_trace_into(x, trace);
    let loss = CrossEntropy
        .batch_grad_into(trace.output(), labels, Reduction::Mean, dl_df)
        .expect("labels are in range");
    let dx = net
        .backward_batch(x, trace, dl_df, grads)
        .expect("one batch size throughout");
    assert_eq!(dx.shape(), (784, BATCH));
    net.zip_mut(grads, |_, p, g| {
        p.iter_mut().zip(g).for_each(|(p, g)| *p -= lr * g)
    });
    loss
}

fn train_on_a_fixed_batch() {
    let mut rng = StdRng::seed_from_u64(784);
    let mut net: Mnist = Mnist::new(&mut rng);
    assert_eq!(
        net.parameter_count(),
        784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10
    );

    // A fixed batch of 64 "images" with pixel values in [0, 1] and labels 0..9.
    let x = Batch::<f32, 784>::from_fn(BATCH, |_, _| rng.random_range(0.0..1.0));
    let labels: Vec<usize> = (0..BATCH).map(|j| j % 10).collect();

    // forward_batch_trace allocates the trace; the loop reuses it.
    let mut trace = net.forward_batch_trace(&x);
    assert_eq!(trace.batch_size(), BATCH);
    let mut dl_df = Batch::<f32, 10>::zeros(BATCH);
    let mut grads = Mnist::zeros();
    // Optimizer-like state: two more full copies (momentum, second moment), as Adam keeps.
    let mut momentum = Mnist::zeros();
    let second = net.clone();
    assert_eq!(second.fc1.weight, net.fc1.weight);

    let mut losses = Vec::new();
    for _ in 0..8 {
        losses.push(sgd_step(
            &mut net, &x, &labels, &mut trace, &mut dl_df, &mut grads, 0.05,
        ));
        momentum.zip_mut(&grads, |_, m, g| {
            m.iter_mut().zip(g).for_each(|(m, g)| *m = 0.9 * *m + g)
        });
    }
    net.forward_batch_trace_into(&x, &mut trace);
    let last = CrossEntropy
        .batch_value(trace.output(), &labels[..], Reduction::Mean)
        .expect("labels are in range");
    losses.push(last);

    assert!(losses.iter().all(|l| l.is_finite()), "losses: {losses:?}");
    // Ten classes at initialization: the mean cross-entropy starts near ln 10 ≈ 2.3.
    assert!(
        (1.0..5.0).contains(&losses[0]),
        "initial loss {}",
        losses[0]
    );
    for w in losses.windows(2) {
        assert!(
            w[1] < w[0],
            "full-batch gradient descent must decrease the loss: {losses:?}"
        );
    }
    assert!(last < 0.9 * losses[0], "the loss barely moved: {losses:?}");
    assert!(
        grads.fc1.weight.iter().any(|&g| g != 0.0),
        "no gradient reached the first layer"
    );
    assert!(momentum.out.bias.iter().all(|m| m.is_finite()));

    // The single-sample path on the same network: forward, forward_trace, backward.
    let x0: SVector<f32, 784> = x.column(0).into_owned();
    let t0 = net.forward_trace(&x0);
    let f0 = net.forward(&x0);
    assert_eq!(*t0.output(), f0);
    let (_, d0) = CrossEntropy
        .value_and_grad(&f0, &labels[0])
        .expect("label in range");
    let mut g0 = Mnist::zeros();
    let dx0 = net.backward(&x0, &t0, &d0, &mut g0);
    assert!(dx0.iter().all(|v| v.is_finite()));
    let batch_f0 = net.forward_batch(&x).column(0).into_owned();
    assert!((batch_f0 - f0).norm() <= 1e-4 * f0.norm().max(1.0));

    drop((net, grads, momentum, second, g0, trace));
}

#[test]
fn mnist_sized_network_trains_on_a_2_mib_stack() {
    std::thread::Builder::new()
        .name("2 MiB stack".into())
        .stack_size(TEST_STACK)
        .spawn(train_on_a_fixed_batch)
        .expect("spawn")
        .join()
        .expect("the training step panicked (a stack overflow aborts the whole process instead)");
}
