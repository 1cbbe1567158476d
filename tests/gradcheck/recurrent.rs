//! Recurrent layers (LSTM, GRU, plain RNN), six steps, whole sequence and last state:
//! backpropagation through time against central differences on the input, the initial state
//! and every weight; the tangent against the backward; the batch path against the sum of
//! single samples; sequences of run-time length; clipping.

use crate::{BATCH_TOL, EPS, TOL};
use nn_core::cell::{Gru, Lstm, RecurrentCell, Rnn};
use nn_core::gradcheck::{
    max_relative_error, numeric_gradient, numeric_gradient_of, relative_error,
};
use nn_core::layer::{BatchOp, Layer, Op};
use nn_core::nalgebra::SVector;
use nn_core::{Batch, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};

pub(crate) const SEQ: usize = 6;
pub(crate) const I: usize = 3;
pub(crate) const H: usize = 4;
pub(crate) const IN: usize = SEQ * I;

/// A layer with every parameter drawn from U(-0.6, 0.6) (biases too, so none is trivially 0).
pub(crate) fn random<L: Layer<f64>>(rng: &mut StdRng) -> L {
    let mut l = L::zeros();
    l.visit_mut(|_, v| v.iter_mut().for_each(|w| *w = rng.random_range(-0.6..0.6)));
    l
}

pub(crate) fn forward<L: Op<f64, IN, OUT>, const OUT: usize>(
    l: &L,
    x: &SVector<f64, IN>,
) -> (SVector<f64, OUT>, L::Cache) {
    let (mut y, mut cache) = (SVector::zeros(), L::empty_cache());
    l.op_forward(x, &mut y, &mut cache);
    (y, cache)
}

/// Input, weights, tangent and batch checks of one layer type through `Op`/`BatchOp`.
pub(crate) fn check_layer<L, const OUT: usize>(seed: u64)
where
    L: BatchOp<f64, IN, OUT> + core::fmt::Debug,
{
    let mut rng = StdRng::seed_from_u64(seed);
    let mut layer: L = random(&mut rng);
    let x = SVector::<f64, IN>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let c = SVector::<f64, OUT>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let loss = |l: &L, x: &SVector<f64, IN>| forward(l, x).0.dot(&c);

    let (y, cache) = forward(&layer, &x);
    let (mut grad, mut dx) = (L::zeros(), SVector::zeros());
    grad.fill(f64::NAN); // the backward must overwrite, not accumulate
    layer.op_backward(&x, &y, &cache, &c, &mut grad, &mut dx);

    let num = numeric_gradient(&mut layer, EPS, |l| loss(l, &x));
    let (err, t) = max_relative_error(&grad, &num);
    let name = grad.tensor_info(t).unwrap().name;
    assert!(err < TOL, "{}: {name} relative error {err:e}", L::KIND);
    let num_dx = numeric_gradient_of(x.as_slice(), EPS, |v| {
        loss(&layer, &SVector::from_column_slice(v))
    });
    let err = relative_error(dx.as_slice(), &num_dx);
    assert!(err < TOL, "{}: input relative error {err:e}", L::KIND);

    // Tangent: (∂y/∂x) v against central differences of y along v, and cᵀ(∂y/∂x)v = dxᵀv.
    let v = SVector::<f64, IN>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let mut dy = SVector::zeros();
    layer.op_tangent(&x, &y, &cache, &v, &mut dy);
    let fd = (forward(&layer, &(x + v * EPS)).0 - forward(&layer, &(x - v * EPS)).0) / (2.0 * EPS);
    let err = relative_error(dy.as_slice(), fd.as_slice());
    assert!(err < TOL, "{}: tangent relative error {err:e}", L::KIND);
    assert!((dy.dot(&c) - dx.dot(&v)).abs() < 1e-12 * (1.0 + dx.dot(&v).abs()));

    // Batch of 3 = the single samples, gradients summed.
    let xb = Batch::<f64, IN>::from_fn(3, |_, _| rng.random_range(-1.0..1.0));
    let db = Batch::<f64, OUT>::from_fn(3, |_, _| rng.random_range(-1.0..1.0));
    let (mut yb, mut cb) = (Batch::<f64, OUT>::zeros(0), L::empty_batch_cache());
    layer.op_forward_batch(&xb, &mut yb, &mut cb, true);
    let (mut gb, mut dxb) = (L::zeros(), Batch::<f64, IN>::zeros(0));
    gb.fill(f64::NAN);
    layer.op_backward_batch(&xb, &yb, &cb, &db, &mut gb, Some(&mut dxb));
    let mut sum = L::zeros();
    for j in 0..3 {
        let xj = SVector::<f64, IN>::from_column_slice(xb.column(j).as_slice());
        let dj = SVector::<f64, OUT>::from_column_slice(db.column(j).as_slice());
        let (yj, cj) = forward(&layer, &xj);
        assert!(
            relative_error(yj.as_slice(), yb.column(j).as_slice()) < BATCH_TOL,
            "{} batch output",
            L::KIND
        );
        let (mut g, mut dxj) = (L::zeros(), SVector::zeros());
        layer.op_backward(&xj, &yj, &cj, &dj, &mut g, &mut dxj);
        sum.zip_mut(&g, |_, s, g| s.iter_mut().zip(g).for_each(|(s, g)| *s += g));
        let err = relative_error(dxj.as_slice(), dxb.column(j).as_slice());
        assert!(err < BATCH_TOL, "{} batch input gradient {err:e}", L::KIND);
    }
    let (err, t) = max_relative_error(&gb, &sum);
    assert!(
        err < BATCH_TOL,
        "{}: batch {} error {err:e}",
        L::KIND,
        gb.tensor_info(t).unwrap().name
    );
}

#[test]
fn lstm_bptt_matches_finite_differences() {
    check_layer::<Lstm<f64, I, H, 16, SEQ, IN, { SEQ * H }>, { SEQ * H }>(1);
    check_layer::<Lstm<f64, I, H, 16, SEQ, IN, H>, H>(2);
}

#[test]
fn gru_bptt_matches_finite_differences() {
    check_layer::<Gru<f64, I, H, 12, SEQ, IN, { SEQ * H }>, { SEQ * H }>(3);
    check_layer::<Gru<f64, I, H, 12, SEQ, IN, H>, H>(4);
}

#[test]
fn rnn_bptt_matches_finite_differences() {
    check_layer::<Rnn<f64, I, H, H, SEQ, IN, { SEQ * H }>, { SEQ * H }>(5);
    check_layer::<Rnn<f64, I, H, H, SEQ, IN, H>, H>(6);
}

/// The initial state's gradient (`backward_to`, `tangent_from`) and the run-time-length API
/// (`forward_seq`, `backward_seq`) for one cell type.
macro_rules! check_state {
    ($name:ident, $cell:ident, $g:literal, $seed:literal) => {
        #[test]
        fn $name() {
            type C = nn_core::cell::$cell<f64, I, H, $g>;
            type L = nn_core::cell::Recurrent<C, SEQ, IN, { SEQ * H }>;
            let mut rng = StdRng::seed_from_u64($seed);
            let mut layer: L = random(&mut rng);
            let x = SVector::<f64, IN>::from_fn(|_, _| rng.random_range(-1.0..1.0));
            let c = SVector::<f64, { SEQ * H }>::from_fn(|_, _| rng.random_range(-1.0..1.0));
            let mut s0 = C::zero_state();
            s0.iter_mut().for_each(|v| *v = rng.random_range(-1.0..1.0));
            let state = |v: &[f64]| {
                let mut s = C::zero_state();
                s.as_mut_slice().copy_from_slice(v);
                s
            };
            let run = |l: &L, s: &<C as RecurrentCell<f64, I, H, $g>>::State| {
                let (mut y, mut cache) = (SVector::zeros(), L::empty_cache());
                l.forward_from(&x, s, &mut y, &mut cache);
                (y, cache)
            };
            let (y, cache) = run(&layer, &s0);
            let (mut grad, mut dx, mut ds0) = (L::zeros(), SVector::zeros(), C::zero_state());
            layer.backward_to(&x, &cache, &c, &mut grad, &mut dx, &mut ds0);
            let num = numeric_gradient_of(s0.as_slice(), EPS, |v| run(&layer, &state(v)).0.dot(&c));
            let err = relative_error(ds0.as_slice(), &num);
            assert!(err < TOL, "initial-state relative error {err:e}");
            assert!(
                ds0.iter().all(|&g| g != 0.0),
                "every initial value reaches the loss"
            );

            let v = state(
                &num.iter()
                    .map(|_| rng.random_range(-1.0..1.0))
                    .collect::<Vec<_>>(),
            );
            let mut dy = SVector::zeros();
            layer.tangent_from(&cache, &SVector::zeros(), &v, &mut dy);
            let fd =
                (run(&layer, &(s0 + v * EPS)).0 - run(&layer, &(s0 - v * EPS)).0) / (2.0 * EPS);
            let err = relative_error(dy.as_slice(), fd.as_slice());
            assert!(err < TOL, "initial-state tangent relative error {err:e}");

            // Nine steps at run time, from the same initial state: the first six hidden
            // states are the fixed-length layer's, and every gradient checks.
            let xs: Vec<f64> = (0..9 * I).map(|_| rng.random_range(-1.0..1.0)).collect();
            let c9: Vec<f64> = (0..9 * H).map(|_| rng.random_range(-1.0..1.0)).collect();
            let x6 = SVector::<f64, IN>::from_column_slice(&xs[..IN]);
            let (mut y6, mut cache6) = (SVector::zeros(), L::empty_cache());
            layer.forward_from(&x6, &s0, &mut y6, &mut cache6);
            let r = layer.forward_seq(&xs, Some(&s0)).unwrap();
            assert!(relative_error(&r.hidden()[..SEQ * H], y6.as_slice()) < BATCH_TOL);
            let dot = |r: &[f64]| r.iter().zip(&c9).map(|(a, b)| a * b).sum::<f64>();
            let back = layer.backward_seq(&xs, &r, &c9).unwrap();
            let num = numeric_gradient_of(&xs, EPS, |v| {
                dot(layer.forward_seq(v, Some(&s0)).unwrap().hidden())
            });
            assert!(
                relative_error(&back.dx, &num) < TOL,
                "run-time length: input"
            );
            let num = numeric_gradient_of(s0.as_slice(), EPS, |v| {
                dot(layer.forward_seq(&xs, Some(&state(v))).unwrap().hidden())
            });
            assert!(
                relative_error(back.ds0.as_slice(), &num) < TOL,
                "run-time length: initial state"
            );
            let num = numeric_gradient(&mut layer, EPS, |l| {
                dot(l.forward_seq(&xs, Some(&s0)).unwrap().hidden())
            });
            let (err, _) = max_relative_error(&back.grad, &num);
            assert!(err < TOL, "run-time length: weights {err:e}");
            assert!(
                layer.forward_seq(&xs[1..], None).is_err(),
                "27 - 1 values are not whole steps"
            );
            assert!(layer.backward_seq(&xs, &r, &c9[1..]).is_err());
            // No steps: no outputs, the initial state comes out unchanged, nothing to learn.
            let empty = layer.forward_seq(&[], Some(&s0)).unwrap();
            assert!(empty.hidden().is_empty() && empty.final_state() == s0);
            let back = layer.backward_seq(&[], &empty, &[]).unwrap();
            assert!(back.ds0.iter().all(|&g| g == 0.0));
            back.grad.visit(|_, v| assert!(v.iter().all(|&g| g == 0.0)));
            let _ = y;
        }
    };
}

check_state!(lstm_initial_state_and_runtime_length, LstmCell, 16, 7);
check_state!(gru_initial_state_and_runtime_length, GruCell, 12, 8);
check_state!(rnn_initial_state_and_runtime_length, RnnCell, 4, 9);

#[test]
fn clipping_bounds_the_carried_gradient() {
    type L = Lstm<f64, I, H, 16, SEQ, IN, H>;
    let mut rng = StdRng::seed_from_u64(10);
    let mut layer: L = random(&mut rng);
    let x = SVector::<f64, IN>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let dy = SVector::<f64, H>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let grads = |l: &L| {
        let (y, cache) = forward(l, &x);
        let (mut g, mut dx) = (L::zeros(), SVector::zeros());
        l.op_backward(&x, &y, &cache, &dy, &mut g, &mut dx);
        (g, dx)
    };
    let (g, dx) = grads(&layer);
    layer.clip = Some(1e9);
    assert_eq!(
        grads(&layer),
        (g.clone(), dx),
        "a clip above every value changes nothing"
    );
    layer.clip = Some(0.0);
    let (g0, dx0) = grads(&layer);
    assert!(g0.parameter_count() > 0 && dx0.iter().all(|&v| v == 0.0));
    g0.visit(|_, v| assert!(v.iter().all(|&v| v == 0.0)));
    layer.clip = Some(1e-3);
    let (gs, _) = grads(&layer);
    let norm = |g: &L| {
        let mut s = 0.0;
        g.visit(|_, v| s += v.iter().map(|v| v * v).sum::<f64>());
        s
    };
    assert!(norm(&gs) > 0.0 && norm(&gs) < norm(&g) * 1e-3);
}

nn_core::network! {
    /// Stacked recurrent layers from `network!`: LSTM, GRU and RNN over 5 steps, a dense head.
    struct Stacked {
        input: [5, 3],
        l1: lstm(4),
        g1: gru(4 -> 3),
        r1: rnn(3, seq = last),
        out: dense(2, tanh),
    }
}
checked!(Stacked: 15 -> 2, z: [l1_z, g1_z, r1_z, out_z]);

#[test]
fn stacked_recurrent_network_backpropagates_through_time() {
    let net: Stacked<f64> = crate::random_net(12, Stacked::new);
    let mut rng = crate::rng(13);
    let x = crate::random_vector::<15>(&mut rng);
    let c = crate::random_vector::<2>(&mut rng);
    crate::check("stacked recurrent", &net, &x, |f| (f.dot(&c), c));
    let xb = crate::random_batch::<15>(&mut rng, 4);
    let db = crate::random_batch::<2>(&mut rng, 4);
    crate::check_batch("stacked recurrent", &net, &xb, &db);
    let mut names = Vec::new();
    net.visit(|info, _| names.push(info.to_string()));
    assert_eq!(
        &names[..5],
        [
            "l1.weight_ih_l0",
            "l1.weight_hh_l0",
            "l1.bias_ih_l0",
            "l1.bias_hh_l0",
            "g1.weight_ih_l0"
        ]
    );
    assert_eq!(
        net.tensor_info(4).unwrap().shape.dims(),
        &[9, 4],
        "GRU weight_ih: (3H, I)"
    );
}
check_state!(
    gru_reset_before_initial_state_and_runtime_length,
    GruResetBeforeCell,
    12,
    11
);
