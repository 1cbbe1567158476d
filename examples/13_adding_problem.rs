//! The adding problem (Hochreiter and Schmidhuber 1997): long memory, three recurrent cells.
//!
//! Each sequence has 50 steps of two inputs: a value drawn from U(0, 1) and a marker, 1 at
//! exactly two steps (one in each half) and 0 elsewhere. The target is the sum of the two
//! marked values, read from the last hidden state through a dense head, trained on the squared
//! error. Predicting the mean, 1, scores the variance of the sum, 2/12 ≈ 0.167; doing better
//! means carrying the first marked value across up to 49 steps. The LSTM (memory kept by its
//! forget gate) and the GRU (by its update gate) learn it; a plain tanh RNN, whose gradients
//! through 25+ steps vanish, stays near 0.167.
//!
//! ```sh
//! cargo run --release --example adding_problem
//! cargo run --release --example adding_problem -- --steps 3000 --seed 2
//! ```
//!
//! Flags (`--help` lists them with their defaults): `--steps N`, `--seed N`.
//!
//! Ends with `result: lstm_mse=... gru_mse=... rnn_mse=...` (on 2,000 fresh test sequences).

#[path = "support/cli.rs"]
mod cli;

use clap::Parser;
use nn_core::optim::Adam;
use nn_core::{network, Batch, BatchNetwork};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::time::Instant;

/// Steps per sequence (the `input: [50, 2]` of the networks below).
const SEQ: usize = 50;
const BATCH: usize = 64;

network! {
    /// LSTM, 32 units, the last state into a linear head.
    struct LstmNet {
        input: [50, 2],
        lstm: lstm(32, seq = last),
        out: dense(1),
    }
}

network! {
    /// GRU, 32 units.
    struct GruNet {
        input: [50, 2],
        gru: gru(32, seq = last),
        out: dense(1),
    }
}

network! {
    /// Plain tanh RNN, 32 units.
    struct RnnNet {
        input: [50, 2],
        rnn: rnn(32, seq = last),
        out: dense(1),
    }
}

/// `n` sequences (one per column, step after step: value, marker) and their targets.
fn batch(n: usize, rng: &mut StdRng) -> (Batch<f32, { SEQ * 2 }>, Batch<f32, 1>) {
    let mut x = Batch::<f32, { SEQ * 2 }>::zeros(n);
    let mut y = Batch::<f32, 1>::zeros(n);
    for j in 0..n {
        let (a, b) = (rng.random_range(0..SEQ / 2), rng.random_range(SEQ / 2..SEQ));
        let mut sum = 0.0;
        for t in 0..SEQ {
            let v: f32 = rng.random();
            x[(2 * t, j)] = v;
            if t == a || t == b {
                x[(2 * t + 1, j)] = 1.0;
                sum += v;
            }
        }
        y[(0, j)] = sum;
    }
    (x, y)
}

/// Trains with Adam on fresh batches for `steps` steps; returns the test MSE and the seconds.
fn train<N: BatchNetwork<f32, { SEQ * 2 }, 1>>(
    net: &mut N,
    steps: usize,
    lr: f64,
    seed: u64,
    test: &(Batch<f32, { SEQ * 2 }>, Batch<f32, 1>),
) -> (f64, f64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut adam = Adam::new(lr);
    let mut trace = N::new_trace(BATCH);
    let mut grads = N::zeros();
    let start = Instant::now();
    for step in 0..steps {
        let (x, y) = batch(BATCH, &mut rng);
        net.forward_train(&x, &mut trace);
        let dl_df = (N::trace_output(&trace) - &y) * (2.0 / BATCH as f32);
        net.backward_params(&x, &mut trace, &dl_df, &mut grads)
            .expect("the batch sizes agree");
        adam.step(net, &grads)
            .expect("the gradient has the network's shape");
        if (step + 1) % 500 == 0 {
            eprintln!("  step {:>5}: test mse {:.4}", step + 1, mse(net, test));
        }
    }
    (mse(net, test), start.elapsed().as_secs_f64())
}

fn mse<N: BatchNetwork<f32, { SEQ * 2 }, 1>>(
    net: &N,
    test: &(Batch<f32, { SEQ * 2 }>, Batch<f32, 1>),
) -> f64 {
    let f = net.forward_batch(&test.0);
    (f - &test.1)
        .iter()
        .map(|e| (*e as f64).powi(2))
        .sum::<f64>()
        / test.1.ncols() as f64
}

/// The adding problem over 50 steps: an LSTM, a GRU and a tanh RNN; ends with
/// `result: lstm_mse=... gru_mse=... rnn_mse=...`.
#[derive(Parser)]
#[command(name = "adding_problem", allow_negative_numbers = true)]
struct Args {
    /// Adam steps of batch 64 for each network
    #[arg(long, value_name = "N", default_value_t = 2500, value_parser = cli::positive)]
    steps: usize,
    /// Seeds the initialisation, the training sequences and the test sequences
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = cli::seed)]
    seed: u64,
}

fn main() {
    let Args { steps, seed } = Args::parse();
    let test = batch(2000, &mut StdRng::seed_from_u64(1000 + seed));
    let mut rng = StdRng::seed_from_u64(seed);

    let mut lstm: LstmNet = LstmNet::new(&mut rng);
    // Forget-gate biases at 1 (rows H..2H): the memory starts out kept.
    lstm.lstm.cell.bias_ih.as_mut_slice()[32..64].fill(1.0);
    eprintln!("lstm:");
    let (lstm_mse, lstm_s) = train(&mut lstm, steps, 3e-3, seed, &test);
    let mut gru: GruNet = GruNet::new(&mut rng);
    eprintln!("gru:");
    let (gru_mse, gru_s) = train(&mut gru, steps, 3e-3, seed, &test);
    let mut rnn: RnnNet = RnnNet::new(&mut rng);
    eprintln!("rnn:");
    let (rnn_mse, rnn_s) = train(&mut rnn, steps, 3e-3, seed, &test);
    println!("baseline (predict 1): mse {:.4}", mse_of_mean(&test));
    println!(
        "{steps} steps of batch {BATCH}: lstm {lstm_s:.1} s, gru {gru_s:.1} s, rnn {rnn_s:.1} s"
    );
    println!("result: lstm_mse={lstm_mse:.4} gru_mse={gru_mse:.4} rnn_mse={rnn_mse:.4}");
}

fn mse_of_mean(test: &(Batch<f32, { SEQ * 2 }>, Batch<f32, 1>)) -> f64 {
    test.1
        .iter()
        .map(|y| (*y as f64 - 1.0).powi(2))
        .sum::<f64>()
        / test.1.ncols() as f64
}
