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
//! `λ dℓ/dangle`, and the trunk receives the sum of both heads' gradients. `Fit::run_graph`
//! trains it with one `Weighted` loss per head; the rotations are its augmentation, which
//! writes the angle targets of each mini-batch.
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
use nn_core::loss::{CrossEntropy, SquaredError};
use nn_core::optim::Adam;
use nn_core::train::{argmax_columns, Control, EpochStats, Fit, GraphData, Targets, Weighted};
use nn_core::{network, Batch, Error};
use rand::{rngs::StdRng, Rng, SeedableRng};

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
    let mut net = TwoHeads::new(&mut StdRng::seed_from_u64(seed));
    let all: Vec<usize> = (0..mnist.train.len()).collect();
    let (x, labels) = mnist.train.batch(&all)?;
    // Every mini-batch's images are rotated afresh by the augmentation below, which writes
    // the angle targets: the stored angles are placeholders.
    let angles = Batch::<f32, 1>::zeros(all.len());
    let heads = (
        Weighted::new(1.0, CrossEntropy),
        Weighted::new(f64::from(weight), SquaredError),
    );
    let mut report = |e: &EpochStats, _: &mut TwoHeads| {
        println!("epoch {}: CE + λ SE {:.4}", e.epoch, e.train.loss);
        Control::Continue
    };
    let mut upright = vec![0.0f32; 784];
    let history = Fit::new(epochs)
        .batch_size(128)
        .seed(seed)
        .run_graph_augmented(
            &mut net,
            &mut Adam::new(1e-3),
            &heads,
            GraphData::new(&x, (Targets::Classes(&labels), Targets::Values(&angles))),
            None,
            &mut [&mut report],
            |x, (_, angle), rng| {
                for k in 0..x.ncols() {
                    let deg = rng.random_range(-MAX_DEG..MAX_DEG);
                    upright.copy_from_slice(x.column(k).as_slice());
                    rotate(&upright, deg, x.column_mut(k).as_mut_slice());
                    angle.values[k] = deg / MAX_DEG;
                }
            },
        )?;
    let seconds = history.train_seconds();

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
