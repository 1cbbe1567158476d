//! A layer of your own in a `network!`: `act: custom(PRelu<T, 16>)`.
//!
//! `PRelu` is the parametric ReLU (He et al. 2015), `y_i = x_i` for `x_i > 0` and
//! `y_i = a_i x_i` otherwise, with one learned slope `a_i` per unit. It implements
//! `nn_core::layer::CustomLayer` (its sizes, forward and backward over slices, and over a
//! whole batch at once; its tensor described at compile time), `Layer` and `Parameters`; the
//! macro checks its input size against the layer before it, `Fit` trains its slopes with the
//! rest, and one sample still runs with no heap.
//!
//! The example first checks the whole network's backward (the custom layer inside) against
//! central differences in `f64`, and its batch path against the per-sample one, then learns
//! whether a point of `[-1, 1]²` lies inside the circle of radius 0.7. The same declaration
//! with `#[weights = "../models/circle_prelu.safetensors"]` embeds a trained `Circle` for a
//! microcontroller (static data, no heap); the example loads that file into a trainable
//! `Circle` and checks that both give the same outputs. `--save` rewrites the file with the
//! network just trained (then rebuild to embed it). Ends with
//! `result: grad_error=... batch_error=... test_accuracy=... mean_slope=... embedded_diff=...`.
//!
//! Run: `cargo run --release --example custom_layer`

use nn_core::gradcheck::{numeric_gradient, relative_error};
use nn_core::init::Init;
use nn_core::io::{load_safetensors, save_safetensors};
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
        <Self as CustomLayer<T>>::TENSOR_INFO.get(i).copied()
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
    /// PyTorch's `PReLU(N)` names its slopes `weight`, shape `(N,)`: `#[weights]` checks a
    /// file against this while compiling.
    const TENSOR_INFO: &'static [ParamInfo] = &[ParamInfo {
        layer: "",
        name: "weight",
        shape: Shape::new(&[N]),
        kind: ParamKind::Weight,
    }];
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
    /// The whole batch in one pass over its values (value `k` is unit `k mod N`), instead
    /// of one `forward` call per sample.
    fn forward_batch(&self, x: &[T], y: &mut [T], _: &mut [()]) -> bool {
        for ((y, &x), &a) in y.iter_mut().zip(x).zip(self.a.iter().cycle()) {
            *y = if x > T::zero() { x } else { a * x };
        }
        true
    }
    /// `dℓ/da_i = Σ_samples dy_i min(x_i, 0)`, summed in the same pass.
    fn backward_batch(
        &self,
        x: &[T],
        _: &[T],
        _: &[()],
        dy: &[T],
        grad: &mut Self,
        mut dx: Option<&mut [T]>,
    ) -> bool {
        grad.a.fill(T::zero());
        for (k, (&x, &dy)) in x.iter().zip(dy).enumerate() {
            let (positive, i) = (x > T::zero(), k % N);
            if !positive {
                grad.a[i] += dy * x;
            }
            if let Some(dx) = dx.as_deref_mut() {
                dx[k] = if positive { dy } else { dy * self.a[i] };
            }
        }
        true
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

network! {
    /// `Circle` embedded from a trained network's file: static data, no heap (what a
    /// microcontroller runs). The path is relative to `examples/Cargo.toml`.
    #[weights = "../models/circle_prelu.safetensors"]
    pub struct CircleStatic {
        input: 2,
        hidden: dense(16, init = he),
        act: custom(PRelu<T, 16>),
        out: dense(2),
    }
}

/// The file `CircleStatic` embeds, as the example reads and `--save` writes it.
const EMBEDDED_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../models/circle_prelu.safetensors"
);

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

/// `net` in `f32`, the scalar the embedded network computes in.
fn to_f32(net: &Circle<f64>) -> Circle<f32> {
    let mut out = Circle::zeros();
    for t in 0..net.tensor_count() {
        if let (Some(src), Some(dst)) = (net.tensor(t), out.tensor_mut(t)) {
            dst.iter_mut().zip(src).for_each(|(d, s)| *d = *s as f32);
        }
    }
    out
}

/// Trains `Circle` with its custom PReLU layer and compares it embedded; ends with a
/// `result:` line.
#[derive(clap::Parser)]
#[command(name = "custom_layer")]
struct Args {
    /// Rewrite `models/circle_prelu.safetensors`, the file `CircleStatic` embeds, with the
    /// network trained here (rebuild the example to embed it).
    #[arg(long)]
    save: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = <Args as clap::Parser>::parse();
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

    // The layer's batch code against one `forward`/`backward` per sample.
    let (xb, _) = data(8, 5);
    let rb = nn_core::Batch::<f64, 2>::from_fn(8, |i, _| r[i]);
    let mut trace = net.forward_batch_trace(&xb);
    let mut batch_grads = Circle::zeros();
    net.backward_batch(&xb, &mut trace, &rb, &mut batch_grads)?;
    let mut sum = Circle::<f64>::zeros();
    for j in 0..8 {
        let xj: SVector<f64, 2> = xb.column(j).into_owned();
        let mut g = Circle::zeros();
        net.backward(&xj, &net.forward_trace(&xj), &r, &mut g);
        sum.zip_mut(&g, |_, s, g| s.iter_mut().zip(g).for_each(|(s, g)| *s += g));
    }
    let batch_error = (0..sum.tensor_count())
        .map(|t| {
            relative_error(
                batch_grads.tensor(t).unwrap_or(&[]),
                sum.tensor(t).unwrap_or(&[]),
            )
        })
        .fold(0.0, f64::max);
    println!("batch against per-sample gradients, largest relative error: {batch_error:.1e}");

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

    // Embedded: the file's network, trainable (loaded at run time) and static (embedded at
    // compile time), give the same outputs.
    if args.save {
        save_safetensors(&to_f32(&net), EMBEDDED_FILE)?;
        println!("saved {EMBEDDED_FILE}; rebuild to embed it");
    }
    let mut loaded = Circle::<f32>::zeros();
    load_safetensors(&mut loaded, EMBEDDED_FILE)?;
    let embedded = CircleStatic::new();
    let embedded_diff = (0..xt.ncols())
        .map(|j| {
            let x = SVector::<f32, 2>::from_fn(|i, _| xt[(i, j)] as f32);
            (embedded.forward(&x) - loaded.forward(&x)).amax()
        })
        .fold(0.0f32, f32::max);
    println!("embedded against loaded outputs, largest difference: {embedded_diff:.1e}");
    println!(
        "result: grad_error={grad_error:.1e} batch_error={batch_error:.1e} test_accuracy={accuracy:.3} mean_slope={mean_slope:.3} embedded_diff={embedded_diff:.1e}"
    );
    Ok(())
}
