//! `Predict` and the metrics beyond top-1 against values computed by hand.

use nn_core::loss::CrossEntropy;
use nn_core::train::{evaluate, regression_errors, top_k_accuracy, ConfusionMatrix, Data, Predict};
use nn_core::{nalgebra::SVector, network, Batch, Error};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! { struct Net { input: 3, h: dense(8, tanh), drop: dropout(0.5), out: dense(4) } }

/// Four samples of 4 classes (one column each).
fn outputs() -> Batch<f64, 4> {
    Batch::from_column_slice(&[
        0.1, 0.4, 0.3, 0.2, // ranks: 1, 2, 3, 0
        0.5, 0.5, 0.0, 0.0, // a tie between 0 and 1: 0 ranks first
        0.0, 0.1, 0.2, 0.7, // 3, 2, 1, 0
        0.3, 0.3, 0.3, 0.1, // 0, 1, 2 tied, then 3
    ])
}

#[test]
fn top_k_counts_the_label_among_the_k_largest() {
    let out = outputs();
    let labels = [2, 1, 1, 3];
    // Label ranks (from 0): 1, 1, 2, 3.
    let want = [(1, 0.0), (2, 0.5), (3, 0.75), (4, 1.0)];
    for (k, acc) in want {
        assert_eq!(top_k_accuracy(&out, &labels, k).unwrap(), acc, "k = {k}");
    }
    assert!(matches!(
        top_k_accuracy(&out, &[0, 1, 4, 0], 1),
        Err(Error::ClassOutOfRange {
            class: 4,
            classes: 4
        })
    ));
    assert!(matches!(
        top_k_accuracy(&out, &[0, 1], 1),
        Err(Error::LengthMismatch {
            expected: 4,
            found: 2,
            ..
        })
    ));
}

#[test]
fn confusion_matrix_counts_and_prints() {
    let out = outputs();
    // Predicted: 1, 0, 3, 0.
    let m = ConfusionMatrix::from_outputs(&out, &[1, 1, 2, 0]).unwrap();
    let mut want = [[0usize; 4]; 4];
    want[1][1] = 1;
    want[1][0] = 1;
    want[2][3] = 1;
    want[0][0] = 1;
    for (a, row) in want.iter().enumerate() {
        for (p, &c) in row.iter().enumerate() {
            assert_eq!(m.count(a, p), c, "({a}, {p})");
        }
    }
    assert_eq!(m.total(), 4);
    assert_eq!(m.accuracy(), 0.5);
    assert_eq!(m.recall(1), Some(0.5));
    assert_eq!(m.recall(3), None);
    assert_eq!(m.precision(0), Some(0.5));
    assert_eq!(m.precision(3), Some(0.0));
    let text = "actual | predicted
       |    0    1    2    3 | recall
     0 |    1    0    0    0 | 1.0000
     1 |    1    1    0    0 | 0.5000
     2 |    0    0    0    1 | 0.0000
     3 |    0    0    0    0 |      -
";
    assert_eq!(m.to_string(), text);

    // Adding a second batch accumulates; a bad batch changes nothing.
    let mut m2 = m.clone();
    m2.add_outputs(&out, &[1, 1, 2, 0]).unwrap();
    assert_eq!(m2.count(1, 0), 2);
    assert!(m2.add_outputs(&out, &[1, 1, 9, 0]).is_err());
    assert_eq!(m2.total(), 8);
}

#[test]
fn rmse_and_mae_by_hand() {
    let out = Batch::<f64, 2>::from_column_slice(&[1.0, -1.0, 0.5, 2.0, 3.0, 0.0]);
    let y = Batch::<f64, 2>::from_column_slice(&[0.0, -1.0, 1.5, 2.0, 0.0, 1.0]);
    // Errors: 1, 0, -1, 0, 3, -1 over 6 values.
    let e = regression_errors(&out, &y).unwrap();
    assert!((e.mae - 6.0 / 6.0).abs() < 1e-15);
    assert!((e.rmse - (12.0f64 / 6.0).sqrt()).abs() < 1e-15);
    assert!(regression_errors(&out, &Batch::<f64, 2>::zeros(2)).is_err());
}

#[test]
fn predictions_are_the_networks_outputs() {
    let mut rng = StdRng::seed_from_u64(3);
    let net: Net<f64> = Net::new(&mut rng);
    let x = Batch::<f64, 3>::from_fn(10, |_, _| rng.random_range(-2.0..2.0));
    let whole = net.forward_batch(&x);
    // In batches of 3 (the last one of 1): the same outputs as one batch.
    let parts = net.predict_outputs(&x, 3);
    for (a, b) in parts.iter().zip(whole.iter()) {
        assert!((a - b).abs() < 1e-14);
    }
    let classes = net.predict_classes(&x, 4);
    let probs = net.predict_probabilities_batch(&x, 4);
    for c in 0..10 {
        let col = whole.column(c);
        let z: f64 = col.iter().map(|v| v.exp()).sum();
        for i in 0..4 {
            assert!((probs[(i, c)] - col[i].exp() / z).abs() < 1e-14);
        }
        assert_eq!(classes[c], col.argmax().0);
        let one = SVector::<f64, 3>::from_column_slice(x.column(c).as_slice());
        assert_eq!(net.predict_class(&one), classes[c]);
        let p = net.predict_probabilities(&one);
        assert!((p - probs.column(c)).norm() < 1e-14);
    }
    // The confusion matrix of the predictions agrees with evaluate's accuracy.
    let labels: Vec<usize> = (0..10).map(|c| c % 4).collect();
    let m = ConfusionMatrix::from_outputs(&parts, &labels).unwrap();
    let acc = evaluate(&net, &CrossEntropy, &Data::classes(&x, &labels), 4)
        .unwrap()
        .accuracy
        .unwrap();
    assert_eq!(m.accuracy(), acc);
    assert_eq!(top_k_accuracy(&parts, &labels, 1).unwrap(), acc);
}
