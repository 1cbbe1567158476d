//! Trains the two models the deployment tests and the firmware embed, and saves them as
//! safetensors files (PyTorch's names and layouts):
//!
//! - `mnist_784_128_10.safetensors`: a 784-128-10 ReLU classifier (101,770 parameters),
//!   Adam, 5 epochs on the 60,000 training images.
//! - `sine_1_16_16_1.safetensors`: the 1-16-16-1 ReLU sine regressor of MicroFlow's and
//!   TensorFlow Lite Micro's benchmarks, trained on `sin x` for `x ∈ [0, 2π]`.
//!
//! ```sh
//! cargo run --release --example deploy_models              # writes tests/fixtures/
//! cargo run --release --example deploy_models -- --out DIR
//! ```
//!
//! The files in `tests/fixtures/` were made with this command; `tests/embedded.rs` checks
//! that the networks embedded from them predict what the trained networks predict.

use clap::Parser;
use nn_core::data::Mnist;
use nn_core::io::save_safetensors;
use nn_core::loss::{CrossEntropy, SquaredError};
use nn_core::optim::Adam;
use nn_core::train::{evaluate, Data, Fit};
use nn_core::{network, Batch};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::path::PathBuf;

network! {
    /// The digit classifier embedded by the tests and the firmware.
    pub struct Mnist128 {
        input: 784,
        fc1: dense(128, relu, init = he),
        fc2: dense(10),
    }
}

network! {
    /// MicroFlow's sine regressor.
    pub struct Sine {
        input: 1,
        fc1: dense(16, relu, init = he),
        fc2: dense(16, relu, init = he),
        fc3: dense(1),
    }
}

/// Trains the embedded models (an MNIST MLP and a sine regressor) and writes their weights.
#[derive(Parser)]
#[command(name = "deploy_models", allow_negative_numbers = true)]
struct Args {
    /// The folder the weight files are written to
    #[arg(long, value_name = "DIR", default_value_os_t = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures")))]
    out: PathBuf,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = Args::parse().out;
    std::fs::create_dir_all(&out)?;

    let mnist =
        Mnist::load_normalized(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist").as_ref())?;
    let all: Vec<usize> = (0..mnist.train.len()).collect();
    let (x, y) = mnist.train.batch(&all)?;
    let test: Vec<usize> = (0..mnist.test.len()).collect();
    let (xt, yt) = mnist.test.batch(&test)?;
    let mut net: Mnist128 = Mnist128::new(&mut StdRng::seed_from_u64(1));
    Fit::new(5).batch_size(128).seed(1).run(
        &mut net,
        &mut Adam::new(1e-3),
        &CrossEntropy,
        Data::classes(&x, &y),
        None,
        &mut [],
    )?;
    let acc = evaluate(&net, &CrossEntropy, &Data::classes(&xt, &yt), 1000)?
        .accuracy
        .unwrap_or(0.0);
    save_safetensors(&net, out.join("mnist_784_128_10.safetensors"))?;

    let mut rng = StdRng::seed_from_u64(2);
    let xs: Vec<f32> = (0..1000)
        .map(|_| rng.random_range(0.0..std::f32::consts::TAU))
        .collect();
    let xs = Batch::<f32, 1>::from_iterator(xs.len(), xs);
    let ys = xs.map(f32::sin);
    let mut sine: Sine = Sine::new(&mut rng);
    let history = Fit::new(500).batch_size(32).seed(2).run(
        &mut sine,
        &mut Adam::new(5e-3),
        &SquaredError,
        Data::values(&xs, &ys),
        None,
        &mut [],
    )?;
    let mse = history.epochs.last().map_or(f64::NAN, |e| e.train.loss);
    save_safetensors(&sine, out.join("sine_1_16_16_1.safetensors"))?;
    println!(
        "result: mnist_test_accuracy={acc:.4} sine_train_mse={mse:.5} out={}",
        out.display()
    );
    Ok(())
}
