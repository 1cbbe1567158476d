//! Training never loses the last good state: whatever makes a step of `Fit` fail (a
//! non-finite loss, a non-finite gradient, a NaN input, a bad label, a length mismatch),
//! the weights, the optimizer's state and batch norm's running statistics afterwards are,
//! bit for bit, those before that step, for every optimizer that `Fit` drives.
//!
//! The reference is a second run that stops just before the failing step (same seed, same
//! data, same initial network): both must agree on every bit.

use nn_core::loss::{CrossEntropy, Loss, Target};
use nn_core::optim::{
    clip_global_norm, Adam, Momentum, Nadam, Nesterov, Optimizer, Rmsprop, Rprop, Sgd, WeightDecay,
};
use nn_core::train::{Data, Fit, TrainError};
use nn_core::{network, Batch, Error, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

network! {
    /// A convolution, batch norm (running statistics) and a dense classifier.
    struct BnNet {
        input: [1, 3, 3],
        conv: conv2d(2, 2),
        bn: batch_norm(relu),
        flat: flatten,
        out: dense(3),
    }
}

/// 12 samples in batches of 6: two steps per epoch. The failing step is the first of
/// epoch 3, so the reference run trains 2 epochs.
const SAMPLES: usize = 12;
const BATCH: usize = 6;
const FAIL_EPOCH: usize = 3;
const FAIL_BATCH: usize = (FAIL_EPOCH - 1) * SAMPLES / BATCH;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    NonFiniteLoss,
    NonFiniteGradient,
    NanInput,
    BadLabel,
    LengthMismatch,
}

const KINDS: [Kind; 5] = [
    Kind::NonFiniteLoss,
    Kind::NonFiniteGradient,
    Kind::NanInput,
    Kind::BadLabel,
    Kind::LengthMismatch,
];

/// Cross-entropy that misbehaves, as `kind` says, on the first sample of batch
/// `FAIL_BATCH` (it counts the samples whose gradient it computes; nothing else calls it).
struct Failing {
    kind: Option<Kind>,
    /// Atomic: `Fit` shares the loss with its worker threads.
    calls: AtomicUsize,
}

impl Loss<f64> for Failing {
    const NAME: &'static str = "failing cross-entropy";
    fn eval(
        &self,
        f: &[f64],
        y: Target<'_, f64>,
        mut grad: Option<&mut [f64]>,
    ) -> Result<f64, Error> {
        let value = CrossEntropy.eval(f, y, grad.as_deref_mut())?;
        // Count the gradient pass only (targets are validated in a pass without one).
        if grad.is_none() {
            return Ok(value);
        }
        let call = self.calls.fetch_add(1, Ordering::Relaxed);
        if call != FAIL_BATCH * BATCH {
            return Ok(value);
        }
        match self.kind {
            Some(Kind::NonFiniteLoss) => Ok(f64::NAN),
            Some(Kind::NonFiniteGradient) => {
                if let Some(g) = grad {
                    g[0] = f64::INFINITY;
                }
                Ok(value)
            }
            Some(Kind::BadLabel) => Err(Error::ClassOutOfRange {
                class: 3,
                classes: 3,
            }),
            Some(Kind::LengthMismatch) => Err(Error::LengthMismatch {
                what: "targets",
                expected: 3,
                found: 2,
            }),
            Some(Kind::NanInput) | None => Ok(value),
        }
    }
}

/// Every value of every tensor (weights, biases and the running statistics), as bits.
fn bits<P: Parameters<f64>>(p: &P) -> Vec<u64> {
    let mut out = Vec::new();
    p.visit(|_, v| out.extend(v.iter().map(|x| x.to_bits())));
    out
}

fn opt_bits(p: Option<&BnNet<f64>>) -> Vec<u64> {
    p.map(bits).unwrap_or_default()
}

/// An optimizer `Fit` drives, with its whole state as bits.
trait Probe: Optimizer<f64, BnNet<f64>> {
    fn state(&self) -> Vec<u64>;
}

impl Probe for Sgd {
    fn state(&self) -> Vec<u64> {
        vec![self.steps()]
    }
}

impl Probe for Momentum<BnNet<f64>> {
    fn state(&self) -> Vec<u64> {
        [vec![self.steps()], opt_bits(self.velocity())].concat()
    }
}

impl Probe for Nesterov<BnNet<f64>> {
    fn state(&self) -> Vec<u64> {
        let head = vec![self.steps(), u64::from(self.at_lookahead())];
        [head, opt_bits(self.velocity())].concat()
    }
}

impl<const NESTEROV: bool> Probe for nn_core::optim::AdamLike<BnNet<f64>, NESTEROV> {
    fn state(&self) -> Vec<u64> {
        let (m, v) = self.moments().unzip();
        [vec![self.steps()], opt_bits(m), opt_bits(v)].concat()
    }
}

impl Probe for Rprop<BnNet<f64>> {
    fn state(&self) -> Vec<u64> {
        let (d, g) = (self.step_sizes(), self.stored_gradient());
        [vec![self.steps()], opt_bits(d), opt_bits(g)].concat()
    }
}

impl Probe for Rmsprop<BnNet<f64>> {
    fn state(&self) -> Vec<u64> {
        let (v, g, b) = (self.square_avg(), self.grad_avg(), self.momentum_buffer());
        [vec![self.steps()], opt_bits(v), opt_bits(g), opt_bits(b)].concat()
    }
}

/// Weight decay and gradient clipping around another optimizer, forwarding the look-ahead
/// calls, as a user would write it (examples/03_mnist_mlp.rs does).
struct DecayClip<O> {
    inner: O,
    decay: WeightDecay,
    grads: BnNet<f64>,
}

impl<O: Optimizer<f64, BnNet<f64>>> Optimizer<f64, BnNet<f64>> for DecayClip<O> {
    fn step(&mut self, params: &mut BnNet<f64>, grads: &BnNet<f64>) -> Result<(), Error> {
        self.grads.clone_from(grads);
        self.decay.apply(&mut self.grads, params)?;
        clip_global_norm(&mut self.grads, 1.0)?;
        self.inner.step(params, &self.grads)
    }
    fn steps(&self) -> u64 {
        self.inner.steps()
    }
    fn reset(&mut self) {
        self.inner.reset()
    }
    fn before_gradient(&mut self, params: &mut BnNet<f64>) -> Result<(), Error> {
        self.inner.before_gradient(params)
    }
    fn abandon_step(&mut self, params: &mut BnNet<f64>) {
        self.inner.abandon_step(params)
    }
}

impl<O: Probe> Probe for DecayClip<O> {
    fn state(&self) -> Vec<u64> {
        self.inner.state()
    }
}

fn data() -> (Batch<f64, 9>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(4);
    let y: Vec<usize> = (0..SAMPLES).map(|i| i % 3).collect();
    let x = Batch::<f64, 9>::from_fn(SAMPLES, |r, c| {
        (r as f64 - 4.0) * (y[c] as f64 - 1.0) / 4.0 + rng.random_range(-0.5..0.5)
    });
    (x, y)
}

/// Trains `epochs` epochs with `kind`'s failure armed; returns the outcome, the network
/// and the optimizer.
fn train<O: Probe>(
    make: &dyn Fn() -> O,
    epochs: usize,
    kind: Option<Kind>,
) -> (Result<(), TrainError>, BnNet<f64>, O) {
    let (x, y) = data();
    let mut net: BnNet<f64> = BnNet::new(&mut StdRng::seed_from_u64(9));
    let mut opt = make();
    let loss = Failing {
        kind,
        calls: AtomicUsize::new(0),
    };
    let batches = Cell::new(0);
    let r = Fit::new(epochs)
        .batch_size(BATCH)
        .seed(2)
        .run_augmented(
            &mut net,
            &mut opt,
            &loss,
            Data::classes(&x, &y),
            None,
            &mut [],
            |x, _| {
                if kind == Some(Kind::NanInput) && batches.get() == FAIL_BATCH {
                    x[(4, 0)] = f64::NAN;
                }
                batches.set(batches.get() + 1);
            },
        )
        .map(|_| ());
    (r, net, opt)
}

fn check<O: Probe>(name: &str, make: &dyn Fn() -> O) {
    let (ok, reference, reference_opt) = train(make, FAIL_EPOCH - 1, None);
    ok.unwrap();
    // The reference has trained: its state is not the initial one.
    let fresh: BnNet<f64> = BnNet::new(&mut StdRng::seed_from_u64(9));
    assert_ne!(
        bits(&reference.bn),
        bits(&fresh.bn),
        "{name}: running statistics moved"
    );
    assert_ne!(
        bits(&reference.out),
        bits(&fresh.out),
        "{name}: weights moved"
    );
    for kind in KINDS {
        let (r, net, opt) = train(make, FAIL_EPOCH, Some(kind));
        let err = r.unwrap_err();
        match kind {
            Kind::NonFiniteLoss | Kind::NonFiniteGradient | Kind::NanInput => assert!(
                matches!(
                    err,
                    TrainError::NonFinite {
                        epoch: FAIL_EPOCH,
                        step: 1,
                        ..
                    }
                ),
                "{name}, {kind:?}: {err:?}"
            ),
            Kind::BadLabel => assert!(
                matches!(err, TrainError::Core(Error::ClassOutOfRange { .. })),
                "{name}, {kind:?}: {err:?}"
            ),
            Kind::LengthMismatch => assert!(
                matches!(err, TrainError::Core(Error::LengthMismatch { .. })),
                "{name}, {kind:?}: {err:?}"
            ),
        }
        // Every tensor, the running statistics included, and the optimizer's state.
        for (i, (a, b)) in reference
            .bn
            .running_mean
            .iter()
            .zip(net.bn.running_mean.iter())
            .enumerate()
        {
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "{name}, {kind:?}: running mean {i}: {a} before, {b} after"
            );
        }
        assert!(
            bits(&net) == bits(&reference),
            "{name}, {kind:?}: the parameters changed"
        );
        assert!(
            opt.state() == reference_opt.state(),
            "{name}, {kind:?}: the optimizer's state changed"
        );
    }
}

#[test]
fn sgd_keeps_the_last_good_state() {
    check("sgd", &|| Sgd::new(0.1));
}

#[test]
fn momentum_keeps_the_last_good_state() {
    check("momentum", &|| Momentum::new(0.1, 0.9));
}

#[test]
fn nesterov_keeps_the_last_good_state() {
    check("nesterov", &|| Nesterov::new(0.1, 0.9));
}

#[test]
fn adam_keeps_the_last_good_state() {
    check("adam", &|| Adam::new(0.01));
}

#[test]
fn nadam_keeps_the_last_good_state() {
    check("nadam", &|| Nadam::new(0.01));
}

#[test]
fn rprop_keeps_the_last_good_state() {
    check("rprop", &Rprop::default);
}

#[test]
fn rmsprop_keeps_the_last_good_state() {
    check("rmsprop", &|| {
        Rmsprop::new(0.01).with_momentum(0.9).centered()
    });
}

#[test]
fn decay_and_clipping_around_nesterov_keep_the_last_good_state() {
    check("decay + clip + nesterov", &|| DecayClip {
        inner: Nesterov::new(0.1, 0.9),
        decay: WeightDecay::l2(1e-3),
        grads: BnNet::zeros(),
    });
}
