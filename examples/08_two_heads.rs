//! A network with two heads on one trunk: it classifies an MNIST digit and estimates the
//! angle by which the image was rotated, trained on a weighted sum of the two losses.
//!
//! ```text
//! input (784) -> trunk1 (256) -> trunk2 (128) -> class (10)             softmax cross-entropy
//!                                           \--> a1 (32) -> angle (1)   squared error
//! ```
//!
//! Every training image is rotated by a fresh random angle in [-45°, 45°] (bilinear
//! interpolation); the regression target is the angle / 45°. The loss is
//! `ℓ = CE(class) + λ · SE(angle)` with `λ = 1`, so `backward` gets `dℓ/dclass` and
//! `λ dℓ/dangle`, and the trunk receives the sum of both heads' gradients.
//! Ends with `result: test_accuracy=... angle_rmse_deg=... train_seconds=...` on the 10,000
//! test images, each rotated by a random angle.
//!
//! ```sh
//! cargo run --release --example two_heads
//! cargo run --release --example two_heads -- --epochs 5 --weight 0.5 --data DIR
//! ```
//!
//! Flags (`--help` lists them with their defaults): `--data DIR`, `--normalize data|none`, `--epochs N`, `--weight X` (λ),
//! `--seed N`.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/mnist_cli.rs"]
mod mnist_cli;

use clap::Parser;
use nn_core::data::MnistSet;
use nn_core::loss::{CrossEntropy, LossExt, Reduction, SquaredError};
use nn_core::optim::Adam;
use nn_core::train::argmax_columns;
use nn_core::{network, Batch, Error};
use rand::seq::SliceRandom;
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::time::Instant;

network! {
    /// A digit's class and its rotation.
    pub struct TwoHeads {
        input: 784,
        trunk1: dense(256, relu, init = he),
        trunk2: dense(128, relu, init = he),
        class: dense(10)(trunk2),
        a1: dense(32, relu, init = he)(trunk2),
        angle: dense(1),
        output: (class, angle),
    }
}

/// The largest rotation, in degrees.
const MAX_DEG: f32 = 45.0;

/// `img` (28 x 28, row-major) rotated by `deg` degrees about its centre, bilinear.
fn rotate(img: &[f32], deg: f32, out: &mut [f32]) {
    let (s, c) = deg.to_radians().sin_cos();
    let centre = 13.5f32;
    // Outside the image: the background (the corner pixel, also after normalization).
    let background = img[0];
    for r in 0..28 {
        for col in 0..28 {
            let (y, x) = (r as f32 - centre, col as f32 - centre);
            // The source of output pixel (r, col): rotate back by -deg.
            let (sy, sx) = (c * y - s * x + centre, s * y + c * x + centre);
            let (y0, x0) = (sy.floor(), sx.floor());
            let (fy, fx) = (sy - y0, sx - x0);
            let at = |yy: f32, xx: f32| {
                if (0.0..28.0).contains(&yy) && (0.0..28.0).contains(&xx) {
                    img[yy as usize * 28 + xx as usize]
                } else {
                    background
                }
            };
            out[r * 28 + col] = (1.0 - fy) * ((1.0 - fx) * at(y0, x0) + fx * at(y0, x0 + 1.0))
                + fy * ((1.0 - fx) * at(y0 + 1.0, x0) + fx * at(y0 + 1.0, x0 + 1.0));
        }
    }
}

/// Rotated images, their labels and their angle targets (angle / 45°).
type Rotated = (Batch<f32, 784>, Vec<usize>, Batch<f32, 1>);

/// The images of `idx`, each rotated by a random angle, with labels and angle targets.
fn rotated(set: &MnistSet, idx: &[usize], rng: &mut StdRng) -> Result<Rotated, Error> {
    let (x, labels) = set.batch(idx)?;
    let mut out = Batch::<f32, 784>::zeros(idx.len());
    let mut angles = Batch::<f32, 1>::zeros(idx.len());
    for k in 0..idx.len() {
        let deg = rng.random_range(-MAX_DEG..MAX_DEG);
        rotate(
            x.column(k).as_slice(),
            deg,
            out.column_mut(k).as_mut_slice(),
        );
        angles[k] = deg / MAX_DEG;
    }
    Ok((out, labels, angles))
}

fn run(
    data: &mnist_cli::DataArgs,
    epochs: usize,
    weight: f32,
    seed: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let mnist = mnist_cli::load(data, 0)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut net = TwoHeads::new(&mut rng);
    let mut grads = TwoHeads::zeros();
    let mut opt = Adam::new(1e-3);
    let batch_size = 128;
    let mut trace = TwoHeadsBatchTrace::with_batch_size(batch_size);
    let mut order: Vec<usize> = (0..mnist.train.len()).collect();
    let start = Instant::now();
    for epoch in 1..=epochs {
        order.shuffle(&mut rng);
        let (mut ce_sum, mut se_sum) = (0.0, 0.0);
        for idx in order.chunks(batch_size) {
            let (x, labels, angles) = rotated(&mnist.train, idx, &mut rng)?;
            net.forward_batch_trace_into(&x, &mut trace);
            let (ce, dl_dclass) =
                CrossEntropy.batch_value_and_grad(&trace.class_x, &labels[..], Reduction::Mean)?;
            let (se, dl_dangle) =
                SquaredError.batch_value_and_grad(&trace.angle_x, &angles, Reduction::Mean)?;
            net.backward_batch_params(
                &x,
                &mut trace,
                &dl_dclass,
                &(dl_dangle * weight),
                &mut grads,
            )?;
            opt.step(&mut net, &grads)?;
            ce_sum += f64::from(ce) * idx.len() as f64;
            se_sum += f64::from(se) * idx.len() as f64;
        }
        let n = order.len() as f64;
        println!(
            "epoch {epoch}: cross-entropy {:.4}, squared error {:.4}",
            ce_sum / n,
            se_sum / n
        );
    }
    let seconds = start.elapsed().as_secs_f64();

    let idx: Vec<usize> = (0..mnist.test.len()).collect();
    let (x, labels, angles) =
        rotated(&mnist.test, &idx, &mut StdRng::seed_from_u64(seed ^ 0x7E57))?;
    let (class, angle) = net.forward_batch(&x);
    let hits = argmax_columns(&class)
        .zip(&labels)
        .filter(|(p, y)| p == *y)
        .count();
    let acc = hits as f64 / labels.len() as f64;
    let mse = angle
        .iter()
        .zip(angles.iter())
        .map(|(a, t)| f64::from((a - t) * MAX_DEG).powi(2))
        .sum::<f64>()
        / labels.len() as f64;
    println!(
        "result: test_accuracy={acc:.4} angle_rmse_deg={:.2} train_seconds={seconds:.1}",
        mse.sqrt()
    );
    Ok(())
}

/// One trunk, a digit head and a rotation-angle head, trained on `CE + λ SE`; ends with
/// `result: test_accuracy=... angle_rmse_deg=... train_seconds=...`.
#[derive(Parser)]
#[command(name = "two_heads", allow_negative_numbers = true)]
struct Args {
    #[command(flatten)]
    data: mnist_cli::DataArgs,
    /// Passes over the 60,000 training images
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = cli::count)]
    epochs: usize,
    /// λ, the weight of the angle's squared error in the loss
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = cli::non_negative)]
    weight: f64,
    /// Seeds the initialisation, the shuffling and the rotations
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = cli::seed)]
    seed: u64,
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args.data, args.epochs, args.weight as f32, args.seed) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
