//! `Fit` on several threads: one thread is exactly a hand-written loop, the shards'
//! gradients add up to the whole batch's, a seeded run repeats bit for bit, and Adam's
//! update shared by the threads is one thread's.

use nn_core::loss::{CrossEntropy, LossExt, Reduction};
use nn_core::optim::{Adam, Optimizer, Sgd};
use nn_core::train::{Data, Fit, Targets, Trainer};
use nn_core::{network, Batch, BatchNetwork, Parameters};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};

network! {
    /// Dropout draws masks every step.
    struct Mlp {
        input: 6,
        fc1: dense(24, relu, init = he),
        drop: dropout(0.3),
        fc2: dense(12, tanh),
        out: dense(3),
    }
}

network! {
    /// No random draws in training: shards must reproduce the whole batch's gradient.
    struct Plain {
        input: 6,
        fc1: dense(24, tanh),
        out: dense(3),
    }
}

network! {
    /// Batch norm: trained on one thread.
    struct Bn {
        input: [2, 4, 4],
        conv: conv2d(3, 3, relu, pad = 1),
        bn: batch_norm,
        flat: flatten,
        out: dense(3),
    }
}

fn data(n: usize) -> (Batch<f64, 6>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(11);
    let x = Batch::<f64, 6>::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
    let y = (0..n)
        .map(|c| usize::from(x[(0, c)] > 0.0) + usize::from(x[(1, c)] > 0.5))
        .collect();
    (x, y)
}

fn weights<P: Parameters<f64>>(p: &P) -> Vec<f64> {
    let mut v = Vec::new();
    p.visit(|_, w| v.extend_from_slice(w));
    v
}

/// The loop `Fit` runs on one thread, written out: each epoch's shuffle of `0..n` and
/// dropout masks seeded from `epoch_seed(seed, epoch)`, gather, forward, mean
/// cross-entropy, backward, Adam.
fn hand_written(
    net: &mut Mlp<f64>,
    x: &Batch<f64, 6>,
    y: &[usize],
    epochs: usize,
    batch: usize,
    seed: u64,
) {
    let mut trace = <Mlp<f64> as BatchNetwork<f64, 6, 3>>::new_trace(batch);
    let mut grads = Mlp::<f64>::zeros();
    let mut dl_df = Batch::<f64, 3>::zeros(batch);
    let mut adam = Adam::new(0.01);
    for epoch in 1..=epochs {
        let epoch_seed = nn_core::train::rate::epoch_seed(seed, epoch);
        let mut rng = StdRng::seed_from_u64(epoch_seed);
        <Mlp<f64> as BatchNetwork<f64, 6, 3>>::seed_trace(&mut trace, epoch_seed ^ 0xD50F_D50F);
        let mut order: Vec<usize> = (0..y.len()).collect();
        order.shuffle(&mut rng);
        for idx in order.chunks(batch) {
            let xb = Batch::<f64, 6>::from_fn(idx.len(), |r, c| x[(r, idx[c])]);
            let yb: Vec<usize> = idx.iter().map(|&i| y[i]).collect();
            adam.before_gradient(net).unwrap();
            net.forward_train(&xb, &mut trace);
            CrossEntropy
                .batch_grad_into(trace.output(), &yb[..], Reduction::Mean, &mut dl_df)
                .unwrap();
            net.backward_params(&xb, &mut trace, &dl_df, &mut grads)
                .unwrap();
            adam.step(net, &grads).unwrap();
        }
    }
}

#[test]
fn one_thread_is_the_hand_written_loop_bit_for_bit() {
    let (x, y) = data(150); // batches of 32: four full and one of 22
    let mut a: Mlp<f64> = Mlp::new(&mut StdRng::seed_from_u64(4));
    let mut b = a.clone();
    Fit::new(3)
        .batch_size(32)
        .seed(9)
        .threads(1)
        .run(
            &mut a,
            &mut Adam::new(0.01),
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        )
        .unwrap();
    hand_written(&mut b, &x, &y, 3, 32, 9);
    assert_eq!(weights(&a), weights(&b));
}

#[test]
fn a_seeded_run_repeats_for_each_thread_count() {
    let (x, y) = data(200);
    for threads in [2, 3, 4] {
        let run = || {
            let mut net: Mlp<f64> = Mlp::new(&mut StdRng::seed_from_u64(4));
            Fit::new(2)
                .batch_size(64)
                .seed(5)
                .threads(threads)
                .run(
                    &mut net,
                    &mut Adam::new(0.01),
                    &CrossEntropy,
                    Data::classes(&x, &y),
                    None,
                    &mut [],
                )
                .unwrap();
            weights(&net)
        };
        let first = run();
        assert_eq!(first, run(), "{threads} threads");
    }
}

/// One SGD step with rate 1 moves the weights by minus the gradient: the shards' weighted
/// sum must equal the whole batch's gradient, also for shards of unequal size.
#[test]
fn shard_gradients_add_up_to_the_batch_gradient() {
    let (x, y) = data(70); // 4 shards: 18, 18, 17, 17 samples
    let start: Plain<f64> = Plain::new(&mut StdRng::seed_from_u64(2));
    let step = |threads: usize| {
        let mut net = start.clone();
        let mut trainer = Trainer::new(70, threads, 0);
        assert_eq!(trainer.threads(), threads);
        let s = trainer
            .step(
                &mut net,
                &mut Sgd::new(1.0),
                &CrossEntropy,
                &x,
                Targets::Classes(&y),
            )
            .unwrap();
        (s, weights(&net))
    };
    let (whole, w1) = step(1);
    for threads in [2, 4] {
        let (sharded, w) = step(threads);
        assert_eq!(whole.correct, sharded.correct);
        assert!(
            (whole.loss - sharded.loss).abs() < 1e-12,
            "{threads}: {whole:?} {sharded:?}"
        );
        let moved: f64 = weights(&start)
            .iter()
            .zip(&w1)
            .map(|(a, b)| (a - b).abs())
            .sum();
        assert!(moved > 1e-3, "the step moves the weights");
        for (a, b) in w1.iter().zip(&w) {
            assert!((a - b).abs() < 1e-12, "{threads} threads: {a} against {b}");
        }
    }
}

#[test]
fn small_batches_and_batch_norm_use_fewer_threads() {
    assert_eq!(Trainer::<f64, Plain<f64>, 6, 3>::new(64, 8, 0).threads(), 4);
    assert_eq!(Trainer::<f64, Plain<f64>, 6, 3>::new(20, 4, 0).threads(), 1);
    assert_eq!(
        Trainer::<f64, Plain<f64>, 6, 3>::new(256, 3, 0).threads(),
        3
    );
    assert_eq!(Trainer::<f64, Bn<f64>, 32, 3>::new(256, 4, 0).threads(), 1);
    const { assert!(!<Bn<f64> as BatchNetwork<f64, 32, 3>>::PER_SAMPLE) };
    const { assert!(<Mlp<f64> as BatchNetwork<f64, 6, 3>>::PER_SAMPLE) };
}

#[test]
fn threads_learn_as_well_as_one() {
    let (x, y) = data(400);
    let accuracy = |threads| {
        let mut net: Mlp<f64> = Mlp::new(&mut StdRng::seed_from_u64(4));
        let h = Fit::new(30)
            .batch_size(64)
            .seed(1)
            .threads(threads)
            .run(
                &mut net,
                &mut Adam::new(0.01),
                &CrossEntropy,
                Data::classes(&x, &y),
                None,
                &mut [],
            )
            .unwrap();
        h.last().unwrap().train.accuracy.unwrap()
    };
    let (one, two) = (accuracy(1), accuracy(2));
    assert!(one > 0.85 && two > 0.85, "{one} {two}");
}

/// Cross-entropy that panics once, on its 50th sample (in either shard, on whichever
/// thread runs it), as a buggy user loss might.
struct PanicsOnce(std::sync::atomic::AtomicUsize);

impl nn_core::loss::Loss<f64> for PanicsOnce {
    const NAME: &'static str = "panics once";
    fn eval(
        &self,
        f: &[f64],
        y: nn_core::loss::Target<'_, f64>,
        grad: Option<&mut [f64]>,
    ) -> Result<f64, nn_core::Error> {
        if self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 49 {
            panic!("a bug in a loss");
        }
        CrossEntropy.eval(f, y, grad)
    }
}

/// A panic in a shard, on a worker thread or the caller's (the threads claim the shards as
/// they come free), reaches the caller after every shard has ended instead of leaving it
/// waiting.
#[test]
#[should_panic(expected = "a training thread panicked")]
fn a_panic_in_a_shard_reaches_the_caller() {
    let (x, y) = data(64);
    let mut net: Plain<f64> = Plain::new(&mut StdRng::seed_from_u64(2));
    let mut trainer = Trainer::new(64, 2, 0);
    let _ = trainer.step(
        &mut net,
        &mut Sgd::new(0.1),
        &PanicsOnce(Default::default()),
        &x,
        Targets::Classes(&y),
    );
}

/// Vector targets and a loss averaged over every output value: the shards still add up.
#[test]
fn shard_gradients_add_up_for_vector_targets() {
    use nn_core::loss::MeanSquaredError;
    let (x, _) = data(70);
    let t = Batch::<f64, 3>::from_fn(70, |r, c| (x[(r, c)] * 2.0).sin());
    let start: Plain<f64> = Plain::new(&mut StdRng::seed_from_u64(2));
    let step = |threads: usize| {
        let mut net = start.clone();
        let s = Trainer::new(70, threads, 0)
            .step(
                &mut net,
                &mut Sgd::new(1.0),
                &MeanSquaredError,
                &x,
                Targets::Values(&t),
            )
            .unwrap();
        (s.loss, weights(&net))
    };
    let (l1, w1) = step(1);
    let (l4, w4) = step(4);
    assert!((l1 - l4).abs() < 1e-12, "{l1} {l4}");
    assert!(weights(&start)
        .iter()
        .zip(&w1)
        .any(|(a, b)| (a - b).abs() > 1e-6));
    for (a, b) in w1.iter().zip(&w4) {
        assert!((a - b).abs() < 1e-12, "{a} against {b}");
    }
}

network! {
    /// Convolution and pooling, no random draws.
    struct Conv {
        input: [1, 6, 6],
        conv1: conv2d(4, 3, relu, pad = 1),
        pool: max_pool2d(2),
        conv2: conv2d(5, 3, tanh, pad = 1),
        flat: flatten,
        fc: dense(8, relu),
        out: dense(3),
    }
}

/// Convolutions keep per-batch buffers in their traces: the shards still add up.
#[test]
fn shard_gradients_add_up_for_convolutions() {
    let mut rng = StdRng::seed_from_u64(8);
    let x = Batch::<f64, 36>::from_fn(70, |_, _| rng.random_range(-1.0..1.0));
    let y: Vec<usize> = (0..70).map(|c| c % 3).collect();
    let start: Conv<f64> = Conv::new(&mut StdRng::seed_from_u64(2));
    let step = |threads: usize| {
        let mut net = start.clone();
        let mut trainer = Trainer::new(70, threads, 0);
        let mut opt = Sgd::new(1.0);
        for _ in 0..3 {
            trainer
                .step(&mut net, &mut opt, &CrossEntropy, &x, Targets::Classes(&y))
                .unwrap();
        }
        weights(&net)
    };
    let w1 = step(1);
    assert!(weights(&start)
        .iter()
        .zip(&w1)
        .any(|(a, b)| (a - b).abs() > 1e-6));
    for threads in [2, 4] {
        for (a, b) in w1.iter().zip(&step(threads)) {
            assert!((a - b).abs() < 1e-10, "{threads} threads: {a} against {b}");
        }
    }
}

/// Adam whose every update is checked against Adam on one thread, on a copy of the weights.
struct Checked {
    shared: Adam<Plain<f64>>,
    alone: Adam<Plain<f64>>,
    parts_seen: usize,
}

impl Optimizer<f64, Plain<f64>> for Checked {
    fn step(&mut self, params: &mut Plain<f64>, grads: &Plain<f64>) -> Result<(), nn_core::Error> {
        self.step_parts(params, grads, &mut nn_core::optim::parts::Serial)
    }
    fn step_parts(
        &mut self,
        params: &mut Plain<f64>,
        grads: &Plain<f64>,
        parts: &mut dyn nn_core::optim::Parts,
    ) -> Result<(), nn_core::Error> {
        self.parts_seen = self.parts_seen.max(parts.count());
        let mut copy = params.clone();
        self.alone.step(&mut copy, grads)?;
        self.shared.step_parts(params, grads, parts)?;
        let bits = |p: &Plain<f64>| weights(p).iter().map(|w| w.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(params), bits(&copy), "step {}", self.alone.steps());
        Ok(())
    }
    fn steps(&self) -> u64 {
        self.alone.steps()
    }
    fn reset(&mut self) {}
}

/// On several threads the trainer hands Adam's update to its pool (each thread a range of
/// every tensor), and every step's result is one thread's bit for bit.
#[test]
fn adam_shared_by_the_pool_is_adam_on_one_thread() {
    let (x, y) = data(200);
    for threads in [2, 3] {
        let mut net: Plain<f64> = Plain::new(&mut StdRng::seed_from_u64(5));
        let mut opt = Checked {
            shared: Adam::new(0.01),
            alone: Adam::new(0.01),
            parts_seen: 0,
        };
        Fit::new(2)
            .batch_size(64)
            .threads(threads)
            .run(
                &mut net,
                &mut opt,
                &CrossEntropy,
                Data::classes(&x, &y),
                None,
                &mut [],
            )
            .unwrap();
        assert_eq!(opt.parts_seen, threads);
        assert_eq!(opt.alone.steps(), 8);
    }
}
