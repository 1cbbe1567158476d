//! Custom layers (`custom(Type)` in a `network!`): two layer types of the test's own inside
//! a network (`tests/support/custom_layers.rs`), one with parameters (`y_i = s_i·tanh(x_i)`,
//! with its own tangent and batch forward and backward) and one without that changes the
//! size (`y_j = x_{2j}·x_{2j+1}`, tangent from backward passes, batches sample by sample).
//!
//! - The network's backward against central differences in `f64`: every parameter tensor
//!   (the custom layer's `s` included) and the input; its tangent against the directional
//!   difference quotient.
//! - The batch path equals the single-sample path: outputs column by column, parameter
//!   gradients in sum (the batched layer's own batch code and the per-sample default).
//! - One sample's forward, trace and backward allocate nothing.
//! - It trains with `train::Fit` on a task the product layer makes easy.

#[path = "support/heap.rs"]
mod heap;

#[path = "support/custom_layers.rs"]
mod custom_layers;

#[global_allocator]
static ALLOC: heap::Counting = heap::Counting;

use custom_layers::Net;
use nn_core::gradcheck::{numeric_gradient, numeric_gradient_of, relative_error};
use nn_core::loss::CrossEntropy;
use nn_core::nalgebra::SVector;
use nn_core::optim::Adam;
use nn_core::train::{Data, Fit};
use nn_core::{Batch, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};

const EPS: f64 = 1e-5;
const TOL: f64 = 1e-7;

fn sample(rng: &mut StdRng) -> SVector<f64, 6> {
    SVector::from_fn(|_, _| rng.random_range(-1.0..1.0))
}

#[test]
fn sizes_and_parameters_follow_the_custom_types() {
    assert_eq!(Net::<f32>::INPUTS, 6);
    assert_eq!(Net::<f32>::OUTPUTS, 2);
    // dense 6x6 + 6, `s` of 3, dense 2x3 + 2.
    assert_eq!(Net::<f32>::PARAMETERS, 42 + 3 + 8);
    let net: Net<f64> = Net::new(&mut StdRng::seed_from_u64(1));
    assert_eq!(net.parameter_count(), Net::<f64>::PARAMETERS);
    let names: Vec<String> = (0..net.tensor_count())
        .map(|i| net.tensor_info(i).unwrap().to_string())
        .collect();
    assert!(names.iter().any(|n| n.contains("scale.s")), "{names:?}");
    let s = net.scale.0.s;
    assert!(s.iter().all(|v| (0.5..1.5).contains(v)), "init ran: {s}");
}

#[test]
fn backward_and_tangent_match_finite_differences() {
    let mut rng = StdRng::seed_from_u64(2);
    let mut net: Net<f64> = Net::new(&mut rng);
    for _ in 0..3 {
        let x = sample(&mut rng);
        let r = SVector::<f64, 2>::from_fn(|_, _| rng.random_range(-1.0..1.0));
        let trace = net.forward_trace(&x);
        let mut grads = Net::zeros();
        let dx = net.backward(&x, &trace, &r, &mut grads);

        let num_dx = numeric_gradient_of(x.as_slice(), EPS, |v| {
            r.dot(&net.forward(&SVector::from_column_slice(v)))
        });
        let e = relative_error(dx.as_slice(), &num_dx);
        assert!(e < TOL, "dℓ/dx relative error {e:e}");
        let num = numeric_gradient(&mut net, EPS, |n| r.dot(&n.forward(&x)));
        for t in 0..net.tensor_count() {
            let info = net.tensor_info(t).unwrap();
            let (a, n) = (grads.tensor(t).unwrap(), num.tensor(t).unwrap());
            let e = relative_error(a, n);
            assert!(e < TOL, "dℓ/d{info} relative error {e:e}");
            assert!(a.iter().any(|&g| g != 0.0), "{info} has a zero gradient");
        }

        let v = sample(&mut rng);
        let t = net.tangent(&x, &trace, &v);
        let quotient = (net.forward(&(x + EPS * v)) - net.forward(&(x - EPS * v))) / (2.0 * EPS);
        let e = relative_error(t.as_slice(), quotient.as_slice());
        assert!(e < TOL, "tangent relative error {e:e}");
    }
}

#[test]
fn the_batch_path_equals_the_single_sample_path() {
    let mut rng = StdRng::seed_from_u64(3);
    let net: Net<f64> = Net::new(&mut rng);
    let x = Batch::<f64, 6>::from_fn(4, |_, _| rng.random_range(-1.0..1.0));
    let r = Batch::<f64, 2>::from_fn(4, |_, _| rng.random_range(-1.0..1.0));
    let mut trace = net.forward_batch_trace(&x);
    let mut grads = Net::zeros();
    let dx = net
        .backward_batch(&x, &mut trace, &r, &mut grads)
        .unwrap()
        .clone();

    let mut sum = Net::<f64>::zeros();
    for j in 0..4 {
        let xj: SVector<f64, 6> = x.column(j).into_owned();
        let y = net.forward(&xj);
        assert!((y - trace.output().column(j)).abs().max() < 1e-12);
        let tj = net.forward_trace(&xj);
        let mut g = Net::zeros();
        let dxj = net.backward(&xj, &tj, &r.column(j).into_owned(), &mut g);
        assert!((dxj - dx.column(j)).abs().max() < 1e-12);
        sum.zip_mut(&g, |_, s, g| s.iter_mut().zip(g).for_each(|(s, g)| *s += g));
    }
    for t in 0..sum.tensor_count() {
        let e = relative_error(grads.tensor(t).unwrap(), sum.tensor(t).unwrap());
        assert!(
            e < 1e-12,
            "{}: batch gradient error {e:e}",
            sum.tensor_info(t).unwrap()
        );
    }
}

#[test]
fn one_sample_allocates_nothing() {
    let mut rng = StdRng::seed_from_u64(4);
    let net: Net<f32> = Net::new(&mut rng);
    let x = SVector::<f32, 6>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let mut grads = Net::zeros();
    let dl_df = SVector::from([1.0, -1.0]);
    let (peak, dx) = heap::peak_heap(|| {
        let y = net.forward(&x);
        let trace = net.forward_trace(&x);
        let dx = net.backward(&x, &trace, &dl_df, &mut grads);
        let t = net.tangent(&x, &trace, &x);
        (y, dx, t)
    });
    assert_eq!(peak, 0, "one sample used {peak} bytes of heap");
    assert!(dx.1.iter().any(|v| *v != 0.0));
}

/// Class 1 when the product of the first two inputs is positive.
fn data(n: usize, seed: u64) -> (Batch<f64, 6>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Batch::<f64, 6>::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
    let y = (0..n)
        .map(|j| usize::from(x[(0, j)] * x[(1, j)] > 0.0))
        .collect();
    (x, y)
}

#[test]
fn it_trains_with_fit() {
    let (x, y) = data(512, 5);
    let (xt, yt) = data(400, 6);
    let mut net: Net<f64> = Net::new(&mut StdRng::seed_from_u64(7));
    let s0 = net.scale.0.s;
    let h = Fit::new(60)
        .batch_size(32)
        .seed(8)
        .run(
            &mut net,
            &mut Adam::new(0.02),
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        )
        .unwrap();
    let (first, last) = (h.epochs[0].train.loss, h.last().unwrap().train.loss);
    assert!(last < 0.5 * first, "training loss {first} -> {last}");
    assert_ne!(
        net.scale.0.s, s0,
        "the custom layer's parameters were trained"
    );
    let out = net.forward_batch(&xt);
    let right = (0..yt.len())
        .filter(|&j| usize::from(out[(1, j)] > out[(0, j)]) == yt[j])
        .count();
    let acc = right as f64 / yt.len() as f64;
    assert!(acc > 0.9, "test accuracy {acc}");
}
