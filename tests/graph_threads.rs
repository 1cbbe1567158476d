//! The graph trainer on several threads: each mini-batch cut into shards, their gradients
//! summed in shard order on the pool's threads (the chain trainer's sum), so a step's
//! gradient is the shards' one-thread gradients summed in that order bit for bit, and a
//! seeded `Fit::run_graph` gives the same weights every time for a given thread count.
//! (One thread is a hand-written step bit for bit: `tests/graph_fit.rs`.)

use nn_core::loss::{CrossEntropy, SquaredError};
use nn_core::optim::{Adam, Optimizer};
use nn_core::train::{Fit, GraphData, GraphTrainer, Targets, Weighted};
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! {
    /// Two inputs, two outputs, dropout in the shared trunk (so each shard's masks count).
    struct Forked {
        a: input(5),
        b: input(2),
        ha: dense(8, tanh)(a),
        hb: dense(4, relu)(b),
        both: concat(ha, hb),
        trunk: dense(12, relu),
        drop: dropout(0.25),
        class: dense(3)(drop),
        value: dense(2)(drop),
        output: (class, value),
    }
}

network! {
    /// The same without dropout: a shard's gradient does not depend on its masks' seed.
    struct Plain {
        a: input(5),
        b: input(2),
        ha: dense(8, tanh)(a),
        hb: dense(4, relu)(b),
        both: concat(ha, hb),
        trunk: dense(12, relu),
        class: dense(3)(trunk),
        value: dense(2)(trunk),
        output: (class, value),
    }
}

type Heads = (Weighted<CrossEntropy>, Weighted<SquaredError>);

fn heads() -> Heads {
    (
        Weighted::new(1.0, CrossEntropy),
        Weighted::new(0.3, SquaredError),
    )
}

/// Inputs, class labels and value targets of `n` samples.
#[allow(clippy::type_complexity)]
fn data(n: usize, seed: u64) -> ((Batch<f64, 5>, Batch<f64, 2>), Vec<usize>, Batch<f64, 2>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let a = Batch::<f64, 5>::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
    let b = Batch::<f64, 2>::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
    let labels = (0..n).map(|_| rng.random_range(0..3)).collect();
    let v = Batch::<f64, 2>::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
    ((a, b), labels, v)
}

fn values<P: Parameters<f64>>(p: &P) -> Vec<f64> {
    let mut v = Vec::new();
    p.visit(|_, w| v.extend_from_slice(w));
    v
}

/// Keeps the gradient it is handed and leaves the weights alone.
struct Keep(Vec<f64>);

impl Optimizer<f64, Plain<f64>> for Keep {
    fn step(&mut self, _: &mut Plain<f64>, grads: &Plain<f64>) -> Result<(), nn_core::Error> {
        self.0 = values(grads);
        Ok(())
    }
    fn steps(&self) -> u64 {
        0
    }
    fn reset(&mut self) {}
}

/// The gradient of one step on samples `r` of the data, on `threads` threads.
fn gradient(net: &Plain<f64>, n: usize, r: core::ops::Range<usize>, threads: usize) -> Vec<f64> {
    let ((a, b), labels, v) = data(n, 11);
    let len = r.len();
    let x = (
        a.columns(r.start, len).into_owned(),
        b.columns(r.start, len).into_owned(),
    );
    let v = v.columns(r.start, len).into_owned();
    let mut trainer = GraphTrainer::new(len, threads, 0);
    assert_eq!(trainer.threads(), threads);
    let mut keep = Keep(Vec::new());
    let targets = (Targets::Classes(&labels[r]), Targets::Values(&v));
    trainer
        .step(&mut net.clone(), &mut keep, &heads(), &x, targets)
        .unwrap();
    keep.0
}

/// Samples `j` of `n` in `k` contiguous shards, the first `n % k` one larger (the trainer's
/// cut, written out).
fn shard(n: usize, k: usize, j: usize) -> core::ops::Range<usize> {
    let (q, r) = (n / k, n % k);
    let start = j * q + j.min(r);
    start..start + q + usize::from(j < r)
}

#[test]
fn shards_are_summed_in_shard_order_bit_for_bit() {
    let net: Plain<f64> = Plain::new(&mut StdRng::seed_from_u64(3));
    let n = 70;
    for k in [2, 3] {
        // Each shard's gradient on one thread, then g = w_0 g_0 + w_1 g_1, g += w_j g_j.
        let parts: Vec<Vec<f64>> = (0..k)
            .map(|j| gradient(&net, n, shard(n, k, j), 1))
            .collect();
        let w: Vec<f64> = (0..k)
            .map(|j| shard(n, k, j).len() as f64 / n as f64)
            .collect();
        let mut want: Vec<f64> = parts[0]
            .iter()
            .zip(&parts[1])
            .map(|(g0, g1)| w[0] * g0 + w[1] * g1)
            .collect();
        for (p, wj) in parts[2..].iter().zip(&w[2..]) {
            want.iter_mut().zip(p).for_each(|(g, gj)| *g += wj * gj);
        }
        let got = gradient(&net, n, 0..n, k);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&want), "{k} threads");
        // And the whole batch's gradient on one thread, up to rounding.
        let one = gradient(&net, n, 0..n, 1);
        assert!(nn_core::gradcheck::relative_error(&got, &one) < 1e-13);
    }
}

#[test]
fn a_seeded_run_graph_repeats_for_each_thread_count() {
    let ((a, b), labels, v) = data(200, 5);
    let x = (a, b);
    let targets = (Targets::Classes(&labels[..]), Targets::Values(&v));
    let run = |threads: usize| {
        let mut net: Forked<f64> = Forked::new(&mut StdRng::seed_from_u64(9));
        Fit::new(3)
            .batch_size(64)
            .threads(threads)
            .seed(4)
            .run_graph(
                &mut net,
                &mut Adam::new(1e-2),
                &heads(),
                GraphData::new(&x, targets),
                None,
                &mut [],
            )
            .unwrap();
        values(&net)
    };
    let mut by_threads = Vec::new();
    for threads in [1, 2, 3] {
        let first = run(threads);
        assert_eq!(first, run(threads), "{threads} threads");
        by_threads.push(first);
    }
    // The shards' dropout masks differ from one thread's, so the runs differ.
    assert_ne!(by_threads[0], by_threads[1]);
    assert_ne!(by_threads[1], by_threads[2]);
}
