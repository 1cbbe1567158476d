//! Regression: a 2-layer network with 32 ReLU units fits `sin` on [-π, π].
//!
//! The lecture's universal-approximation point: a 2-layer network is a sum of hinge
//! features, `f(x) = Σ_i w_i [a_i x + b_i]_+ + c`. The hidden layer uses the lecture's
//! initialization for ReLU biases, `hinges(-π, π)`, which puts every hinge at a random point
//! of the input range, so the features cover it from the start. Plain mini-batch SGD on the
//! squared error. Ends with `result: mse=... rmse=... mae=...` (the mean squared error, its
//! root and the mean absolute error on a dense test grid).
//!
//! Run: `cargo run --release --example regression`

use nn_core::loss::{LossExt, Reduction, SquaredError};
use nn_core::train::regression_errors;
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use std::f64::consts::PI;

network! {
    /// `x -> 32 ReLU hinges -> f(x)`.
    pub struct SineNet {
        input: 1,
        hidden: dense(32, relu, init = hinges(-PI, PI)),
        out: dense(1),
    }
}

/// A 2-layer ReLU network fits sin on [-π, π]; ends with
/// `result: mse=... rmse=... mae=...`. Takes no flags.
#[derive(clap::Parser)]
#[command(name = "regression")]
struct Args {}

fn main() -> Result<(), nn_core::Error> {
    <Args as clap::Parser>::parse();
    let mut rng = StdRng::seed_from_u64(7);
    let mut net: SineNet<f64> = SineNet::new(&mut rng);
    println!("{}", SineNet::<f64>::summary());

    let n = 1024;
    let xs: Vec<f64> = (0..n).map(|_| rng.random_range(-PI..PI)).collect();
    let batch_size = 32;
    let mut order: Vec<usize> = (0..n).collect();
    let mut grads = SineNet::zeros();
    let mut trace = SineNet::<f64>::zeros().forward_batch_trace(&Batch::zeros(batch_size));
    let mut dl_df = Batch::<f64, 1>::zeros(batch_size);
    let epochs = 3000;
    for epoch in 0..epochs {
        // Step decay: the learning rate shrinks tenfold over the run.
        let lr = 0.005 * 0.1f64.powf(epoch as f64 / epochs as f64);
        order.shuffle(&mut rng);
        let mut total = 0.0;
        for chunk in order.chunks(batch_size) {
            let x = Batch::<f64, 1>::from_iterator(chunk.len(), chunk.iter().map(|&i| xs[i]));
            let y = x.map(f64::sin);
            net.forward_batch_trace_into(&x, &mut trace);
            total +=
                SquaredError.batch_grad_into(trace.output(), &y, Reduction::Mean, &mut dl_df)?
                    * chunk.len() as f64;
            net.backward_batch_params(&x, &mut trace, &dl_df, &mut grads)?;
            net.zip_mut(&grads, |_, p, g| {
                p.iter_mut().zip(g).for_each(|(p, g)| *p -= lr * g)
            });
        }
        if epoch % 500 == 0 || epoch == epochs - 1 {
            println!("epoch {epoch:>4}  train mse {:.6}", total / n as f64);
        }
    }

    let grid =
        Batch::<f64, 1>::from_iterator(2001, (0..2001).map(|i| -PI + 2.0 * PI * i as f64 / 2000.0));
    let (out, truth) = (net.forward_batch(&grid), grid.map(f64::sin));
    let mse = SquaredError.batch_value(&out, &truth, Reduction::Mean)?;
    let errors = regression_errors(&out, &truth)?;
    println!(
        "result: mse={mse:.6} rmse={:.6} mae={:.6}",
        errors.rmse, errors.mae
    );
    Ok(())
}
