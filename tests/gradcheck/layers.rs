//! The check every image layer goes through, on its `Op`/`BatchOp` interface directly.
//!
//! With a fixed random `r`, the loss `L = r · y(x)` has `dL/dy = r`, so one backward with
//! `dy = r` must give `dL/dx` and `dL/dθ` for every trained tensor, to [`TOL`] against central
//! differences. Buffers must get a zero gradient. The tangent must match the directional
//! difference quotient. The batch path (three samples, inference mode) must agree with the
//! single-sample path sample by sample and, for gradients, in sum.

use crate::{BATCH_TOL, EPS, TOL};
use nn_core::gradcheck::{numeric_gradient, numeric_gradient_of, relative_error};
use nn_core::layer::{BatchOp, Layer};
use nn_core::nalgebra::SVector;
use nn_core::Batch;
use rand::{rngs::StdRng, Rng};

/// The layer's output for one sample.
pub fn output<L: BatchOp<f64, I, O>, const I: usize, const O: usize>(
    layer: &L,
    x: &SVector<f64, I>,
) -> SVector<f64, O> {
    let (mut y, mut cache) = (SVector::zeros(), L::empty_cache());
    layer.op_forward(x, &mut y, &mut cache);
    y
}

/// A layer's gradient buffer filled with NaN, so a gradient that is accumulated into instead
/// of overwritten shows up.
fn nan_grads<L: Layer<f64>>() -> L {
    let mut g = L::zeros();
    g.fill(f64::NAN);
    g
}

/// Runs the whole check on `layer` at `x` (and two more samples from `rng` for the batch).
/// `sample` draws an input (e.g. without ties for max pooling).
pub fn check_op<L, const I: usize, const O: usize>(
    name: &str,
    layer: &mut L,
    rng: &mut StdRng,
    mut sample: impl FnMut(&mut StdRng) -> SVector<f64, I>,
) where
    L: BatchOp<f64, I, O>,
{
    let x = sample(rng);
    let r = SVector::<f64, O>::from_fn(|_, _| rng.random_range(-1.0..=1.0));
    let y = output::<L, I, O>(layer, &x);
    let cache = {
        let (mut y2, mut c) = (SVector::<f64, O>::zeros(), L::empty_cache());
        layer.op_forward(&x, &mut y2, &mut c);
        c
    };

    // Backward against central differences.
    let (mut grad, mut dx) = (nan_grads::<L>(), SVector::<f64, I>::from_element(f64::NAN));
    layer.op_backward(&x, &y, &cache, &r, &mut grad, &mut dx);
    let num_dx = numeric_gradient_of(x.as_slice(), EPS, |v| {
        r.dot(&output::<L, I, O>(layer, &SVector::from_column_slice(v)))
    });
    let e = relative_error(dx.as_slice(), &num_dx);
    assert!(e < TOL, "{name}: dℓ/dx relative error {e:e}");
    let num = numeric_gradient(layer, EPS, |l| r.dot(&output::<L, I, O>(l, &x)));
    for t in 0..layer.tensor_count() {
        let info = layer.tensor_info(t).unwrap();
        let (a, n) = (grad.tensor(t).unwrap(), num.tensor(t).unwrap());
        if info.kind.is_trainable() {
            let e = relative_error(a, n);
            assert!(e < TOL, "{name}: dℓ/d{} relative error {e:e}", info.name);
            assert!(
                a.iter().any(|&g| g != 0.0),
                "{name}: {} has a zero gradient",
                info.name
            );
        } else {
            assert!(
                a.iter().all(|&g| g == 0.0),
                "{name}: buffer {} has a gradient",
                info.name
            );
        }
    }

    // Tangent against the directional difference quotient.
    let v = SVector::<f64, I>::from_fn(|_, _| rng.random_range(-1.0..=1.0));
    let mut dy = SVector::<f64, O>::from_element(f64::NAN);
    layer.op_tangent(&x, &y, &cache, &v, &mut dy);
    let num_dy = (output::<L, I, O>(layer, &(x + v * EPS))
        - output::<L, I, O>(layer, &(x - v * EPS)))
        / (2.0 * EPS);
    let e = relative_error(dy.as_slice(), num_dy.as_slice());
    assert!(e < TOL, "{name}: tangent relative error {e:e}");

    // The batch path against the single-sample path.
    let cols = [x, sample(rng), sample(rng)];
    let xb = Batch::<f64, I>::from_columns(&cols);
    let rb = Batch::<f64, O>::from_fn(3, |_, _| rng.random_range(-1.0..=1.0));
    let (mut yb, mut bc) = (Batch::<f64, O>::zeros(0), L::empty_batch_cache());
    layer.op_forward_batch(&xb, &mut yb, &mut bc, false);
    let (mut gb, mut dxb) = (nan_grads::<L>(), Batch::<f64, I>::zeros(0));
    layer.op_backward_batch(&xb, &yb, &bc, &rb, &mut gb, Some(&mut dxb));
    let mut gsum = L::zeros();
    for (s, xs) in cols.iter().enumerate() {
        let ys = output::<L, I, O>(layer, xs);
        let e = relative_error(ys.as_slice(), yb.column(s).as_slice());
        assert!(e < BATCH_TOL, "{name}: batch output {s} differs by {e:e}");
        let (mut g, mut d) = (L::zeros(), SVector::<f64, I>::zeros());
        let rs: SVector<f64, O> = rb.column(s).into();
        layer.op_backward(xs, &ys, &L::empty_cache(), &rs, &mut g, &mut d);
        let e = relative_error(d.as_slice(), dxb.column(s).as_slice());
        assert!(e < BATCH_TOL, "{name}: batch dℓ/dx {s} differs by {e:e}");
        gsum.zip_mut(&g, |_, a, b| a.iter_mut().zip(b).for_each(|(a, b)| *a += b));
    }
    for t in 0..layer.tensor_count() {
        let e = relative_error(gsum.tensor(t).unwrap(), gb.tensor(t).unwrap());
        assert!(
            e < BATCH_TOL,
            "{name}: batch gradient of tensor {t} differs by {e:e}"
        );
    }
}

/// Draws every parameter (weights by the layer's init, biases uniform in `[-0.5, 0.5]`).
pub fn randomize<L: Layer<f64>>(layer: &mut L, rng: &mut StdRng) {
    layer.init(nn_core::init::Init::LeCun, rng);
    layer.visit_mut(|info, v| {
        if !info.kind.is_weight() {
            v.iter_mut().for_each(|b| *b = rng.random_range(-0.5..=0.5));
        }
    });
}
