//! The batch path of a graph against its single-sample path.

use super::{everything, random, Everything};
use nn_core::gradcheck::{max_relative_error, relative_error};
use nn_core::{Batch, Parameters};
use rand::{rngs::StdRng, SeedableRng};

#[test]
fn batch_gradients_are_the_sums_of_single_sample_gradients() {
    let mut rng = StdRng::seed_from_u64(13);
    let net = everything(6);
    let n = 4;
    let mut imgs = Batch::<f64, 6>::zeros(n);
    let mut feats = Batch::<f64, 2>::zeros(n);
    let mut us = Batch::<f64, 3>::zeros(n);
    let mut ws = Batch::<f64, 2>::zeros(n);
    for k in 0..n {
        imgs.set_column(k, &random::<6>(&mut rng));
        feats.set_column(k, &random::<2>(&mut rng));
        us.set_column(k, &random::<3>(&mut rng));
        ws.set_column(k, &random::<2>(&mut rng));
    }
    let mut trace = net
        .forward_batch_trace(&imgs, &feats)
        .expect("same batch sizes");
    let (q, r) = net.forward_batch(&imgs, &feats).expect("same batch sizes");
    let mut grads = Everything::zeros();
    let (g_img, g_feat) = net
        .backward_batch(&imgs, &feats, &mut trace, &us, &ws, &mut grads)
        .expect("same batch sizes");
    let (g_img, g_feat) = (g_img.clone(), g_feat.clone());

    let mut sum = Everything::<f64>::zeros();
    for k in 0..n {
        let (img, feat) = (imgs.column(k).into_owned(), feats.column(k).into_owned());
        let (u, w) = (us.column(k).into_owned(), ws.column(k).into_owned());
        let (qs, rs) = net.forward(&img, &feat);
        assert!(relative_error(qs.as_slice(), q.column(k).as_slice()) < 1e-12);
        assert!(relative_error(rs.as_slice(), r.column(k).as_slice()) < 1e-12);
        let t = net.forward_trace(&img, &feat);
        let mut g = Everything::zeros();
        let (di, df) = net.backward(&img, &feat, &t, &u, &w, &mut g);
        sum.zip_mut(&g, |_, s, g| s.iter_mut().zip(g).for_each(|(s, g)| *s += g));
        assert!(relative_error(di.as_slice(), g_img.column(k).as_slice()) < 1e-12);
        assert!(relative_error(df.as_slice(), g_feat.column(k).as_slice()) < 1e-12);
    }
    let (err, tensor) = max_relative_error(&grads, &sum);
    assert!(err < 1e-12, "tensor {tensor}: {err:e}");
}

#[test]
fn inputs_of_different_batch_sizes_are_a_typed_error() {
    let net = everything(0);
    let err = net
        .forward_batch(&Batch::<f64, 6>::zeros(3), &Batch::<f64, 2>::zeros(2))
        .expect_err("3 and 2 samples");
    let msg = err.to_string();
    assert!(msg.contains('3') && msg.contains('2'), "{msg}");
}

nn_core::network! {
    /// Dropout and batch norm: layers that behave differently in training.
    struct Modes {
        input: [1, 4, 4],
        conv: conv2d(2, 3, pad = 1),
        bn: batch_norm(relu),
        flat: flatten,
        drop: dropout(0.5),
        out: dense(3),
    }
}

#[test]
fn inference_into_a_trace_equals_forward_batch() {
    let mut rng = StdRng::seed_from_u64(17);
    let mut net: Modes<f64> = Modes::new(&mut rng);
    let x = Batch::<f64, 16>::from_fn(5, |_, _| rand::Rng::random_range(&mut rng, -1.0..1.0));
    // Move the running statistics away from their initial values first.
    let mut trace = net.forward_batch_trace(&x);
    net.update_state(&trace);
    let expected = net.forward_batch(&x);
    let got = net.forward_batch_into(&x, &mut trace).clone();
    assert_eq!(got, expected);
    // A training pass (batch statistics, dropout masks) differs.
    net.forward_batch_trace_into(&x, &mut trace);
    assert_ne!(trace.output(), &expected);

    let graph = everything(8);
    let (img, feat) = (
        Batch::<f64, 6>::from_element(3, 0.3),
        Batch::<f64, 2>::from_element(3, -0.2),
    );
    let mut t = graph
        .forward_batch_trace(&img, &feat)
        .expect("same batch sizes");
    let (q, r) = graph.forward_batch(&img, &feat).expect("same batch sizes");
    let (q2, r2) = graph
        .forward_batch_into(&img, &feat, &mut t)
        .expect("same batch sizes");
    assert_eq!((q2, r2), (&q, &r));
}
