//! A layer of your own in a `network!`: `act: custom(PRelu<T, 16>)`.
//!
//! `PRelu` is the parametric ReLU (He et al. 2015), `y_i = x_i` for `x_i > 0` and
//! `y_i = a_i x_i` otherwise, with one learned slope `a_i` per unit. It implements
//! `nn_core::layer::CustomLayer` (its sizes, forward and backward over slices), `Layer` and
//! `Parameters`; the macro checks its input size against the layer before it, `Fit` trains
//! its slopes with the rest, and one sample still runs with no heap.
//!
//! The example first checks the whole network's backward (the custom layer inside) against
//! central differences in `f64`, then learns whether a point of `[-1, 1]²` lies inside the
//! circle of radius 0.7. Ends with
//! `result: grad_error=... test_accuracy=... mean_slope=...`.
//!
//! Run: `cargo run --release --example custom_layer`

use nn_core::gradcheck::{numeric_gradient, relative_error};
use nn_core::init::Init;
use nn_core::layer::{CustomLayer, Layer};
use nn_core::loss::CrossEntropy;
use nn_core::nalgebra::SVector;
use nn_core::optim::Adam;
use nn_core::train::{Data, Fit};
use nn_core::{network, Batch, ParamInfo, ParamKind, Parameters, Scalar, Shape};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Parametric ReLU over `N` units: `y_i = max(x_i, 0) + a_i min(x_i, 0)`.
#[derive(Clone, Debug)]
pub struct PRelu<T: Scalar, const N: usize> {
    /// The slope of each unit for negative inputs.
    pub a: SVector<T, N>,
}

impl<T: Scalar, const N: usize> Layer<T> for PRelu<T, N> {
    const KIND: &'static str = "prelu";
    const TENSORS: usize = 1;
    const PARAMETERS: usize = N;
    fn zeros() -> Self {
        PRelu {
            a: SVector::zeros(),
        }
    }
    /// PyTorch's initial slope, 0.25, whatever the scheme.
    fn init<R: rand::Rng + ?Sized>(&mut self, _: Init, _: &mut R) {
        self.a.fill(T::of(0.25));
    }
}

impl<T: Scalar, const N: usize> Parameters<T> for PRelu<T, N> {
    fn tensor_count(&self) -> usize {
        1
    }
    fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
        (i == 0).then(|| ParamInfo {
            layer: "",
            name: "weight",
            shape: Shape::new(&[N]),
            kind: ParamKind::Weight,
        })
    }
    fn tensor(&self, i: usize) -> Option<&[T]> {
        (i == 0).then(|| self.a.as_slice())
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
        (i == 0).then(|| self.a.as_mut_slice())
    }
}

impl<T: Scalar, const N: usize> CustomLayer<T> for PRelu<T, N> {
    const INPUTS: usize = N;
    const OUTPUTS: usize = N;
    type Cache = ();
    fn empty_cache() {}
    fn forward(&self, x: &[T], y: &mut [T], _: &mut ()) {
        for i in 0..N {
            y[i] = if x[i] > T::zero() {
                x[i]
            } else {
                self.a[i] * x[i]
            };
        }
    }
    /// `∂y_i/∂x_i` is 1 or `a_i`; `∂y_i/∂a_i` is `min(x_i, 0)`.
    fn backward(&self, x: &[T], _: &[T], _: &(), dy: &[T], grad: &mut Self, dx: &mut [T]) {
        for i in 0..N {
            let positive = x[i] > T::zero();
            grad.a[i] = if positive { T::zero() } else { dy[i] * x[i] };
            dx[i] = if positive { dy[i] } else { dy[i] * self.a[i] };
        }
    }
}

network! {
    /// Two coordinates, 16 units with learned leaky slopes, two classes.
    pub struct Circle {
        input: 2,
        hidden: dense(16, init = he),
        act: custom(PRelu<T, 16>),
        out: dense(2),
    }
}

/// `n` points of `[-1, 1]²`, class 1 inside the circle of radius 0.7.
fn data(n: usize, seed: u64) -> (Batch<f64, 2>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Batch::<f64, 2>::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
    let y = x
        .column_iter()
        .map(|p| usize::from(p.norm() < 0.7))
        .collect();
    (x, y)
}

/// Trains `Circle` with its custom PReLU layer; ends with a `result:` line. Takes no flags.
#[derive(clap::Parser)]
#[command(name = "custom_layer")]
struct Args {}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    <Args as clap::Parser>::parse();
    let mut net: Circle<f64> = Circle::new(&mut StdRng::seed_from_u64(1));
    println!("{}", Circle::<f64>::summary());

    // The backward through the custom layer against central differences, with the loss
    // `r · f(x)` for a fixed `r` (so `dℓ/df = r`).
    let x = SVector::from([0.3, -0.6]);
    let r = SVector::from([1.0, -0.5]);
    let mut grads = Circle::zeros();
    net.backward(&x, &net.forward_trace(&x), &r, &mut grads);
    let num = numeric_gradient(&mut net, 1e-6, |n| r.dot(&n.forward(&x)));
    let grad_error = (0..grads.tensor_count())
        .map(|t| relative_error(grads.tensor(t).unwrap_or(&[]), num.tensor(t).unwrap_or(&[])))
        .fold(0.0, f64::max);
    println!("largest relative gradient error: {grad_error:.1e}");

    let (x, y) = data(2000, 2);
    let (xt, yt) = data(1000, 3);
    let history = Fit::new(40).batch_size(32).seed(4).run(
        &mut net,
        &mut Adam::new(0.01),
        &CrossEntropy,
        Data::classes(&x, &y),
        None,
        &mut [],
    )?;
    if let Some(last) = history.last() {
        println!("training loss after 40 epochs: {:.4}", last.train.loss);
    }
    let out = net.forward_batch(&xt);
    let right = (0..yt.len())
        .filter(|&j| usize::from(out[(1, j)] > out[(0, j)]) == yt[j])
        .count();
    let accuracy = right as f64 / yt.len() as f64;
    let mean_slope = net.act.0.a.mean();
    println!("result: grad_error={grad_error:.1e} test_accuracy={accuracy:.3} mean_slope={mean_slope:.3}");
    Ok(())
}
