//! `Fit`'s options around the optimizer: each schedule's rate per step and per epoch against
//! its formula (SGD, Adam, Nadam), reduce-on-plateau, weight decay and clipping against
//! updates computed by hand.

use nn_core::loss::CrossEntropy;
use nn_core::optim::{Adam, Nadam, Optimizer, Rprop, Schedule, Sgd};
use nn_core::train::{Data, Fit, ReduceOnPlateau, TrainError};
use nn_core::{network, Batch, Error, Parameters};
use rand::{rngs::StdRng, SeedableRng};
use std::f64::consts::PI;

network! {
    struct Net { input: 3, h: dense(5, tanh), out: dense(2) }
}

/// Forwards to `inner`, recording the rate and the gradient of every step; with `frozen`
/// the weights do not move (so the loss stays constant).
struct Recorder<O> {
    inner: O,
    rates: Vec<f64>,
    grads: Vec<Net<f64>>,
    frozen: bool,
}

impl<O> Recorder<O> {
    fn new(inner: O) -> Self {
        Self {
            inner,
            rates: vec![],
            grads: vec![],
            frozen: false,
        }
    }
}

impl<O: Optimizer<f64, Net<f64>>> Optimizer<f64, Net<f64>> for Recorder<O> {
    fn step(&mut self, params: &mut Net<f64>, grads: &Net<f64>) -> Result<(), Error> {
        self.rates.push(self.inner.learning_rate().unwrap());
        self.grads.push(grads.clone());
        if self.frozen {
            return Ok(());
        }
        self.inner.step(params, grads)
    }
    fn steps(&self) -> u64 {
        self.inner.steps()
    }
    fn reset(&mut self) {
        self.inner.reset()
    }
    fn learning_rate(&self) -> Option<f64> {
        self.inner.learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f64) -> Result<(), Error> {
        self.inner.set_learning_rate(lr)
    }
}

/// 40 samples of 3 features, 2 classes.
fn data() -> (Batch<f64, 3>, Vec<usize>) {
    let x = Batch::<f64, 3>::from_fn(40, |r, c| ((r * 5 + c * 7) % 11) as f64 / 11.0 - 0.5);
    let y = (0..40).map(|c| (c * 3 % 5) % 2).collect();
    (x, y)
}

fn net() -> Net<f64> {
    Net::new(&mut StdRng::seed_from_u64(4))
}

/// The rate of every step of a 5-epoch run with batches of 10 (4 steps an epoch).
fn rates<O: Optimizer<f64, Net<f64>>>(fit: Fit, opt: O) -> Vec<f64> {
    let (x, y) = data();
    let mut rec = Recorder::new(opt);
    fit.batch_size(10)
        .threads(1)
        .run(
            &mut net(),
            &mut rec,
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        )
        .unwrap();
    rec.rates
}

fn close(got: &[f64], want: impl Fn(usize) -> f64, what: &str) {
    assert_eq!(got.len(), 20, "{what}");
    for (t, g) in got.iter().enumerate() {
        let w = want(t);
        assert!(
            (g - w).abs() <= 1e-15 * w.abs().max(1e-300),
            "{what}, t = {t}: {g} != {w}"
        );
    }
}

/// A schedule's name, the schedule and its formula.
type Case = (&'static str, Schedule, Box<dyn Fn(usize) -> f64>);

fn schedules() -> Vec<Case> {
    vec![
        ("constant", Schedule::constant(0.03), Box::new(|_| 0.03)),
        (
            "step",
            Schedule::step_decay(0.03, 0.5, 3),
            Box::new(|t| 0.03 * 0.5f64.powi((t / 3) as i32)),
        ),
        (
            "exponential",
            Schedule::exponential(0.03, 0.9),
            Box::new(|t| 0.03 * 0.9f64.powi(t as i32)),
        ),
        (
            "cosine",
            Schedule::cosine(0.03, 0.001, 12),
            Box::new(|t| 0.001 + 0.029 * (1.0 + (PI * t.min(12) as f64 / 12.0).cos()) / 2.0),
        ),
        (
            "warm-up",
            Schedule::warmup(0.03, 0.1, 6),
            Box::new(|t| 0.03 * (0.1 + 0.9 * t.min(6) as f64 / 6.0)),
        ),
    ]
}

#[test]
fn every_schedule_per_step_for_sgd_adam_and_nadam() {
    for (name, s, want) in schedules() {
        let fit = || Fit::new(5).schedule(s);
        close(&rates(fit(), Sgd::new(1.0)), &want, &format!("sgd {name}"));
        close(
            &rates(fit(), Adam::new(1.0)),
            &want,
            &format!("adam {name}"),
        );
        close(
            &rates(fit(), Nadam::new(1.0)),
            &want,
            &format!("nadam {name}"),
        );
    }
}

#[test]
fn every_schedule_per_epoch_for_sgd_adam_and_nadam() {
    for (name, s, want) in schedules() {
        let fit = || Fit::new(5).epoch_schedule(s);
        let per_epoch = |t: usize| want(t / 4); // 4 steps an epoch, t counts epochs
        close(
            &rates(fit(), Sgd::new(1.0)),
            per_epoch,
            &format!("sgd {name}"),
        );
        close(
            &rates(fit(), Adam::new(1.0)),
            per_epoch,
            &format!("adam {name}"),
        );
        close(
            &rates(fit(), Nadam::new(1.0)),
            per_epoch,
            &format!("nadam {name}"),
        );
    }
}

#[test]
fn the_scheduled_rate_moves_the_weights() {
    // SGD at the scheduled rate moves the weights exactly as a hand-written loop with that
    // rate: the recorded gradients, applied by hand, give Fit's weights.
    let (x, y) = data();
    let mut trained = net();
    let mut rec = Recorder::new(Sgd::new(5.0));
    Fit::new(2)
        .batch_size(10)
        .threads(1)
        .schedule(Schedule::exponential(0.2, 0.7))
        .run(
            &mut trained,
            &mut rec,
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        )
        .unwrap();
    let mut by_hand = net();
    for (t, g) in rec.grads.iter().enumerate() {
        let eta = 0.2 * 0.7f64.powi(t as i32);
        by_hand.zip_mut(g, |_, w, g| {
            w.iter_mut().zip(g).for_each(|(w, g)| *w -= eta * g)
        });
    }
    assert_near(&trained, &by_hand, "scheduled sgd"); // powi and powf differ in the last bit
}

#[test]
fn reduce_on_plateau_through_fit() {
    // Frozen weights: the training loss never improves after epoch 1, so with patience 0
    // the rate halves after every epoch from epoch 2 on, for every optimizer.
    let (x, y) = data();
    for adam in [false, true] {
        let mut rec = if adam {
            Recorder::new(Box::new(Adam::new(0.04)) as Box<dyn Optimizer<f64, Net<f64>>>)
        } else {
            Recorder::new(Box::new(Sgd::new(0.04)) as Box<dyn Optimizer<f64, Net<f64>>>)
        };
        rec.frozen = true;
        Fit::new(5)
            .batch_size(10)
            .reduce_on_plateau(ReduceOnPlateau::new(0.5, 0))
            .run(
                &mut net(),
                &mut rec,
                &CrossEntropy,
                Data::classes(&x, &y),
                None,
                &mut [],
            )
            .unwrap();
        close(
            &rec.rates,
            |t| 0.04 * 0.5f64.powi((t / 4).saturating_sub(1) as i32),
            "plateau",
        );
    }
}

impl Optimizer<f64, Net<f64>> for Box<dyn Optimizer<f64, Net<f64>>> {
    fn step(&mut self, p: &mut Net<f64>, g: &Net<f64>) -> Result<(), Error> {
        (**self).step(p, g)
    }
    fn steps(&self) -> u64 {
        (**self).steps()
    }
    fn reset(&mut self) {
        (**self).reset()
    }
    fn learning_rate(&self) -> Option<f64> {
        (**self).learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f64) -> Result<(), Error> {
        (**self).set_learning_rate(lr)
    }
}

#[test]
fn rates_need_an_optimizer_with_a_rate() {
    let (x, y) = data();
    for fit in [
        Fit::new(1).schedule(Schedule::constant(0.1)),
        Fit::new(1).reduce_on_plateau(ReduceOnPlateau::new(0.5, 1)),
        Fit::new(1).decoupled_weight_decay(0.1),
    ] {
        let mut n = net();
        let before = n.clone();
        let r = fit.run(
            &mut n,
            &mut Rprop::default(),
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        );
        assert!(
            matches!(r, Err(TrainError::Core(Error::Unsupported { .. }))),
            "{r:?}"
        );
        assert_near(&n, &before, "weights after a refused run");
    }
    let bad = Fit::new(1).schedule(Schedule::cosine(0.1, 0.0, 0));
    let r = bad.run(
        &mut net(),
        &mut Sgd::new(0.1),
        &CrossEntropy,
        Data::classes(&x, &y),
        None,
        &mut [],
    );
    assert!(
        matches!(
            r,
            Err(TrainError::Core(Error::InvalidConfig {
                what: "cosine period",
                ..
            }))
        ),
        "{r:?}"
    );
    for fit in [
        Fit::new(1).clip_norm(-1.0),
        Fit::new(1).clip_value(f64::NAN),
        Fit::new(1).weight_decay(-0.1),
    ] {
        let r = fit.run(
            &mut net(),
            &mut Sgd::new(0.1),
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        );
        assert!(
            matches!(r, Err(TrainError::Core(Error::InvalidConfig { .. }))),
            "{r:?}"
        );
    }
}

/// One full-batch step of `fit` with `opt`: the gradient the optimizer got and the weights.
fn one_step<O: Optimizer<f64, Net<f64>>>(fit: Fit, opt: O) -> (Net<f64>, Net<f64>) {
    let (x, y) = data();
    let mut n = net();
    let mut rec = Recorder::new(opt);
    fit.batch_size(40)
        .threads(1)
        .run(
            &mut n,
            &mut rec,
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        )
        .unwrap();
    (rec.grads.pop().unwrap(), n)
}

/// `f(w, g, is_weight)` for every value of `w` and the raw gradient `g`.
fn by_hand(raw: &Net<f64>, f: impl Fn(f64, f64, bool) -> f64) -> Net<f64> {
    let mut out = net();
    out.zip_mut(raw, |info, w, g| {
        for (w, g) in w.iter_mut().zip(g) {
            *w = f(*w, *g, info.kind == nn_core::ParamKind::Weight);
        }
    });
    out
}

fn assert_near(a: &Net<f64>, b: &Net<f64>, what: &str) {
    let (mut x, mut y) = (vec![], vec![]);
    a.visit(|_, v| x.extend_from_slice(v));
    b.visit(|_, v| y.extend_from_slice(v));
    for (i, (p, q)) in x.iter().zip(&y).enumerate() {
        assert!(
            (p - q).abs() <= 1e-14 * q.abs().max(1.0),
            "{what}[{i}]: {p} != {q}"
        );
    }
}

#[test]
fn weight_decay_and_clipping_against_hand_computed_updates() {
    let (raw, _) = one_step(Fit::new(1), Sgd::new(0.1));
    let w0 = net();
    let norm = {
        let mut s = 0.0;
        raw.visit(|_, v| s += v.iter().map(|g| g * g).sum::<f64>());
        s.sqrt()
    };
    let (lam, eta) = (0.3, 0.1);

    // L2 in the gradient with SGD: w - η(g + λw) on weights, w - ηg on biases.
    let (g, w) = one_step(Fit::new(1).weight_decay(lam), Sgd::new(eta));
    assert_near(
        &g,
        &by_hand(&raw, |w, g, wt| g + if wt { lam * w } else { 0.0 }),
        "l2 gradient",
    );
    assert_near(
        &w,
        &by_hand(&raw, |w, g, wt| {
            w - eta * (g + if wt { lam * w } else { 0.0 })
        }),
        "l2 sgd",
    );

    // Decoupled with SGD is the same update.
    let (_, wd) = one_step(Fit::new(1).decoupled_weight_decay(lam), Sgd::new(eta));
    assert_near(&wd, &w, "decoupled sgd");

    // Adam's first step: m̂ = g, v̂ = g², so w - α g/(|g| + ε); L2 puts λw into g, AdamW
    // shrinks w by αλ outside it.
    let (alpha, eps) = (0.01, 1e-8);
    let adam = |g: f64| alpha * g / (g.abs() + eps);
    let (_, w) = one_step(Fit::new(1).weight_decay(lam), Adam::new(alpha));
    assert_near(
        &w,
        &by_hand(&raw, |w, g, wt| {
            w - adam(g + if wt { lam * w } else { 0.0 })
        }),
        "l2 adam",
    );
    let (_, w) = one_step(Fit::new(1).decoupled_weight_decay(lam), Adam::new(alpha));
    assert_near(
        &w,
        &by_hand(
            &raw,
            |w, g, wt| if wt { w * (1.0 - alpha * lam) } else { w } - adam(g),
        ),
        "adamw",
    );

    // Clipping by norm to half the norm, then by value at a fifth of the largest value.
    let (g, w) = one_step(Fit::new(1).clip_norm(norm / 2.0), Sgd::new(eta));
    assert_near(
        &g,
        &by_hand(&raw, |_, g, _| g * (norm / 2.0) / norm),
        "clip_norm gradient",
    );
    assert_near(
        &w,
        &by_hand(&raw, |w, g, _| w - eta * g * (norm / 2.0) / norm),
        "clip_norm sgd",
    );
    let mut big = 0.0f64;
    raw.visit(|_, v| big = v.iter().fold(big, |m, g| m.max(g.abs())));
    let c = big / 5.0;
    let (g, _) = one_step(Fit::new(1).clip_value(c), Sgd::new(eta));
    assert_near(
        &g,
        &by_hand(&raw, |_, g, _| g.clamp(-c, c)),
        "clip_value gradient",
    );
    // A norm above the gradient's changes nothing.
    let (g, _) = one_step(Fit::new(1).clip_norm(norm * 2.0), Sgd::new(eta));
    assert_near(&g, &raw, "clip_norm above the norm");

    // Clipping comes first, then the decay term.
    let (g, _) = one_step(Fit::new(1).clip_value(c).weight_decay(lam), Sgd::new(eta));
    assert_near(
        &g,
        &by_hand(&raw, |w, g, wt| {
            g.clamp(-c, c) + if wt { lam * w } else { 0.0 }
        }),
        "clip then decay",
    );
    let _ = w0;
}
