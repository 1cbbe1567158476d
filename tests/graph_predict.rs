//! What a graph network's run records for each output (`History::outputs`) and its
//! predictions (`GraphPredict`): the per-output figures add up to the total the run trained
//! on and equal `evaluate_graph`'s, predicting in parts gives the outputs of one pass, and
//! each output's probabilities and classes are its own softmax and argmax.

use nn_core::activation::softmax_in_place;
use nn_core::loss::{CrossEntropy, SquaredError};
use nn_core::optim::Adam;
use nn_core::train::{
    argmax_columns, evaluate_graph, Fit, GraphData, GraphPredict, Targets, Weighted,
};
use nn_core::{network, Batch, GraphNetwork};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! {
    /// Two inputs read together, two outputs (classes and values) after a dropout layer.
    struct TwoByTwo {
        a: input(5),
        b: input(2),
        both: concat(a, b),
        trunk: dense(12, tanh),
        drop: dropout(0.3),
        class: dense(3)(drop),
        value: dense(2)(drop),
        output: (class, value),
    }
}

type Inputs = (Batch<f64, 5>, Batch<f64, 2>);

fn data(n: usize, seed: u64) -> (Inputs, Vec<usize>, Batch<f64, 2>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let a = Batch::<f64, 5>::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
    let b = Batch::<f64, 2>::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
    // Learnable targets: the class is the sign pattern of two sums, the values two sums.
    let labels = (0..n)
        .map(|c| usize::from(a[(0, c)] + a[(1, c)] > 0.0) + usize::from(b[(0, c)] > 0.5))
        .collect();
    let v = Batch::<f64, 2>::from_fn(n, |r, c| a[(r, c)] + b[(r, c)]);
    ((a, b), labels, v)
}

#[test]
fn history_holds_each_outputs_loss_and_accuracy() {
    let (x, labels, v) = data(96, 1);
    let (xv, labels_v, vv) = data(40, 2);
    let heads = (
        Weighted::new(1.0, CrossEntropy),
        Weighted::new(0.25, SquaredError),
    );
    let train = GraphData::new(&x, (Targets::Classes(&labels), Targets::Values(&v)));
    let val = GraphData::new(&xv, (Targets::Classes(&labels_v), Targets::Values(&vv)));
    let mut net: TwoByTwo<f64> = TwoByTwo::new(&mut StdRng::seed_from_u64(3));
    let history = Fit::new(6)
        .batch_size(16)
        .threads(1)
        .run_graph(
            &mut net,
            &mut Adam::new(0.02),
            &heads,
            train,
            Some(val),
            &mut [],
        )
        .unwrap();

    assert_eq!(history.outputs.len(), 6);
    for (e, o) in history.epochs.iter().zip(&history.outputs) {
        assert_eq!(e.epoch, o.epoch);
        assert_eq!(o.train.len(), 2);
        // The total is Σ_k w_k L_k of the outputs' unweighted losses.
        let total = o.train[0].loss + 0.25 * o.train[1].loss;
        assert!(
            (e.train.loss - total).abs() < 1e-12 * total,
            "epoch {}",
            e.epoch
        );
        let ov = o.validation.as_ref().unwrap();
        let tv = ov[0].loss + 0.25 * ov[1].loss;
        assert!((e.validation.unwrap().loss - tv).abs() < 1e-12 * tv);
        // Accuracy for the class output only; the total's is the first class output's.
        assert_eq!(e.train.accuracy, o.train[0].accuracy);
        assert!(o.train[0].accuracy.is_some() && o.train[1].accuracy.is_none());
    }
    // The last epoch's validation figures are `evaluate_graph`'s (the run evaluates in
    // batches of at least 256, so in one batch here), bit for bit.
    let m = evaluate_graph(&net, &heads, val, 256).unwrap();
    assert_eq!(history.outputs[5].validation.as_ref().unwrap(), &m.heads);
    // Both heads learned, and `History::output` reads one of them.
    let values = history.output(1).unwrap();
    assert_eq!(values.epochs.len(), 6);
    assert_eq!(values.epochs[5].train, history.outputs[5].train[1]);
    assert!(
        values.epochs[5].validation.unwrap().loss < 0.5 * values.epochs[0].validation.unwrap().loss
    );
    let classes = history.output(0).unwrap();
    assert!(
        classes
            .last()
            .unwrap()
            .validation
            .unwrap()
            .accuracy
            .unwrap()
            > 0.6
    );
    assert!(history.output(2).is_none());
}

#[test]
fn single_output_runs_keep_no_per_output_figures() {
    let (x, labels, _) = data(32, 4);
    let heads = Weighted::new(1.0, CrossEntropy);
    network! { struct One { a: input(5), b: input(2), h: concat(a, b), out: dense(3) } }
    let mut net: One<f64> = One::new(&mut StdRng::seed_from_u64(5));
    let h = Fit::new(2)
        .batch_size(8)
        .run_graph(
            &mut net,
            &mut Adam::new(0.01),
            &heads,
            GraphData::new(&x, Targets::Classes(&labels)),
            None,
            &mut [],
        )
        .unwrap();
    // One output: its figures are the total's.
    assert_eq!(h.outputs.len(), 2);
    assert_eq!(h.outputs[1].train, vec![h.epochs[1].train]);
    assert_eq!(h.output(0).unwrap().epochs, h.epochs);
}

#[test]
fn predict_graph_in_parts_is_one_inference_pass() {
    let (x, _, _) = data(23, 6);
    let net: TwoByTwo<f64> = TwoByTwo::new(&mut StdRng::seed_from_u64(7));
    let mut trace = <TwoByTwo<f64> as GraphNetwork<f64>>::new_trace(23);
    let mut whole = (Batch::<f64, 3>::zeros(0), Batch::<f64, 2>::zeros(0));
    net.forward_eval(&x, &mut trace, &mut whole).unwrap();
    for part in [0, 1, 5, 23, 1000] {
        let (c, v) = net.predict_graph(&x, part).unwrap();
        assert_eq!((c.ncols(), v.ncols()), (23, 23), "parts of {part}");
        let err = c
            .iter()
            .zip(whole.0.iter())
            .chain(v.iter().zip(whole.1.iter()));
        let worst = err.map(|(p, w)| (p - w).abs()).fold(0.0, f64::max);
        assert!(worst < 1e-12, "parts of {part}: {worst}");
    }
    // Inference: dropout is off, so predicting twice gives the same outputs.
    assert_eq!(
        net.predict_graph(&x, 4).unwrap(),
        net.predict_graph(&x, 4).unwrap()
    );
}

#[test]
fn predict_graph_rejects_inputs_of_different_lengths_and_takes_none() {
    let net = TwoByTwo::<f64>::zeros();
    let err = net
        .predict_graph(&(Batch::zeros(4), Batch::zeros(3)), 2)
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains('4') && text.contains('3'), "{text}");
    let (c, v) = net
        .predict_graph(&(Batch::zeros(0), Batch::zeros(0)), 2)
        .unwrap();
    assert_eq!((c.ncols(), v.ncols()), (0, 0));
}

/// `softmax` of every column of `out`, computed here column by column.
fn softmax_columns<const N: usize>(out: &Batch<f64, N>) -> Batch<f64, N> {
    let mut p = out.clone();
    for mut col in p.column_iter_mut() {
        softmax_in_place(col.as_mut_slice());
    }
    p
}

/// The largest absolute difference between two batches of the same shape.
fn max_diff<const N: usize>(a: &Batch<f64, N>, b: &Batch<f64, N>) -> f64 {
    let d = a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs());
    d.fold(0.0, f64::max)
}

#[test]
fn graph_probabilities_and_classes_are_each_outputs_own() {
    let (x, _, _) = data(23, 8);
    let net: TwoByTwo<f64> = TwoByTwo::new(&mut StdRng::seed_from_u64(9));
    let (logits, values) = net.predict_graph(&x, 23).unwrap();
    for part in [0, 1, 5, 23, 1000] {
        let (p, q) = net.predict_graph_probabilities(&x, part).unwrap();
        assert_eq!((p.ncols(), q.ncols()), (23, 23), "parts of {part}");
        assert!(
            max_diff(&p, &softmax_columns(&logits)) < 1e-12,
            "parts of {part}"
        );
        assert!(
            max_diff(&q, &softmax_columns(&values)) < 1e-12,
            "parts of {part}"
        );
        let sums = p.column_iter().map(|c| c.sum());
        assert!(sums
            .chain(q.column_iter().map(|c| c.sum()))
            .all(|s| (s - 1.0).abs() < 1e-12));
        assert!(p.iter().chain(q.iter()).all(|&v| v > 0.0));
        let (c, v) = net.predict_graph_classes(&x, part).unwrap();
        assert_eq!(c, argmax_columns(&logits).collect::<Vec<_>>());
        assert_eq!(v, argmax_columns(&values).collect::<Vec<_>>());
        // The most probable class is the largest logit's.
        assert_eq!(c, argmax_columns(&p).collect::<Vec<_>>());
    }
    // The classes are not all one: the test compares something.
    let (c, _) = net.predict_graph_classes(&x, 4).unwrap();
    assert!(c.iter().any(|&k| k != c[0]), "{c:?}");
}

#[test]
fn graph_probabilities_and_classes_of_one_output_and_of_errors() {
    network! { struct One { a: input(5), b: input(2), h: concat(a, b), out: dense(3) } }
    let (x, _, _) = data(11, 10);
    let net: One<f64> = One::new(&mut StdRng::seed_from_u64(11));
    // One output: a batch and a `Vec<usize>`, not tuples.
    let logits: Batch<f64, 3> = net.predict_graph(&x, 4).unwrap();
    let p: Batch<f64, 3> = net.predict_graph_probabilities(&x, 4).unwrap();
    let c: Vec<usize> = net.predict_graph_classes(&x, 4).unwrap();
    assert!(max_diff(&p, &softmax_columns(&logits)) < 1e-12);
    assert_eq!(c, argmax_columns(&logits).collect::<Vec<_>>());
    // Inputs of different lengths fail as `predict_graph` does; no samples give none.
    let bad = (Batch::zeros(4), Batch::zeros(3));
    let want = net.predict_graph(&bad, 2).unwrap_err();
    assert_eq!(net.predict_graph_probabilities(&bad, 2).unwrap_err(), want);
    assert_eq!(net.predict_graph_classes(&bad, 2).unwrap_err(), want);
    let none = (Batch::zeros(0), Batch::zeros(0));
    assert_eq!(
        net.predict_graph_classes(&none, 2).unwrap(),
        Vec::<usize>::new()
    );
    let net = TwoByTwo::<f64>::zeros();
    let (c, v) = net.predict_graph_classes(&none, 2).unwrap();
    assert!(c.is_empty() && v.is_empty());
}
