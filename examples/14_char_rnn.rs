//! A character-level language model on Tiny Shakespeare: one LSTM layer and a dense softmax
//! head predicting each next character.
//!
//! The text (`data/tinyshakespeare/input.txt`, 1,115,394 characters, 65 distinct) is split
//! into the first 90% for training and the last 10% for validation. Training draws random
//! windows of 65 characters (64 inputs, one-hot, and their next characters) in batches of 64,
//! trains the LSTM by backpropagation through the 64 steps (Adam, global-norm clipping at 5,
//! a cosine learning-rate decay over the time budget) until the budget is spent; two threads
//! each run half of every batch, and their gradients are averaged. Validation
//! runs the LSTM over the whole held-out text as one sequence (in chunks of 1,000 steps,
//! each starting from the previous chunk's final state) and reports the mean cross-entropy
//! in bits per character; then a sample is drawn from the model.
//!
//! ```sh
//! cargo run --release --example char_rnn
//! cargo run --release --example char_rnn -- --minutes 2 --seed 3
//! cargo run --release --example char_rnn -- --seconds 60 --lr 0.003
//! ```
//!
//! `tools/char_rnn_pytorch.py` trains the same model in PyTorch, and
//! `benches/char_rnn_vs_pytorch.sh` runs both for one budget, one after the other.
//!
//! Ends with `result: val_bpc=... train_seconds=...`.

use nn_core::activation::softmax_in_place;
use nn_core::cell::Lstm;
use nn_core::init::Init;
use nn_core::layer::{BatchOp, Dense, Layer};
use nn_core::optim::{clip_global_norm, Adam};
use nn_core::{Batch, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::time::Instant;

/// Distinct characters in the text.
const V: usize = 65;
/// Hidden units.
const H: usize = 256;
/// Steps of backpropagation through time.
const SEQ: usize = 64;
const BATCH: usize = 64;
type Rec = Lstm<f32, V, H, { 4 * H }, SEQ, { SEQ * V }, { SEQ * H }>;

struct Model {
    lstm: Rec,
    head: Dense<f32, H, V>,
}

/// One training step on windows starting at `starts`; returns the mean loss in nats.
struct Step {
    x: Batch<f32, { SEQ * V }>,
    hs: Batch<f32, { SEQ * H }>,
    cache: <Rec as BatchOp<f32, { SEQ * V }, { SEQ * H }>>::BatchCache,
    gl: Rec,
    gh: Dense<f32, H, V>,
    dhs: Batch<f32, { SEQ * H }>,
}

impl Step {
    /// Buffers for `n` windows a step.
    fn new(n: usize) -> Self {
        Self {
            x: Batch::zeros(n),
            hs: Batch::zeros(n),
            cache: Rec::empty_batch_cache(),
            gl: Rec::zeros(),
            gh: Dense::zeros(),
            dhs: Batch::zeros(n),
        }
    }

    fn run(&mut self, m: &Model, text: &[u8], starts: &[usize]) -> f64 {
        let n = starts.len();
        assert_eq!(n, self.x.ncols(), "one window per column");
        self.x.fill(0.0);
        for (j, &s) in starts.iter().enumerate() {
            for t in 0..SEQ {
                self.x[(t * V + text[s + t] as usize, j)] = 1.0;
            }
        }
        m.lstm
            .op_forward_batch(&self.x, &mut self.hs, &mut self.cache, true);
        // Every step of every window as one column of the head's batch.
        let h = Batch::<f32, H>::from_column_slice(self.hs.as_slice());
        let mut p = m.head.forward_batch(&h);
        let mut loss = 0.0;
        let scale = 1.0 / (SEQ * n) as f32;
        for (j, &s) in starts.iter().enumerate() {
            for t in 0..SEQ {
                let c = j * SEQ + t;
                let col = &mut p.as_mut_slice()[c * V..(c + 1) * V];
                softmax_in_place(col);
                let target = text[s + t + 1] as usize;
                loss -= (col[target].max(1e-30) as f64).ln();
                col[target] -= 1.0;
                col.iter_mut().for_each(|v| *v *= scale);
            }
        }
        m.head.backward_params_batch(&h, &p, &mut self.gh, 0.0);
        let mut dh = Batch::<f32, H>::zeros(0);
        m.head.backward_input_batch(&p, &mut dh);
        self.dhs = Batch::from_column_slice(dh.as_slice());
        m.lstm.op_backward_batch(
            &self.x,
            &self.hs,
            &self.cache,
            &self.dhs,
            &mut self.gl,
            None,
        );
        loss / (SEQ * n) as f64
    }
}

/// Mean cross-entropy (nats) of the next character over `text`, run as one sequence.
fn evaluate(m: &Model, text: &[u8]) -> f64 {
    let mut state = None;
    let mut total = 0.0;
    let mut count = 0usize;
    for chunk in text[..text.len() - 1].chunks(1000).enumerate() {
        let (k, chunk) = chunk;
        let mut xs = vec![0.0f32; chunk.len() * V];
        for (t, &c) in chunk.iter().enumerate() {
            xs[t * V + c as usize] = 1.0;
        }
        let run = m
            .lstm
            .forward_seq(&xs, state.as_ref())
            .expect("whole steps");
        state = Some(run.final_state());
        let h = Batch::<f32, H>::from_column_slice(run.hidden());
        let mut p = m.head.forward_batch(&h);
        for t in 0..chunk.len() {
            let col = &mut p.as_mut_slice()[t * V..(t + 1) * V];
            softmax_in_place(col);
            let target = text[k * 1000 + t + 1] as usize;
            total -= (col[target].max(1e-30) as f64).ln();
            count += 1;
        }
    }
    total / count as f64
}

/// Draws `len` characters after `prompt`, sampling from the softmax at temperature 0.8.
fn sample(m: &Model, vocab: &[u8], prompt: &[u8], len: usize, rng: &mut StdRng) -> String {
    let mut out = prompt.to_vec();
    let onehot = |c: u8| {
        let mut x = vec![0.0f32; V];
        x[c as usize] = 1.0;
        x
    };
    let mut xs: Vec<f32> = prompt.iter().flat_map(|&c| onehot(c)).collect();
    let mut state = None;
    for _ in 0..len {
        let run = m
            .lstm
            .forward_seq(&xs, state.as_ref())
            .expect("whole steps");
        state = Some(run.final_state());
        let last = &run.hidden()[run.hidden().len() - H..];
        let mut z = m
            .head
            .forward(&nn_core::nalgebra::SVector::from_column_slice(last));
        z.iter_mut().for_each(|v| *v /= 0.8);
        softmax_in_place(z.as_mut_slice());
        let mut u: f32 = rng.random();
        let mut c = V - 1;
        for (k, &p) in z.iter().enumerate() {
            if u < p {
                c = k;
                break;
            }
            u -= p;
        }
        out.push(c as u8);
        xs = onehot(c as u8);
    }
    out.iter().map(|&c| vocab[c as usize] as char).collect()
}

fn main() {
    // The budget in seconds (`--minutes` and `--seconds` set the same thing) and Adam's
    // peak step size; the sizes are the constants above, part of the model's type.
    let (mut budget, mut seed, mut lr) = (540.0f64, 1u64, 5e-3f64);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next().and_then(|v| v.parse::<f64>().ok());
        match (a.as_str(), v) {
            ("--minutes", Some(v)) if v > 0.0 => budget = v * 60.0,
            ("--seconds", Some(v)) if v > 0.0 => budget = v,
            ("--seed", Some(v)) if v >= 0.0 && v.fract() == 0.0 => seed = v as u64,
            ("--lr", Some(v)) if v > 0.0 && v.is_finite() => lr = v,
            _ => {
                eprintln!("usage: char_rnn [--minutes X | --seconds S] [--seed N] [--lr A]");
                eprintln!("  (X, S, A > 0; N a whole number >= 0)");
                std::process::exit(2);
            }
        }
    }
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/tinyshakespeare/input.txt"
    );
    let raw = std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("error: cannot read {path}: {e}");
        std::process::exit(1);
    });
    let mut vocab: Vec<u8> = raw.clone();
    vocab.sort_unstable();
    vocab.dedup();
    if vocab.len() != V {
        eprintln!(
            "error: {path} has {} distinct characters, expected {V}",
            vocab.len()
        );
        std::process::exit(1);
    }
    let mut index = [0u8; 256];
    for (k, &c) in vocab.iter().enumerate() {
        index[c as usize] = k as u8;
    }
    let text: Vec<u8> = raw.iter().map(|&c| index[c as usize]).collect();
    let split = text.len() * 9 / 10;
    let (train, val) = (&text[..split], &text[split..]);
    println!(
        "{} characters: {} for training, {} held out",
        text.len(),
        train.len(),
        val.len()
    );

    let mut rng = StdRng::seed_from_u64(seed);
    let mut model = Model {
        lstm: Rec::new(Init::Xavier, &mut rng),
        head: Dense::new(Init::Xavier, &mut rng),
    };
    // Forget-gate biases at 1 (rows H..2H).
    model.lstm.cell.bias_ih.as_mut_slice()[H..2 * H].fill(1.0);
    let (mut adam_l, mut adam_h) = (Adam::new(lr), Adam::new(lr));
    // Both cores: each thread runs half of every batch; their gradients are averaged.
    let mut halves = [Step::new(BATCH / 2), Step::new(BATCH / 2)];
    let start = Instant::now();
    let (mut steps, mut running) = (0usize, f64::NAN);
    loop {
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= budget {
            break;
        }
        let lr_now =
            0.05 * lr + 0.95 * lr * 0.5 * (1.0 + (std::f64::consts::PI * elapsed / budget).cos());
        adam_l.alpha = lr_now;
        adam_h.alpha = lr_now;
        let starts: Vec<usize> = (0..BATCH)
            .map(|_| rng.random_range(0..train.len() - SEQ - 1))
            .collect();
        let (first, second) = starts.split_at(BATCH / 2);
        let [a, b] = &mut halves;
        let loss = std::thread::scope(|s| {
            let other = s.spawn(|| b.run(&model, train, second));
            let la = a.run(&model, train, first);
            (la + other.join().expect("the second half's thread")) / 2.0
        });
        let mean = |x: &mut [f32], y: &[f32]| {
            x.iter_mut().zip(y).for_each(|(x, &y)| *x = 0.5 * (*x + y));
        };
        a.gl.zip_mut(&b.gl, |_, x, y| mean(x, y));
        a.gh.zip_mut(&b.gh, |_, x, y| mean(x, y));
        clip_global_norm(&mut a.gl, 5.0).expect("a valid norm");
        clip_global_norm(&mut a.gh, 5.0).expect("a valid norm");
        adam_l.step(&mut model.lstm, &a.gl).expect("same shapes");
        adam_h.step(&mut model.head, &a.gh).expect("same shapes");
        running = if running.is_nan() {
            loss
        } else {
            0.98 * running + 0.02 * loss
        };
        steps += 1;
        if steps % 200 == 0 {
            eprintln!(
                "step {steps:>5} ({elapsed:>5.0} s): train loss {:.3} bits/char",
                running / std::f64::consts::LN_2
            );
        }
    }
    let train_seconds = start.elapsed().as_secs_f64();
    let val_bpc = evaluate(&model, val) / std::f64::consts::LN_2;
    println!("{steps} steps of {BATCH} windows x {SEQ} characters in {train_seconds:.0} s");
    println!("validation: {val_bpc:.3} bits/char");
    println!(
        "sample:\n{}\n",
        sample(&model, &vocab, &text[..1], 400, &mut rng)
    );
    println!("result: val_bpc={val_bpc:.3} train_seconds={train_seconds:.0}");
}
