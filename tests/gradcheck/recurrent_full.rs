//! Recurrent networks in full: stacked layers, bidirectional layers, dropout between layers,
//! the gradient of a loss on the final state (an LSTM's `c_T`) and the GRU with its reset gate
//! before the product, each against central differences in `f64`; the batch path against the
//! single samples; `network!` declarations of each through forward, backward and batches.

use crate::recurrent::{check_layer, forward, random, H, I, IN, SEQ};
use crate::{BATCH_TOL, EPS, TOL};
use nn_core::cell::{
    GruCell, GruResetBefore, GruResetBeforeCell, Lstm, LstmCell, RecurrentCell, RecurrentStack,
    RnnCell,
};
use nn_core::gradcheck::{
    max_relative_error, numeric_gradient, numeric_gradient_of, relative_error,
};
use nn_core::layer::{BatchOp, Layer};
use nn_core::nalgebra::SVector;
use nn_core::{Batch, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};

const SH: usize = SEQ * H;

/// `L` layers (`UP = L - 1`) of `D` directions of cell `$cell` with `$k` gate rows per unit.
macro_rules! stack {
    ($cell:ident, $k:literal, $d:literal, $up:literal, $out:expr, $drop:expr) => {
        RecurrentStack<
            $cell<f64, I, H, { $k * H }>,
            $cell<f64, { $d * H }, H, { $k * H }>,
            $d, $up, SEQ, IN, SH, { $d * SH }, { $out }, { $drop }>
    };
}

#[test]
fn stacked_layers_match_finite_differences() {
    check_layer::<stack!(LstmCell, 4, 1, 1, SH, 0), SH>(21);
    check_layer::<stack!(LstmCell, 4, 1, 2, H, 0), H>(22);
    check_layer::<stack!(GruCell, 3, 1, 1, SH, 0), SH>(23);
    check_layer::<stack!(RnnCell, 1, 1, 1, H, 0), H>(24);
    check_layer::<stack!(GruResetBeforeCell, 3, 1, 1, SH, 0), SH>(25);
}

#[test]
fn bidirectional_layers_match_finite_differences() {
    check_layer::<stack!(LstmCell, 4, 2, 0, 2 * SH, 0), { 2 * SH }>(31);
    check_layer::<stack!(LstmCell, 4, 2, 0, 2 * H, 0), { 2 * H }>(32);
    check_layer::<stack!(GruCell, 3, 2, 1, 2 * SH, 0), { 2 * SH }>(33);
    check_layer::<stack!(GruCell, 3, 2, 1, 2 * H, 0), { 2 * H }>(34);
    check_layer::<stack!(RnnCell, 1, 2, 2, 2 * H, 0), { 2 * H }>(35);
}

/// A bidirectional layer is a forward layer and a layer over the reversed sequence, with the
/// outputs concatenated per step; `seq = last` is `[h→_SEQ, h←_1]` (PyTorch's `h_n`).
#[test]
fn bidirectional_output_is_both_directions_concatenated() {
    type S = stack!(GruCell, 3, 2, 0, 2 * SH, 0);
    type Last = stack!(GruCell, 3, 2, 0, 2 * H, 0);
    type One = nn_core::cell::Gru<f64, I, H, 12, SEQ, IN, SH>;
    let mut rng = StdRng::seed_from_u64(36);
    let s: S = random(&mut rng);
    let x = SVector::<f64, IN>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let (y, _) = forward::<S, { 2 * SH }>(&s, &x);
    let mut xr = x;
    for t in 0..SEQ {
        xr.as_mut_slice()[t * I..(t + 1) * I]
            .copy_from_slice(&x.as_slice()[(SEQ - 1 - t) * I..(SEQ - t) * I]);
    }
    let (fwd, _) = forward::<One, SH>(&s.first[0], &x);
    let (bwd, _) = forward::<One, SH>(&s.first[1], &xr);
    for t in 0..SEQ {
        assert_eq!(
            &y.as_slice()[t * 2 * H..t * 2 * H + H],
            &fwd.as_slice()[t * H..(t + 1) * H]
        );
        assert_eq!(
            &y.as_slice()[t * 2 * H + H..(t + 1) * 2 * H],
            &bwd.as_slice()[(SEQ - 1 - t) * H..(SEQ - t) * H]
        );
    }
    let mut last = Last::zeros();
    last.first = s.first.clone();
    let (yl, _) = forward::<Last, { 2 * H }>(&last, &x);
    assert_eq!(&yl.as_slice()[..H], &fwd.as_slice()[(SEQ - 1) * H..]);
    assert_eq!(&yl.as_slice()[H..], &bwd.as_slice()[(SEQ - 1) * H..]);
    assert_ne!(fwd, bwd);
}

#[test]
fn gru_reset_before_matches_finite_differences() {
    check_layer::<GruResetBefore<f64, I, H, 12, SEQ, IN, SH>, SH>(41);
    check_layer::<GruResetBefore<f64, I, H, 12, SEQ, IN, H>, H>(42);
    // Same weights, other placement: other outputs.
    let mut rng = StdRng::seed_from_u64(43);
    let before: GruResetBefore<f64, I, H, 12, SEQ, IN, SH> = random(&mut rng);
    let mut after = nn_core::cell::Gru::<f64, I, H, 12, SEQ, IN, SH>::zeros();
    for t in 0..4 {
        after
            .tensor_mut(t)
            .unwrap()
            .copy_from_slice(before.tensor(t).unwrap());
    }
    let x = SVector::<f64, IN>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let (a, b) = (
        forward::<_, SH>(&after, &x).0,
        forward::<_, SH>(&before, &x).0,
    );
    assert!((a - b).abs().max() > 1e-3, "the two placements differ");
}

/// Dropout between layers: off in evaluation (the batch path equals the single samples),
/// on in training (values zeroed), and with the masks frozen the training gradient checks.
#[test]
fn dropout_between_layers_is_off_in_eval_and_checks_in_training() {
    const P: u64 = 0x3FE0_0000_0000_0000; // 0.5
    type S = stack!(LstmCell, 4, 2, 1, 2 * SH, P);
    const OUT: usize = 2 * SH;
    let mut rng = StdRng::seed_from_u64(51);
    let mut s: S = random(&mut rng);
    assert_eq!(s.dropout(), 0.5);
    let xb = Batch::<f64, IN>::from_fn(3, |_, _| rng.random_range(-1.0..1.0));
    let db = Batch::<f64, OUT>::from_fn(3, |_, _| rng.random_range(-1.0..1.0));
    let mut cache = S::empty_batch_cache();
    let (mut eval, mut train) = (Batch::<f64, OUT>::zeros(0), Batch::<f64, OUT>::zeros(0));
    s.op_forward_batch(&xb, &mut eval, &mut cache, false);
    for j in 0..3 {
        let xj = SVector::<f64, IN>::from_column_slice(xb.column(j).as_slice());
        let (yj, _) = forward::<S, OUT>(&s, &xj);
        assert!(relative_error(yj.as_slice(), eval.column(j).as_slice()) < BATCH_TOL);
    }
    S::op_seed(&mut cache, 7);
    s.op_forward_batch(&xb, &mut train, &mut cache, true);
    let differ = eval
        .iter()
        .zip(train.iter())
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        differ > OUT,
        "training drops values of layer 0's output: {differ} differ"
    );
    // With the masks frozen, the training loss is a smooth function of the weights and the
    // input: the backward through the masks checks against central differences.
    S::op_freeze(&mut cache, true);
    let loss = |l: &S, c: &mut <S as BatchOp<f64, IN, OUT>>::BatchCache| {
        let mut y = Batch::<f64, OUT>::zeros(0);
        l.op_forward_batch(&xb, &mut y, c, true);
        y.iter().zip(db.iter()).map(|(a, b)| a * b).sum::<f64>()
    };
    let mut y = Batch::<f64, OUT>::zeros(0);
    s.op_forward_batch(&xb, &mut y, &mut cache, true);
    let (mut g, mut dx) = (S::zeros(), Batch::<f64, IN>::zeros(0));
    g.fill(f64::NAN);
    s.op_backward_batch(&xb, &y, &cache, &db, &mut g, Some(&mut dx));
    let mut frozen = cache;
    let num = numeric_gradient(&mut s, EPS, |l| loss(l, &mut frozen));
    let (err, t) = max_relative_error(&g, &num);
    assert!(
        err < TOL,
        "{}: relative error {err:e}",
        g.tensor_info(t).unwrap()
    );
    let num_dx = numeric_gradient_of(xb.as_slice(), EPS, |v| {
        let x = Batch::<f64, IN>::from_column_slice(v);
        let mut y = Batch::<f64, OUT>::zeros(0);
        s.op_forward_batch(&x, &mut y, &mut frozen, true);
        y.iter().zip(db.iter()).map(|(a, b)| a * b).sum::<f64>()
    });
    assert!(
        relative_error(dx.as_slice(), &num_dx) < TOL,
        "input gradient through the masks"
    );
}

/// A loss on the final state: `ℓ = cᵀy + eᵀs_T` (`s_T = (h_T, c_T)` for an LSTM), through
/// `backward_through` (fixed length) and `backward_seq_through` (run-time length).
macro_rules! check_final_state {
    ($name:ident, $cell:ident, $g:literal, $seed:literal) => {
        #[test]
        fn $name() {
            type C = $cell<f64, I, H, $g>;
            type L = nn_core::cell::Recurrent<C, SEQ, IN, SH>;
            let mut rng = StdRng::seed_from_u64($seed);
            let mut layer: L = random(&mut rng);
            let x = SVector::<f64, IN>::from_fn(|_, _| rng.random_range(-1.0..1.0));
            let c = SVector::<f64, SH>::from_fn(|_, _| rng.random_range(-1.0..1.0));
            let mut e = C::zero_state();
            e.iter_mut().for_each(|v| *v = rng.random_range(-1.0..1.0));
            let dot = |a: &<C as RecurrentCell<f64, I, H, $g>>::State| {
                a.iter().zip(e.iter()).map(|(a, b)| a * b).sum::<f64>()
            };
            let loss = |l: &L, x: &SVector<f64, IN>| {
                let (y, cache) = forward::<L, SH>(l, x);
                y.dot(&c) + dot(&cache.states[SEQ - 1])
            };
            let (_, cache) = forward::<L, SH>(&layer, &x);
            let (mut g, mut dx, mut ds0) = (L::zeros(), SVector::zeros(), C::zero_state());
            layer.backward_through(&x, &cache, &c, &e, &mut g, &mut dx, &mut ds0);
            let num = numeric_gradient(&mut layer, EPS, |l| loss(l, &x));
            let (err, _) = max_relative_error(&g, &num);
            assert!(err < TOL, "weights {err:e}");
            let num_dx = numeric_gradient_of(x.as_slice(), EPS, |v| {
                loss(&layer, &SVector::from_column_slice(v))
            });
            assert!(relative_error(dx.as_slice(), &num_dx) < TOL, "input");
            // Only the final state: the output gradient alone would give something else.
            let (mut g0, mut dx0) = (L::zeros(), SVector::zeros());
            layer.backward_to(&x, &cache, &c, &mut g0, &mut dx0, &mut ds0);
            assert!((dx - dx0).abs().max() > 1e-6);

            // Run-time length, 9 steps.
            let xs: Vec<f64> = (0..9 * I).map(|_| rng.random_range(-1.0..1.0)).collect();
            let zero = vec![0.0; 9 * H];
            let run = layer.forward_seq(&xs, None).unwrap();
            let back = layer
                .backward_seq_through(&xs, &run, &zero, Some(&e))
                .unwrap();
            let num = numeric_gradient_of(&xs, EPS, |v| {
                dot(&layer.forward_seq(v, None).unwrap().final_state())
            });
            assert!(
                relative_error(&back.dx, &num) < TOL,
                "run-time length: input"
            );
            let num = numeric_gradient(&mut layer, EPS, |l| {
                dot(&l.forward_seq(&xs, None).unwrap().final_state())
            });
            let (err, _) = max_relative_error(&back.grad, &num);
            assert!(err < TOL, "run-time length: weights {err:e}");
        }
    };
}

check_final_state!(lstm_final_cell_state_gradient, LstmCell, 16, 61);
check_final_state!(gru_final_state_gradient, GruCell, 12, 62);
check_final_state!(
    gru_reset_before_final_state_gradient,
    GruResetBeforeCell,
    12,
    63
);
check_final_state!(rnn_final_state_gradient, RnnCell, 4, 64);

/// The README's `c_T` case in the form a user writes it: only `c_T` enters the loss.
#[test]
fn a_loss_on_c_t_alone_needs_no_hand_written_loop() {
    type L = Lstm<f64, I, H, 16, SEQ, IN, H>;
    let mut rng = StdRng::seed_from_u64(65);
    let layer: L = random(&mut rng);
    let x = SVector::<f64, IN>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let (_, cache) = forward::<L, H>(&layer, &x);
    let mut dc = LstmCell::<f64, I, H, 16>::zero_state();
    dc.column_mut(1).fill(1.0); // ℓ = Σ c_T
    let (mut g, mut dx, mut ds0) = (L::zeros(), SVector::zeros(), dc);
    layer.backward_through(
        &x,
        &cache,
        &SVector::zeros(),
        &dc,
        &mut g,
        &mut dx,
        &mut ds0,
    );
    let num = numeric_gradient_of(x.as_slice(), EPS, |v| {
        forward::<L, H>(&layer, &SVector::from_column_slice(v))
            .1
            .states[SEQ - 1]
            .column(1)
            .sum()
    });
    assert!(relative_error(dx.as_slice(), &num) < TOL);
    assert!(dx.norm() > 1e-6);
}

nn_core::network! {
    /// Every new option in one declaration each, and a dense head.
    struct Full {
        input: [5, 3],
        a: lstm(4, layers = 2),
        b: gru(3, bidirectional = true),
        c: rnn(2, layers = 2, bidirectional = true),
        d: gru(3, reset_after = false, seq = last),
        out: dense(2, tanh),
    }
}
checked!(Full: 15 -> 2, z: [a_z, b_z, c_z, d_z, out_z]);

nn_core::network! {
    /// A stacked bidirectional LSTM with `seq = last`.
    struct BiLast {
        input: [4, 2],
        l: lstm(3, layers = 2, bidirectional = true, seq = last),
        out: dense(1),
    }
}
checked!(BiLast: 8 -> 1, z: [l_z, out_z]);

#[test]
fn networks_with_every_option_backpropagate() {
    let net: Full<f64> = crate::random_net(71, Full::new);
    let mut rng = crate::rng(72);
    let x = crate::random_vector::<15>(&mut rng);
    let c = crate::random_vector::<2>(&mut rng);
    crate::check("full recurrent", &net, &x, |f| (f.dot(&c), c));
    let xb = crate::random_batch::<15>(&mut rng, 4);
    let db = crate::random_batch::<2>(&mut rng, 4);
    crate::check_batch("full recurrent", &net, &xb, &db);
    let mut names = Vec::new();
    net.visit(|info, _| names.push(info.to_string()));
    assert_eq!(
        &names[..10],
        [
            "a.weight_ih_l0",
            "a.weight_hh_l0",
            "a.bias_ih_l0",
            "a.bias_hh_l0",
            "a.weight_ih_l1",
            "a.weight_hh_l1",
            "a.bias_ih_l1",
            "a.bias_hh_l1",
            "b.weight_ih_l0",
            "b.weight_hh_l0",
        ]
    );
    assert!(names.contains(&"b.weight_ih_l0_reverse".to_string()));
    assert!(names.contains(&"c.bias_hh_l1_reverse".to_string()));
    // c's layer 1 reads both directions of layer 0: (H, 2H) = (2, 4).
    let i = names.iter().position(|n| n == "c.weight_ih_l1").unwrap();
    assert_eq!(net.tensor_info(i).unwrap().shape.dims(), &[2, 4]);

    let net: BiLast<f64> = crate::random_net(73, BiLast::new);
    let x = crate::random_vector::<8>(&mut rng);
    crate::check("bidirectional last", &net, &x, |f| {
        (f[0], SVector::from([1.0]))
    });
    let xb = crate::random_batch::<8>(&mut rng, 3);
    let db = crate::random_batch::<1>(&mut rng, 3);
    crate::check_batch("bidirectional last", &net, &xb, &db);
}
