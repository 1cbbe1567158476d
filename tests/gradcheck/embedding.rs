//! Semi-supervised embedding's pair loss (`PairEmbedding`), checked against central finite
//! differences: on the loss alone (neighbours, non-neighbours inside and beyond the margin,
//! sum and mean over a batch), and through a network whose hidden layer is an output beside
//! the logits (`output: (h1, out)`), trained on cross-entropy plus the embedding loss the way
//! `examples/15_semi_supervised.rs` trains it: one batch holding the labelled samples and both
//! sides of the pairs.

use crate::{random_batch, random_net, random_vector, rng, EPS, TOL};
use nn_core::gradcheck::relative_error;
use nn_core::gradcheck::{max_relative_error, numeric_gradient, numeric_gradient_of};
use nn_core::loss::{CrossEntropy, LossExt, Pair, PairEmbedding, Reduction};
use nn_core::nalgebra::SVector;
use nn_core::Batch;

/// Tolerance for the finite differences of the loss alone (smooth and well-scaled).
const LOSS_TOL: f64 = 1e-8;

/// `L(a, b)` and its gradient `(∂L/∂a, ∂L/∂b)` by central differences over both.
fn numeric(loss: PairEmbedding, a: &[f64], b: &[f64], pair: Pair) -> (f64, Vec<f64>) {
    let n = a.len();
    let ab: Vec<f64> = a.iter().chain(b).copied().collect();
    let value = loss.eval(a, b, pair, None).unwrap();
    let g = numeric_gradient_of(&ab, EPS, |v| {
        loss.eval(&v[..n], &v[n..], pair, None).unwrap()
    });
    (value, g)
}

fn analytic(loss: PairEmbedding, a: &[f64], b: &[f64], pair: Pair) -> (f64, Vec<f64>) {
    let (mut ga, mut gb) = (vec![f64::NAN; a.len()], vec![f64::NAN; b.len()]);
    let l = loss.eval(a, b, pair, Some((&mut ga, &mut gb))).unwrap();
    (l, ga.into_iter().chain(gb).collect())
}

#[test]
fn pair_loss_matches_its_formula_and_finite_differences() {
    let mut r = rng(11);
    let (mut inside, mut beyond) = (0, 0);
    for k in 0..40 {
        let a: SVector<f64, 6> = random_vector(&mut r);
        let b: SVector<f64, 6> = random_vector(&mut r);
        let dist = (a - b).norm();
        // Margins on both sides of the distance, never within 1e-3 of it (the kink).
        let margin = if k % 2 == 0 { dist + 0.5 } else { dist * 0.7 };
        let loss = PairEmbedding::new(margin);
        for pair in [Pair::Neighbours, Pair::NonNeighbours] {
            let (l, g) = analytic(loss, a.as_slice(), b.as_slice(), pair);
            let (nl, ng) = numeric(loss, a.as_slice(), b.as_slice(), pair);
            let expected = match pair {
                Pair::Neighbours => dist * dist,
                Pair::NonNeighbours => (margin - dist).max(0.0).powi(2),
            };
            assert!(
                (l - expected).abs() <= 1e-14 * (1.0 + expected),
                "{pair:?}: {l} vs {expected}"
            );
            assert_eq!(l, nl);
            let e = relative_error(&g, &ng);
            if pair == Pair::NonNeighbours && margin < dist {
                beyond += 1;
                assert!(g.iter().all(|&v| v == 0.0), "beyond the margin: {g:?}");
                assert!(
                    ng.iter().all(|&v| v == 0.0),
                    "beyond the margin (numeric): {ng:?}"
                );
            } else {
                inside += usize::from(pair == Pair::NonNeighbours);
                assert!(
                    e < LOSS_TOL,
                    "{pair:?}, margin {margin}, r {dist}: relative error {e:e}"
                );
            }
        }
    }
    assert_eq!((inside, beyond), (20, 20));
}

#[test]
fn coincident_non_neighbours_cost_the_margin_squared_with_zero_gradient() {
    let a = [0.25f64, -1.0, 3.0];
    let (l, g) = analytic(PairEmbedding::new(1.5), &a, &a, Pair::NonNeighbours);
    assert_eq!(l, 2.25);
    assert_eq!(g, vec![0.0; 6]);
}

#[test]
fn batch_is_the_sum_or_mean_of_its_pairs() {
    let mut r = rng(12);
    let (a, b) = (random_batch::<5>(&mut r, 9), random_batch::<5>(&mut r, 9));
    let pairs: Vec<Pair> = (0..9).map(|k| Pair::from(k % 3 == 0)).collect();
    let loss = PairEmbedding::new(1.2);
    let (sum, ga, gb) = loss
        .batch_value_and_grad(&a, &b, &pairs, Reduction::Sum)
        .unwrap();
    let (mean, ma, mb) = loss
        .batch_value_and_grad(&a, &b, &pairs, Reduction::Mean)
        .unwrap();
    let mut total = 0.0;
    for (k, &pair) in pairs.iter().enumerate() {
        let (ca, cb) = (a.column(k), b.column(k));
        let (l, g) = analytic(loss, ca.as_slice(), cb.as_slice(), pair);
        total += l;
        assert_eq!(g[..5], *ga.column(k).as_slice());
        assert_eq!(g[5..], *gb.column(k).as_slice());
    }
    assert!((sum - total).abs() < 1e-14 * total.max(1.0));
    assert!((mean - total / 9.0).abs() < 1e-14 * total.max(1.0));
    assert!(relative_error(ma.as_slice(), (ga / 9.0).as_slice()) < 1e-15);
    assert!(relative_error(mb.as_slice(), (gb / 9.0).as_slice()) < 1e-15);
    // Some pairs inside the margin and some beyond, so both branches ran.
    let zero = |k: usize| ma.column(k).iter().all(|&v| v == 0.0);
    assert!((0..9).any(zero) && !(0..9).all(zero));
}

#[test]
fn batch_rejects_mismatched_pairs_and_bad_margins() {
    let a = Batch::<f64, 2>::zeros(3);
    let loss = PairEmbedding::new(1.0);
    let two = Batch::<f64, 2>::zeros(2);
    let err = loss
        .batch_value_and_grad(&a, &two, &[Pair::Neighbours; 3], Reduction::Mean)
        .unwrap_err();
    assert!(err.to_string().contains("expected 3, found 2"), "{err}");
    let err = loss
        .batch_value_and_grad(&a, &a, &[Pair::Neighbours; 2], Reduction::Mean)
        .unwrap_err();
    assert!(
        err.to_string().contains("pairs: expected 3, found 2"),
        "{err}"
    );
    for m in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let bad = PairEmbedding::new(m).batch_value_and_grad(
            &a,
            &a,
            &[Pair::Neighbours; 3],
            Reduction::Sum,
        );
        assert!(bad.is_err(), "margin {m} accepted");
    }
}

nn_core::network! {
    /// A classifier whose first hidden layer is also an output, for the embedding loss.
    struct Embedded {
        input: 4,
        h1: dense(6, tanh),
        h2: dense(5, sigmoid),
        out: dense(3),
        output: (h1, out),
    }
}

/// `CE(out) over the labelled columns + λ · L(h1) over the pairs`, from one batch: columns
/// `0..l` labelled, then the pairs' first and second samples.
fn total_loss(net: &Embedded<f64>, x: &Batch<f64, 4>, labels: &[usize], pairs: &[Pair]) -> f64 {
    let (h, out) = net.forward_batch(x);
    let (l, p) = (labels.len(), pairs.len());
    let ce = CrossEntropy
        .batch_value(&out.columns(0, l).into_owned(), labels, Reduction::Mean)
        .unwrap();
    let (a, b) = (
        h.columns(l, p).into_owned(),
        h.columns(l + p, p).into_owned(),
    );
    let emb = PairEmbedding::new(MARGIN)
        .batch_value_and_grad(&a, &b, pairs, Reduction::Mean)
        .unwrap()
        .0;
    ce + LAMBDA * emb
}

const MARGIN: f64 = 1.0;
const LAMBDA: f64 = 0.7;

#[test]
fn hidden_output_receives_the_embedding_gradient() {
    let mut r = rng(13);
    let mut net = random_net(14, Embedded::<f64>::new);
    let labels = [0usize, 2, 1];
    let pairs = [
        Pair::Neighbours,
        Pair::NonNeighbours,
        Pair::NonNeighbours,
        Pair::Neighbours,
    ];
    let (l, p) = (labels.len(), pairs.len());
    let x = random_batch::<4>(&mut r, l + 2 * p);

    let mut trace = net.forward_batch_trace(&x);
    let (h, out) = (trace.h1_x.clone(), trace.out_x.clone());
    let (_, dce) = CrossEntropy
        .batch_value_and_grad(
            &out.columns(0, l).into_owned(),
            &labels[..],
            Reduction::Mean,
        )
        .unwrap();
    let (a, b) = (
        h.columns(l, p).into_owned(),
        h.columns(l + p, p).into_owned(),
    );
    let (emb, ga, gb) = PairEmbedding::new(MARGIN)
        .batch_value_and_grad(&a, &b, &pairs, Reduction::Mean)
        .unwrap();
    assert!(emb > 0.0);
    // At least one non-neighbour pair inside the margin, so its push is checked too.
    let pushed = (0..p).any(|k| pairs[k] == Pair::NonNeighbours && ga.column(k).norm() > 0.0);
    assert!(pushed, "no non-neighbour pair inside the margin");
    let mut dl_dh = Batch::<f64, 6>::zeros(x.ncols());
    dl_dh.columns_mut(l, p).copy_from(&(ga * LAMBDA));
    dl_dh.columns_mut(l + p, p).copy_from(&(gb * LAMBDA));
    let mut dl_dout = Batch::<f64, 3>::zeros(x.ncols());
    dl_dout.columns_mut(0, l).copy_from(&dce);
    let mut grads = Embedded::zeros();
    net.backward_batch_params(&x, &mut trace, &dl_dh, &dl_dout, &mut grads)
        .unwrap();

    let num = numeric_gradient(&mut net, EPS, |n| total_loss(n, &x, &labels, &pairs));
    let (e, t) = max_relative_error(&grads, &num);
    assert!(e < TOL, "parameter tensor {t}: relative error {e:e}");
    // Without the embedding term, h1's gradient differs: the hidden output is really used.
    let mut no_emb = Embedded::zeros();
    let mut trace = net.forward_batch_trace(&x);
    net.backward_batch_params(
        &x,
        &mut trace,
        &Batch::zeros(x.ncols()),
        &dl_dout,
        &mut no_emb,
    )
    .unwrap();
    assert!(relative_error(grads.h1.weight.as_slice(), no_emb.h1.weight.as_slice()) > 1e-3);
}
