//! The training loop: a non-finite loss stops training with a typed error that names the
//! epoch and step and keeps the last good weights; early stopping restores the best weights;
//! shuffling is seeded; data errors are typed.

use nn_core::loss::{CrossEntropy, SquaredError};
use nn_core::optim::{Adam, Sgd};
use nn_core::train::{Control, Data, EarlyStopping, EpochStats, Fit, TrainError};
use nn_core::{network, Batch, Error};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! {
    struct Net { input: 2, h: dense(8, tanh), out: dense(2) }
}

fn blobs(n: usize, seed: u64) -> (Batch<f64, 2>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let labels: Vec<usize> = (0..n).map(|i| i % 2).collect();
    let x = Batch::<f64, 2>::from_fn(n, |r, c| {
        let centre = if labels[c] == 0 { -1.0 } else { 1.0 };
        centre * if r == 0 { 1.0 } else { 0.5 } + rng.random_range(-0.6..0.6)
    });
    (x, labels)
}

#[test]
fn a_nan_input_stops_training_at_its_step_with_the_weights_from_before_it() {
    let (mut x, y) = blobs(40, 1);
    // Sample 25 is the only NaN: with batches of 10 in a shuffled order, find its step.
    x[(0, 25)] = f64::NAN;
    let mut net: Net<f64> = Net::new(&mut StdRng::seed_from_u64(2));
    let before = net.clone();
    let err = Fit::new(3)
        .batch_size(10)
        .seed(5)
        .run(
            &mut net,
            &mut Sgd::new(0.1),
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        )
        .unwrap_err();
    let TrainError::NonFinite { epoch, step, loss } = err else {
        panic!("expected NonFinite, got {err:?}")
    };
    assert_eq!(epoch, 1);
    assert!((1..=4).contains(&step));
    assert!(loss.is_nan());
    assert!(
        err.to_string().contains("epoch 1") && err.to_string().contains(&format!("step {step}"))
    );
    // Every weight is finite: the bad step was never applied.
    let mut finite = true;
    nn_core::Parameters::visit(&net, |_, v| finite &= v.iter().all(|w| w.is_finite()));
    assert!(finite);
    // Steps before the NaN one did train (unless the NaN came first).
    if step > 1 {
        assert_ne!(net.h.weight, before.h.weight);
    }
}

#[test]
fn training_is_reproducible_and_learns() {
    let (x, y) = blobs(200, 3);
    let train = |seed| {
        let mut net: Net<f64> = Net::new(&mut StdRng::seed_from_u64(4));
        let h = Fit::new(15)
            .batch_size(16)
            .seed(seed)
            .run(
                &mut net,
                &mut Adam::new(0.01),
                &CrossEntropy,
                Data::classes(&x, &y),
                None,
                &mut [],
            )
            .unwrap();
        (net, h)
    };
    let (a, ha) = train(7);
    let (b, _) = train(7);
    let (c, _) = train(8);
    assert_eq!(a.h.weight, b.h.weight, "same seed, same weights");
    assert_ne!(a.h.weight, c.h.weight, "another seed shuffles differently");
    let first = ha.epochs[0].train.loss;
    let last = ha.last().unwrap();
    assert!(
        last.train.loss < 0.5 * first,
        "{first} -> {}",
        last.train.loss
    );
    assert!(last.train.accuracy.unwrap() > 0.95);
}

#[test]
fn early_stopping_stops_and_restores_the_best_weights() {
    let (x, y) = blobs(100, 5);
    // A validation set with flipped labels: its loss rises as training fits the true rule.
    let flipped: Vec<usize> = y.iter().map(|l| 1 - l).collect();
    let mut net: Net<f64> = Net::new(&mut StdRng::seed_from_u64(6));
    let mut stop = EarlyStopping::new(2);
    let mut seen = Vec::new();
    let mut record = |e: &EpochStats, n: &mut Net<f64>| {
        seen.push((e.epoch, e.validation.unwrap().loss, n.clone()));
        Control::Continue
    };
    let h = Fit::new(50)
        .batch_size(10)
        .run(
            &mut net,
            &mut Adam::new(0.02),
            &CrossEntropy,
            Data::classes(&x, &y),
            Some(Data::classes(&x, &flipped)),
            &mut [&mut record, &mut stop],
        )
        .unwrap();
    assert!(
        h.epochs.len() < 50,
        "stopped early after {} epochs",
        h.epochs.len()
    );
    let (best_epoch, _, best_net) = seen
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .cloned()
        .unwrap();
    assert_eq!(stop.best_epoch(), best_epoch);
    assert_eq!(h.epochs.len(), best_epoch + 2, "patience 2");
    assert_eq!(
        net.h.weight, best_net.h.weight,
        "the best weights are restored"
    );
}

#[test]
fn data_errors_are_typed() {
    let (x, y) = blobs(10, 7);
    let mut net: Net<f64> = Net::zeros();
    let short = &y[..9];
    let err = Fit::new(1)
        .run(
            &mut net,
            &mut Sgd::new(0.1),
            &CrossEntropy,
            Data::classes(&x, short),
            None,
            &mut [],
        )
        .unwrap_err();
    assert_eq!(
        err,
        TrainError::Core(Error::LengthMismatch {
            what: "targets",
            expected: 10,
            found: 9
        })
    );
    let bad: Vec<usize> = (0..10).map(|i| if i == 4 { 2 } else { 0 }).collect();
    let err = Fit::new(1)
        .run(
            &mut net,
            &mut Sgd::new(0.1),
            &CrossEntropy,
            Data::classes(&x, &bad),
            None,
            &mut [],
        )
        .unwrap_err();
    assert_eq!(
        err,
        TrainError::Core(Error::ClassOutOfRange {
            class: 2,
            classes: 2
        })
    );
    // Vector targets train too.
    let targets = Batch::<f64, 2>::from_fn(10, |r, c| (r + c) as f64 / 10.0);
    let h = Fit::new(2)
        .run(
            &mut net,
            &mut Sgd::new(0.1),
            &SquaredError,
            Data::values(&x, &targets),
            None,
            &mut [],
        )
        .unwrap();
    assert!(h.last().unwrap().train.accuracy.is_none());
}

/// Defect: empty data trained "successfully" with loss 0 and accuracy 0.
#[test]
fn empty_data_is_a_typed_error() {
    let (x, y) = blobs(10, 7);
    let empty = Batch::<f64, 2>::zeros(0);
    let mut net: Net<f64> = Net::new(&mut StdRng::seed_from_u64(1));
    let before = net.clone();
    let mut run = |train: Data<'_, f64, 2, 2>, val: Option<Data<'_, f64, 2, 2>>| {
        Fit::new(2).run(
            &mut net,
            &mut Sgd::new(0.1),
            &CrossEntropy,
            train,
            val,
            &mut [],
        )
    };
    let err = run(Data::classes(&empty, &[]), None).unwrap_err();
    assert_eq!(
        err,
        TrainError::EmptyData {
            what: "training data"
        }
    );
    assert_eq!(
        err.to_string(),
        "the training data is empty: expected at least 1 sample, found 0"
    );
    let err = run(Data::classes(&x, &y), Some(Data::classes(&empty, &[]))).unwrap_err();
    assert_eq!(
        err,
        TrainError::EmptyData {
            what: "validation data"
        }
    );
    assert_eq!(net.h.weight, before.h.weight);
    // The mean loss over no samples does not exist either.
    let err =
        nn_core::train::evaluate(&net, &CrossEntropy, &Data::classes(&empty, &[]), 8).unwrap_err();
    assert_eq!(
        err,
        Error::EmptyData {
            what: "data to evaluate"
        }
    );
}

/// Defect: `batch_size(0)` silently became 1.
#[test]
fn a_zero_batch_size_is_a_typed_error() {
    let (x, y) = blobs(10, 7);
    let mut net: Net<f64> = Net::new(&mut StdRng::seed_from_u64(1));
    let err = Fit::new(1)
        .batch_size(0)
        .run(
            &mut net,
            &mut Sgd::new(0.1),
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        )
        .unwrap_err();
    assert_eq!(err, TrainError::ZeroBatchSize);
    assert_eq!(
        err.to_string(),
        "invalid batch size: expected at least 1 sample per batch, found 0"
    );
}

/// Defect: a batch size above the data allocated buffers of that size (`usize::MAX`
/// aborted the process). It is capped at the data: the run is the full-batch one, bit for
/// bit.
#[test]
fn a_batch_size_above_the_data_is_capped_at_it() {
    let (x, y) = blobs(30, 3);
    let train = |batch: usize| {
        let mut net: Net<f64> = Net::new(&mut StdRng::seed_from_u64(4));
        let h = Fit::new(3)
            .batch_size(batch)
            .seed(1)
            .run(
                &mut net,
                &mut Adam::new(0.05),
                &CrossEntropy,
                Data::classes(&x, &y),
                Some(Data::classes(&x, &y)),
                &mut [],
            )
            .unwrap();
        (net, h.last().unwrap().train.loss)
    };
    let (full, loss) = train(30);
    for batch in [31, 1 << 40, usize::MAX] {
        let (net, l) = train(batch);
        assert_eq!(
            (net.h.weight, net.out.bias),
            (full.h.weight.clone(), full.out.bias.clone())
        );
        assert_eq!(l.to_bits(), loss.to_bits(), "batch size {batch}");
    }
}
